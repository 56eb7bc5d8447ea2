"""`python -m bot webhook`: the secret header, redelivered updates handled once, health and
metrics. Updates are posted as Telegram posts them, against the fake Bot API for replies."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from fake_telegram import FakeTelegram

from bot.app import Application
from bot.metrics import REGISTRY
from bot.webhook import SECRET_HEADER, Delivery, SeenUpdates
from tests.e2e.conftest import make_settings

SECRET = "s3cret_for-tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture(params=["memory", "redis"])
async def replica(
    fake: FakeTelegram, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A webhook replica on 127.0.0.1, alone or sharing Redis (REDIS_URL); its base URL."""
    shared = (
        {} if request.param == "memory" else {"redis_url": request.getfixturevalue("redis_url")}
    )
    app = Application(make_settings(fake, tmp_path, webhook_secret=SECRET, **shared))
    port = free_port()
    serving = asyncio.create_task(app.serve_webhook("127.0.0.1", port, handle_signals=False))
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(base + "/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    try:
        yield base
    finally:
        await app.stop()
        await serving


def start_update(update_id: int, chat_id: int) -> dict[str, Any]:
    person = {"id": chat_id, "is_bot": False, "first_name": "Aru", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_780_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Aru"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(base: str, body: dict[str, Any], secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(base + "/webhook", json=body, headers=headers) as response,
    ):
        return response.status


def counted(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def replies_to(fake: FakeTelegram, chat_id: int) -> int:
    return sum(1 for call in fake.calls_to("sendMessage") if call.params.get("chat_id") == chat_id)


async def test_an_update_without_the_secret_is_refused_and_not_handled(
    fake: FakeTelegram, replica: str
) -> None:
    fake.user(user_id=5101, language_code="ru")
    assert await post(replica, start_update(1, 5101), secret=None) == 401
    assert await post(replica, start_update(2, 5101), secret="wrong") == 401
    assert replies_to(fake, 5101) == 0
    assert await post(replica, start_update(3, 5101)) == 200
    assert replies_to(fake, 5101) == 1


async def test_a_redelivered_update_is_handled_once(fake: FakeTelegram, replica: str) -> None:
    fake.user(user_id=5102, language_code="ru")
    duplicates = counted("qorgan_duplicate_updates_total")
    messages = counted("qorgan_updates_total", {"type": "message"})
    # Delivered three times at once: one is handled; the others are answered 200 if it is
    # done by then, or 503 (Telegram tries again later) while it is still being handled.
    statuses = await asyncio.gather(*(post(replica, start_update(10, 5102)) for _ in range(3)))
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}
    assert await post(replica, start_update(10, 5102)) == 200  # a later redelivery
    assert replies_to(fake, 5102) == 1
    assert counted("qorgan_duplicate_updates_total") == duplicates + statuses.count(200)
    assert counted("qorgan_updates_total", {"type": "message"}) == messages + 1
    async with aiohttp.ClientSession() as http, http.get(replica + "/metrics") as response:
        assert response.status == 200
        metrics = await response.text()
    assert 'qorgan_updates_total{type="message"}' in metrics
    assert "qorgan_update_seconds_bucket" in metrics
    assert str(5102) not in metrics  # counts and times only


async def test_health_and_a_body_that_is_no_update(replica: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(replica + "/healthz") as response:
        assert response.status == 200
    assert await post(replica, {"hello": "world"}) == 400


async def test_seen_updates_forget_the_oldest_and_a_failed_one() -> None:
    seen = SeenUpdates(size=2)
    assert await seen.begin(1) is Delivery.NEW and await seen.begin(2) is Delivery.NEW
    assert await seen.begin(1) is Delivery.BUSY  # being handled: Telegram is told to retry
    await seen.finish(1)
    assert await seen.begin(1) is Delivery.DONE
    assert await seen.begin(3) is Delivery.NEW  # 1 is forgotten now
    assert await seen.begin(1) is Delivery.NEW
    await seen.forget(3)
    assert await seen.begin(3) is Delivery.NEW
