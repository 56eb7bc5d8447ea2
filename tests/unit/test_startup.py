"""What an operator sees at start: a token the Bot API refuses, or a Bot API that does not
answer after the session's retries, is one line naming the setting and exit status 2
(checked with getMe before anything else starts); a webhook left from webhook mode is
deleted so that polling can start."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiohttp import web
from fake_telegram import FakeTelegram

from bot.app import Application, check_telegram
from bot.config import Settings, SettingsError
from bot.logs import log_handler
from bot.telegram_session import PatientRequests, TelegramSession
from tests.e2e.conftest import RunningBot, make_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def refusing_api() -> AsyncIterator[str]:
    """A Bot API that answers every request as Telegram answers a revoked token."""

    async def unauthorized(_: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", unauthorized)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_bot(tmp_path: Path, api: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE"))}
    env.update(BOT_TOKEN="123456:WRONG", BOT_API_URL=api, DATABASE_PATH=str(tmp_path / "b.db"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


async def test_a_refused_token_is_one_line_and_status_2(tmp_path: Path, refusing_api: str) -> None:
    status, stderr = await run_bot(tmp_path, refusing_api)
    assert status == 2
    assert "Traceback" not in stderr
    (line,) = [line for line in stderr.splitlines() if "Configuration error" in line]
    assert "BOT_TOKEN" in line and "401" in line
    assert not (tmp_path / "b.db").exists()  # nothing else started


async def test_an_unreachable_bot_api_is_retried_then_named_as_the_setting(
    tmp_path: Path,
) -> None:
    # In-process, with the back-off's sleeps recorded instead of slept (about 8 s): the way
    # a SettingsError becomes one line and status 2 is the refused token's test above.
    api = f"http://127.0.0.1:{closed_port()}"
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    session = TelegramSession(api)
    session.middleware(PatientRequests(sleep=record))
    bot = Bot("123456:TEST", session=session)
    settings = Settings(_env_file=None, bot_api_url=api, database_path=tmp_path / "b.db")
    try:
        with pytest.raises(SettingsError) as refused:
            await check_telegram(bot, settings)
    finally:
        await bot.session.close()
    assert "BOT_API_URL" in str(refused.value) and api in str(refused.value)
    assert waits == [0.5, 1.0, 2.0, 4.0]  # getMe tried five times before giving up


async def test_polling_deletes_a_leftover_webhook_and_keeps_pending_updates(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = Application(make_settings(fake, tmp_path))
    await app.bot.set_webhook("https://cluster.example.org/webhook")
    user = fake.user(user_id=4242, language_code="ru")
    waiting = asyncio.create_task(user.send("/start"))  # pending while the webhook is set
    await asyncio.sleep(0.1)
    caplog.set_level(logging.INFO, logger="bot.app")
    running = RunningBot(app)
    await running.start(fake)
    try:
        reply = await waiting
        assert reply.text  # the update held while the webhook was set was answered
        assert (await app.bot.get_webhook_info()).url == ""
        assert fake.calls_to("deleteWebhook")[0].params.get("drop_pending_updates") in (
            None,
            False,
        )
        assert any("Deleted the webhook" in r.getMessage() for r in caplog.records)
    finally:
        await running.stop()


def test_json_logs_are_one_object_per_line() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("qorgan.test.json")
    logger.propagate = False
    logger.addHandler(log_handler("json", stream))
    logger.setLevel(logging.INFO)
    logger.info("Broadcast %d finished: %d sent", 7, 120)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "Broadcast 7 finished: 120 sent"
    assert (record["level"], record["logger"]) == ("INFO", "qorgan.test.json")
    assert record["time"]
