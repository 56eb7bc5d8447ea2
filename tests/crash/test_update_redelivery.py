"""An update being handled when the process dies: Telegram keeps an update until a later
getUpdates confirms it, and Qorgan's polling (bot/polling.py) confirms only what it finished,
so the update is delivered again after the restart."""

from __future__ import annotations

import asyncio

from fake_telegram import FakeTelegram

from tests.crash.conftest import BotProcess, CrashLog

HOLD = 60.0


async def test_an_update_in_flight_at_sigkill_is_handled_after_the_restart(
    fake: FakeTelegram, bot: BotProcess, crash_log: CrashLog
) -> None:
    user = fake.user(user_id=61_000, language_code="ru")
    await bot.start()
    # The bot's answer is held by the fake: the handler is mid-way when the process dies.
    fake.delay("sendMessage", HOLD)
    mark = len(fake.calls)
    sending = asyncio.create_task(user.send("/start", timeout=HOLD))

    def answer_held() -> bool:
        return any(
            c.method == "sendMessage" and c.chat_id == user.chat_id and c.response is None
            for c in fake.calls[mark:]
        )

    await fake.wait_for(answer_held, timeout=20)
    await asyncio.sleep(0.2)  # time enough to poll again, and confirm the update if it will
    where = "kill while /start is handled" + (
        " (update already confirmed)" if not fake.updates.pending else ""
    )
    await bot.kill()
    fake.delay("sendMessage", 0)
    await bot.start()
    try:
        # A redelivered /start is answered within milliseconds of the restart.
        await fake.wait_for(lambda: any(m.from_bot for m in user.messages), timeout=5)
    except AssertionError:
        crash_log.add(where, "LOST: never answered")
        raise
    finally:
        await sending
        assert await bot.terminate() == 0
    crash_log.add(where, "answered after the restart")
