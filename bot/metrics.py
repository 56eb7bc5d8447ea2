"""Prometheus metrics of one process (`GET /metrics` of `python -m bot webhook`): counts and
times only, never an id, a text or anything else about a person."""

from __future__ import annotations

import time

from aiogram.types import Update
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
UPDATE_LAG_SECONDS = Histogram(
    "qorgan_update_lag_seconds",
    "Queue lag: from a message's date (as Telegram stamped it) until a replica takes it up",
    buckets=(1, 2, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY,
)
BROADCAST_QUEUE = Gauge(
    "qorgan_broadcast_queue_pending",
    "Broadcast messages waiting in the durable queue (set by the active worker)",
    registry=REGISTRY,
)


def observe_lag(update: Update) -> None:
    """Only messages carry a date; a button press says nothing of when it was pressed."""
    message = update.message or update.edited_message or update.channel_post
    if message is not None:
        UPDATE_LAG_SECONDS.observe(max(0.0, time.time() - message.date.timestamp()))
