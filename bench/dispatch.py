"""Dispatcher benchmark: the CPU one update costs inside the bot, without HTTP.

    .venv/bin/python -m bench.dispatch            # about 15 seconds
    .venv/bin/python -m bench.dispatch --profile  # also the top functions by own time

Feeds /help updates to `Dispatcher.feed_update` one after another, with a session that answers
every request at once (no network, no JSON): what remains is aiogram's routing, Qorgan's
middlewares, filters and handler, and the database. Printed as CPU microseconds per update,
for Qorgan with each profile already cached ("warm"), Qorgan reading each from SQLite ("cold":
a chat's first update), and a bare aiogram echo bot. bench/updates.py measures the whole path.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update
from pydantic import SecretStr
from sqlalchemy import insert

from bench.seed import person
from bot.app import Application
from bot.config import Settings
from bot.db.schema import users

FIRST_CHAT = 30_000_000


class InstantSession(BaseSession):
    """Answers every request at once: a sent message for sends and edits, True otherwise."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        chat_id = getattr(method, "chat_id", None) or 1
        if method.__returning__ is Message or type(method).__name__ == "EditMessageText":
            sent = {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}}
            return Message.model_validate({**sent, "text": "ok"})  # type: ignore[return-value]
        return True  # type: ignore[return-value]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError
        yield b""  # a generator, as aiogram's

    async def close(self) -> None:
        return None


def help_update(n: int) -> Update:
    chat_id = FIRST_CHAT + n
    return Update.model_validate(
        {
            "update_id": n + 1,
            "message": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": chat_id, "type": "private", "first_name": "U"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "U", "language_code": "ru"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    )


async def cpu_per_update(dp: Dispatcher, bot: Bot, updates: list[Update]) -> float:
    started = time.process_time()
    for update in updates:
        await dp.feed_update(bot, update)
    return (time.process_time() - started) / len(updates) * 1e6


def bare_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "ok")

    return dp


async def run(count: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            _env_file=None,
            bot_token=SecretStr("123456:BENCH"),
            database_path=Path(directory) / "bench.sqlite3",
            admin_ids=frozenset(),
            quiet_hours="",
        )
        app = Application(settings)
        app.bot.session = InstantSession()
        await app.db.open()
        await app.db.migrate()
        async with app.db.transaction() as conn:
            await conn.execute(
                insert(users),
                [person(FIRST_CHAT + n, subscribed=False) for n in range(2 * count)],
            )
        first, second = (
            [help_update(n) for n in range(count)],
            [help_update(n) for n in range(count, 2 * count)],
        )
        dp = app.dispatcher
        # Each chat's first update reads its profile from SQLite (after a first pass for
        # imports and first-use caches); the second pass finds them all cached.
        await cpu_per_update(dp, app.bot, first)
        cold = await cpu_per_update(dp, app.bot, second)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        warm = await cpu_per_update(dp, app.bot, first)  # profiles cached
        if profiler:
            profiler.disable()
        bare = await cpu_per_update(bare_dispatcher(), app.bot, first)
        await app.db.close()
    print(f"/help, {count} updates each, CPU per update (feed_update, no HTTP):")
    print(f"  Qorgan, profile cached      {warm:6.0f} µs")
    print(f"  Qorgan, profile from SQLite {cold:6.0f} µs")
    print(f"  bare aiogram echo bot       {bare:6.0f} µs")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="updates per measurement")
    parser.add_argument("--profile", action="store_true", help="cProfile the warm run")
    args = parser.parse_args()
    asyncio.run(run(args.count, args.profile))


if __name__ == "__main__":
    main()
