"""`python -m bot webhook`: updates from Telegram over HTTPS (through a load balancer), for
running several replicas side by side.

- `POST WEBHOOK_PATH`: an update. Without the header `X-Telegram-Bot-Api-Secret-Token` equal to
  `WEBHOOK_SECRET` the answer is 401 and nothing is handled. The update is handled before the
  answer, so a replica that dies mid-way never answers 2xx and Telegram delivers the update
  again; an update this replica has handled already is answered 200 and not handled twice.
- `GET /healthz`: 200 when the database (and Redis, with REDIS_URL) answers, 503 otherwise.
- `GET /metrics`: Prometheus metrics (bot/metrics.py): counts and times, nothing about anyone.

Scheduled work (campaigns, broadcasts, retention) is not a replica's: it belongs to the worker.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from bot.logs import where_it_failed
from bot.metrics import DUPLICATE_UPDATES, REGISTRY, UPDATE_SECONDS, UPDATES, observe_lag

if TYPE_CHECKING:
    from bot.app import Application

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Telegram redelivers an update for up to a day; the ids of the last ones seen are enough to
# recognise a redelivery to this replica (across replicas, REDIS_URL shares them).
REMEMBERED_UPDATES = 10_000


class Delivery(StrEnum):
    """What a replica may do with an update Telegram delivered."""

    NEW = "new"  # handle it
    DONE = "done"  # handled before: answer 200, do nothing
    BUSY = "busy"  # being handled now (another delivery of it): answer 503, Telegram retries


class UpdateLedger(Protocol):
    """Which updates were taken: SeenUpdates in one process, RedisSeenUpdates in a cluster."""

    async def begin(self, update_id: int) -> Delivery: ...

    async def renew(self, update_id: int) -> None: ...

    async def finish(self, update_id: int) -> None: ...

    async def forget(self, update_id: int) -> None: ...


class SeenUpdates:
    """The update ids this process has taken, oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self._size = size
        self._done: OrderedDict[int, bool] = OrderedDict()

    async def begin(self, update_id: int) -> Delivery:
        if update_id in self._done:
            return Delivery.DONE if self._done[update_id] else Delivery.BUSY
        self._done[update_id] = False
        if len(self._done) > self._size:
            self._done.popitem(last=False)
        return Delivery.NEW

    async def renew(self, update_id: int) -> None:
        pass  # one process: nobody else waits for the mark

    async def finish(self, update_id: int) -> None:
        self._done[update_id] = True

    async def forget(self, update_id: int) -> None:
        """An update whose handling failed: Telegram's redelivery must be handled."""
        self._done.pop(update_id, None)


# In a cluster a replica holds two leases while it handles an update: the update's id marked
# "busy", and the lock on its chat's conversation (bot/shared_state.py). Both are renewed
# every third of this while the update is handled; a replica killed mid-way leaves them to
# expire, delaying that update's redelivery and the chat's next update by at most this long.
LEASE_SECONDS = 10.0


async def while_renewing(handling: Awaitable[object], seen: UpdateLedger, update: Update) -> None:
    """Handle the update, renewing its "busy" mark until done."""
    task = asyncio.ensure_future(handling)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=LEASE_SECONDS / 3)
            if not task.done():
                await seen.renew(update.update_id)
        task.result()
    finally:
        task.cancel()


def create_webhook_app(app: Application) -> web.Application:
    secret = app.settings.require_webhook_secret().encode()
    seen = app.update_ledger

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            return web.Response(status=401, text="unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": app.bot})
        except (ValueError, ValidationError):
            logger.warning("A webhook request that is not an update was refused")
            return web.Response(status=400, text="not an update")
        match await seen.begin(update.update_id):
            case Delivery.DONE:
                DUPLICATE_UPDATES.inc()
                return web.Response(text="ok")
            case Delivery.BUSY:
                return web.Response(status=503, text="being handled")
        started = time.perf_counter()
        observe_lag(update)
        try:
            await while_renewing(app.dispatcher.feed_update(app.bot, update), seen, update)
        except Exception as exc:  # noqa: BLE001 - answered 500: Telegram delivers it again
            await seen.forget(update.update_id)
            logger.error("Update %s failed: %s", update.update_id, where_it_failed(exc))
            return web.Response(status=500, text="failed")
        await seen.finish(update.update_id)
        UPDATE_SECONDS.observe(time.perf_counter() - started)
        UPDATES.labels(update.event_type).inc()
        return web.Response(text="ok")

    web_app = create_monitoring_app(app)
    web_app.router.add_post(app.settings.webhook_path, receive)
    return web_app


def create_monitoring_app(app: Application) -> web.Application:
    """`GET /healthz` and `GET /metrics`, served by replicas and by workers."""

    async def healthz(_: web.Request) -> web.Response:
        for name, ping in app.health_checks().items():
            try:
                await asyncio.wait_for(ping(), timeout=5)
            except Exception:  # noqa: BLE001 - any failure means "not healthy"
                return web.Response(status=503, text=f"{name} unreachable")
        return web.Response(text="ok")

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    return web_app
