"""`python -m bot worker`: one active worker at a time. The active one sets the webhook and
runs the scheduled work; a standby waits, and takes over when the active one is gone."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from fake_telegram import FakeTelegram

from bot.app import Application
from tests.bot_process import BotChild, start_bot
from tests.e2e.conftest import make_settings

SECRET = "worker_secret"
URL = "https://qorgan.example.org/webhook"
# The settings a child must not inherit from the test run's environment.
SETTING_PREFIXES = ("BOT_", "DATABASE", "WEBHOOK", "ADMIN", "MODERATOR", "LOG_")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


def worker(fake: FakeTelegram, tmp_path: Path, database: str | Path) -> Application:
    overrides: dict[str, object] = {"webhook_secret": SECRET, "webhook_url": URL}
    if isinstance(database, str):
        overrides["database_url"] = database
    else:
        overrides["database_path"] = database
    return Application(make_settings(fake, tmp_path, **overrides))


def webhooks_set(fake: FakeTelegram) -> int:
    return len(fake.calls_to("setWebhook"))


async def test_the_standby_takes_over_when_the_active_worker_is_gone(
    fake: FakeTelegram, tmp_path: Path, postgres_url: str
) -> None:
    first, second = (
        worker(fake, tmp_path / "a", postgres_url),
        worker(fake, tmp_path / "b", postgres_url),
    )
    active = asyncio.create_task(first.serve_worker(handle_signals=False))
    await fake.wait_for(lambda: webhooks_set(fake) == 1, timeout=20)
    call = fake.calls_to("setWebhook")[0]
    assert call.params["url"] == URL and call.params["secret_token"] == SECRET
    standby = asyncio.create_task(second.serve_worker(handle_signals=False))
    await asyncio.sleep(3)  # more than one try of the lock
    assert webhooks_set(fake) == 1  # the standby waits
    await first.stop()
    await active
    started = asyncio.get_running_loop().time()
    await fake.wait_for(lambda: webhooks_set(fake) == 2, timeout=15)
    assert asyncio.get_running_loop().time() - started < 15
    await second.stop()
    await standby


async def test_on_sqlite_the_worker_is_active_at_once(fake: FakeTelegram, tmp_path: Path) -> None:
    app = worker(fake, tmp_path, tmp_path / "bot.sqlite3")
    port = free_port()
    running = asyncio.create_task(app.serve_worker("127.0.0.1", port, handle_signals=False))
    await fake.wait_for(lambda: webhooks_set(fake) == 1 and app.scheduler.running, timeout=20)
    # Its own /healthz and /metrics: broadcasts are counted in the worker.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            assert answer.status == 200
        async with http.get(f"http://127.0.0.1:{port}/metrics") as answer:
            assert "qorgan_broadcast_queue_pending" in await answer.text()
    await app.stop()
    await running
    assert not app.scheduler.running


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_worker(fake: FakeTelegram, directory: Path, database_url: str) -> BotChild:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update(
        BOT_TOKEN="123456:TEST",
        BOT_API_URL=fake.base_url,
        DATABASE_URL=database_url,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_URL=URL,
        QUIET_HOURS="",
    )
    return await start_bot(["worker"], env=env, cwd=directory)


async def test_a_killed_worker_is_replaced_by_the_standby_within_15_s(
    fake: FakeTelegram, tmp_path: Path, postgres_url: str
) -> None:
    first = await start_worker(fake, tmp_path, postgres_url)
    second: BotChild | None = None
    try:
        await fake.wait_for(lambda: webhooks_set(fake) == 1, timeout=60)
        second = await start_worker(fake, tmp_path, postgres_url)
        await asyncio.sleep(5)  # started, standing by
        assert webhooks_set(fake) == 1 and second.returncode is None
        first.send_signal(signal.SIGKILL)  # no handler runs, the lock goes with the socket
        await first.wait()
        killed = asyncio.get_running_loop().time()
        await fake.wait_for(lambda: webhooks_set(fake) == 2, timeout=15)
        assert asyncio.get_running_loop().time() - killed < 15
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), timeout=30)
