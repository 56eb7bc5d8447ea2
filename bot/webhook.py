"""`python -m bot webhook`: updates from Telegram over HTTPS (through a load balancer), for
running several replicas side by side.

- `POST WEBHOOK_PATH`: an update. Without the header `X-Telegram-Bot-Api-Secret-Token` equal to
  `WEBHOOK_SECRET` the answer is 401 and nothing is handled. The update is handled before the
  answer, so a replica that dies mid-way never answers 2xx and Telegram delivers the update
  again; an update this replica has handled already is answered 200 and not handled twice.
- `GET /healthz`: 200 when the database answers, 503 otherwise.
- `GET /metrics`: Prometheus metrics (bot/metrics.py): counts and times, nothing about anyone.

Scheduled work (campaigns, broadcasts, retention) is not a replica's: it belongs to the worker.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from bot.logs import where_it_failed
from bot.metrics import DUPLICATE_UPDATES, REGISTRY, UPDATE_SECONDS, UPDATES

if TYPE_CHECKING:
    from bot.app import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Telegram redelivers an update for up to a day; the ids of the last ones seen are enough to
# recognise a redelivery to this replica (across replicas, REDIS_URL will share them).
REMEMBERED_UPDATES = 10_000


class SeenUpdates:
    """The update ids this process has taken, oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self._size = size
        self._seen: OrderedDict[int, None] = OrderedDict()

    def take(self, update_id: int) -> bool:
        """True the first time an id is seen."""
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    def forget(self, update_id: int) -> None:
        """An update whose handling failed: Telegram's redelivery must be handled."""
        self._seen.pop(update_id, None)


def create_webhook_app(app: Application) -> web.Application:
    secret = app.settings.require_webhook_secret().encode()
    seen = SeenUpdates()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return web.Response(status=401, text="unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": app.bot})
        except (ValueError, ValidationError):
            logger.warning("A webhook request that is not an update was refused")
            return web.Response(status=400, text="not an update")
        if not seen.take(update.update_id):
            DUPLICATE_UPDATES.inc()
            return web.Response(text="ok")
        started = time.perf_counter()
        try:
            await app.dispatcher.feed_update(app.bot, update)
        except Exception as exc:  # noqa: BLE001 - answered 500: Telegram delivers it again
            seen.forget(update.update_id)
            logger.error("Update %s failed: %s", update.update_id, where_it_failed(exc))
            return web.Response(status=500, text="failed")
        UPDATE_SECONDS.observe(time.perf_counter() - started)
        UPDATES.labels(update.event_type).inc()
        return web.Response(text="ok")

    async def healthz(_: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(app.db.ping(), timeout=5)
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return web.Response(status=503, text="database unreachable")
        return web.Response(text="ok")

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application()
    web_app.router.add_post(app.settings.webhook_path, receive)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    return web_app
