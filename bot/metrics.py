"""Prometheus metrics of one process (`GET /metrics` of `python -m bot webhook`): counts and
times only, never an id, a text or anything else about a person."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("qorgan_updates", "Updates handled, by type", ["type"], registry=REGISTRY)
UPDATE_SECONDS = Histogram(
    "qorgan_update_seconds",
    "Time to handle one update (middlewares, handler, database, Telegram requests)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
DUPLICATE_UPDATES = Counter(
    "qorgan_duplicate_updates",
    "Webhook deliveries of an update already handled (Telegram redelivers)",
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "qorgan_telegram_api_errors",
    "Bot API requests that failed, by method and error code (0: network)",
    ["method", "code"],
    registry=REGISTRY,
)
TIPS_RECEIVED = Counter(
    "qorgan_tips_received",
    "Tips whose card reached the moderators (counted after the random delay, not at Send)",
    registry=REGISTRY,
)
BROADCAST_MESSAGES = Counter(
    "qorgan_broadcast_messages",
    "Broadcast messages by outcome (sent, failed, blocked)",
    ["outcome"],
    registry=REGISTRY,
)
