"""Polling that confirms an update only once it was handled (bot/polling.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from fake_telegram import FakeTelegram, FakeUser

from bot.polling import GET_UPDATES_LIMIT, HOLD_SECONDS, MOST_HELD, Poller, UpdateLedger


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_offset_stops_at_the_oldest_update_in_flight() -> None:
    ledger = UpdateLedger(Clock())
    assert ledger.offset() is None  # nothing received: getUpdates without an offset
    for update_id in (10, 11, 12):
        ledger.start(update_id)
    ledger.finish(11)
    assert ledger.offset() == 10 and ledger.holding()
    assert ledger.is_known(11)  # handled, but Telegram will send it again until confirmed
    ledger.finish(10)
    assert ledger.offset() == 12
    ledger.finish(12)
    assert ledger.offset() == 13 and not ledger.holding()
    ledger.confirmed(13)
    assert not ledger.is_known(11)  # confirmed: Telegram never sends it again


def test_an_update_is_held_back_for_a_limited_time() -> None:
    clock = Clock()
    ledger = UpdateLedger(clock)
    ledger.start(1)
    ledger.start(2)
    ledger.finish(2)
    assert ledger.offset() == 1
    clock.now = HOLD_SECONDS + 0.1  # a handler waiting on Telegram this long is let go
    assert ledger.offset() == 3 and not ledger.holding()
    assert ledger.is_known(1)  # still being handled: not handled again if sent again


def test_nothing_is_held_in_a_burst() -> None:
    ledger = UpdateLedger(Clock())
    for update_id in range(1, MOST_HELD + 2):
        ledger.start(update_id)
    assert ledger.offset() == MOST_HELD + 2 and not ledger.holding()
    ledger.confirmed(MOST_HELD + 2)
    ledger.finish(1)
    assert ledger.offset() == MOST_HELD + 2  # never back below what was confirmed


def test_an_update_already_confirmed_is_not_held() -> None:
    ledger = UpdateLedger(Clock())
    for update_id in range(1, MOST_HELD + 2):  # a burst: nothing held, all confirmed
        ledger.start(update_id)
    ledger.confirmed(ledger.offset())
    for update_id in range(2, MOST_HELD + 2):
        ledger.finish(update_id)  # all but the first finish
    ledger.start(MOST_HELD + 2)
    assert ledger.offset() == MOST_HELD + 2 and ledger.holding()  # 1 is below the floor


def test_numbering_afresh_after_a_quiet_week_starts_a_new_ledger() -> None:
    ledger = UpdateLedger(Clock())
    ledger.start(500)
    ledger.finish(500)
    ledger.confirmed(501)
    ledger.start(7)  # Telegram picked a new, lower number
    assert ledger.offset() == 7 and ledger.holding()
    ledger.finish(7)
    assert ledger.offset() == 8


def test_letting_go_never_moves_the_offset_back() -> None:
    ledger = UpdateLedger(Clock())
    ledger.start(5)
    ledger.start(6)
    ledger.let_go()
    assert ledger.offset() == 7
    ledger.confirmed(7)
    ledger.start(7)
    assert ledger.offset() == 7  # 5 and 6, still running, are confirmed already


@pytest.fixture
async def polling(fake: FakeTelegram) -> AsyncIterator[tuple[Poller, asyncio.Event]]:
    """A Poller of a dispatcher echoing texts; "slow" waits until the event is set."""
    release = asyncio.Event()
    dp = Dispatcher()

    async def echo(message: Message) -> None:
        if message.text == "slow":
            await release.wait()
        await message.answer(f"echo: {message.text}")

    dp.message.register(echo)
    bot = Bot("123456:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    poller = Poller(dp, bot)
    running = asyncio.create_task(
        poller.run(allowed_updates=["message"], handle_signals=False, polling_timeout=1)
    )
    await fake.wait_for(lambda: bool(fake.calls_to("getUpdates")), timeout=10)
    yield poller, release
    release.set()
    poller.stop()
    await running
    await bot.session.close()
    # Shutdown confirmed everything that was handled.
    assert fake.updates.pending == []


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


async def test_an_update_is_confirmed_only_after_its_handler_finished(
    fake: FakeTelegram, polling: tuple[Poller, asyncio.Event]
) -> None:
    poller, release = polling
    slow, quick = fake.user(user_id=1), fake.user(user_id=2)
    sending = asyncio.create_task(slow.send("slow", timeout=10))
    await fake.wait_for(lambda: poller.ledger.in_flight == 1, timeout=5)
    # Others are answered meanwhile, each once, though Telegram keeps sending them along
    # (handled, they wait for the slow one to be confirmed with them).
    quick_ones = [asyncio.create_task(quick.send(f"hi {n}", timeout=10)) for n in range(3)]
    await fake.wait_for(lambda: len(quick.messages) == 6, timeout=5)  # 3 sent, 3 answers
    await asyncio.sleep(0.3)
    assert fake.updates.pending[0].update_id == 1  # the slow one is still kept
    release.set()
    reply = await sending
    assert [m.text for m in reply] == ["echo: slow"]
    await asyncio.gather(*quick_ones)
    assert fake.updates.pending == []
    answers = [m.text for m in quick.messages if m.from_bot]
    assert answers == ["echo: hi 0", "echo: hi 1", "echo: hi 2"]


def answered(user: FakeUser) -> Callable[[], bool]:
    return lambda: [m.text for m in user.messages if m.from_bot] == ["echo: hello"]


async def test_a_full_window_of_handled_updates_does_not_stall_polling(
    fake: FakeTelegram, polling: tuple[Poller, asyncio.Event]
) -> None:
    poller, _ = polling
    slow = asyncio.create_task(fake.user(user_id=99).send("slow", timeout=30))
    await fake.wait_for(lambda: poller.ledger.in_flight == 1, timeout=5)
    # One by one, more people than one getUpdates answer holds: each is handled behind the
    # held update, until an answer brings only known updates and the bot lets go.
    sending = []
    for n in range(GET_UPDATES_LIMIT + 20):
        user = fake.user(user_id=100 + n)
        sending.append(asyncio.create_task(user.send("hello", timeout=30)))
        await fake.wait_for(answered(user), timeout=5)
    await fake.wait_for(lambda: poller.ledger.in_flight == 1, timeout=5)  # only the slow one
    for task in [slow, *sending]:
        task.cancel()


async def test_polling_does_not_spin_after_a_burst(
    fake: FakeTelegram, polling: tuple[Poller, asyncio.Event]
) -> None:
    poller, _ = polling
    people = [fake.user(user_id=300 + n) for n in range(MOST_HELD + 2)]
    # A burst (queued in one turn of the loop, so fetched together), the first update of
    # which stays in its handler.
    burst = [
        asyncio.create_task(person.send(text, timeout=10))
        for person, text in zip(people, ["slow"] + ["hi"] * (MOST_HELD + 1), strict=True)
    ]
    await fake.wait_for(lambda: poller.ledger.in_flight == 1, timeout=5)
    late = fake.user(user_id=299)
    sending = asyncio.create_task(late.send("hello", timeout=10))
    await fake.wait_for(answered(late), timeout=5)
    before = len(fake.calls_to("getUpdates"))
    await asyncio.sleep(1.0)
    # Long polling (1 s here) or waiting for handlers: a handful of calls, not a spin.
    assert len(fake.calls_to("getUpdates")) - before <= 5
    for task in [*burst, sending]:
        task.cancel()
