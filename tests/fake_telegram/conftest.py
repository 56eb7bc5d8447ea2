"""Fixtures for the fake Telegram's own tests: a running fake, a real aiogram bot pointed at
it, and a helper that runs a dispatcher in the background."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from fake_telegram import FakeTelegram

TOKEN = "123456789:AAE-fake-token_for-tests"

PollingRunner = Callable[[Dispatcher], AbstractAsyncContextManager[None]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    # A quiet period a little longer than the default: these tests check what arrived, and
    # with the PostgreSQL half of the suite beside them a bot's reply could come after 40 ms.
    async with FakeTelegram(quiet=0.08) as server:
        yield server
        # The fake's own answers must be valid Bot API objects, whatever the test did.
        assert server.answer_problems() == []


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    instance = Bot(TOKEN, session=session)
    try:
        yield instance
    finally:
        await close_session(session)


async def close_session(session: AiohttpSession) -> None:
    """Close an aiogram session without its 250 ms pause (meant for TLS, the fake is HTTP)."""
    if session._session is not None:
        await session._session.close()


@pytest.fixture
def polling(fake: FakeTelegram, bot: Bot) -> PollingRunner:
    """``async with polling(dp):`` runs ``dp`` against the fake and stops it cleanly."""

    @asynccontextmanager
    async def run(dispatcher: Dispatcher) -> AsyncIterator[None]:
        # One update at a time: an update is then handled when the next getUpdates confirms
        # it, which the fake's actions wait for, so what arrived never depends on the load of
        # the machine.
        task = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                polling_timeout=5,
                handle_as_tasks=False,
            )
        )
        try:
            # Start acting only once the bot polls (stop_polling needs a started polling).
            await fake.wait_for(lambda: bool(fake.calls_to("getUpdates")))
            yield
        finally:
            await dispatcher.stop_polling()
            await task

    return run
