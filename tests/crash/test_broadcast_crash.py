"""SIGKILL and SIGTERM during a broadcast, on SQLite and on PostgreSQL: after each restart the
broadcast resumes from the database and completes with no subscriber missed, at most 3 messages
sent twice per kill (outcomes are written within 50 ms of their answer; the claimed batch,
BROADCAST_RATE messages, bounds what was in flight), none twice after SIGTERM, and an intact
database. Copies are counted per chat in the fake, over all the bot's processes."""

from __future__ import annotations

import asyncio
import random

import pytest
from fake_telegram import FakeGroup, FakeTelegram
from fake_telegram.activity import Wait

from bot.domain import BroadcastContent, Language
from tests.crash.conftest import (
    BATCH,
    OWNER_ID,
    REPEATS_PER_KILL,
    BotProcess,
    CrashLog,
    Deliveries,
    assert_intact,
    prepare_database,
    query,
    seeded,
    start_broadcast,
    tr,
)
from tests.engines import ENGINES

# The claim of recipients is engine-specific (FOR UPDATE SKIP LOCKED on PostgreSQL): the
# same kills on both engines.
pytestmark = pytest.mark.parametrize("crash_database", ENGINES, indirect=True)
RU = Language.RU
MARKER = "#crash-broadcast"
TEXT_KK = f"Қорған: 26 маусым — есірткіге қарсы күн {MARKER}"
TEXT_RU = f"Қорған: 26 июня — день борьбы с наркотиками {MARKER}"
FINISH_TIMEOUT = 90.0


def subscribers(first: int, count: int) -> dict[int, Language]:
    return {first + n: (Language.KK if n % 2 else Language.RU) for n in range(count)}


def add_to_fake(fake: FakeTelegram, audience: dict[int, Language]) -> None:
    for chat_id, language in audience.items():
        fake.user(user_id=chat_id, first_name="Subscriber", language_code=language.value)


def claimed(bot: BotProcess, broadcast_id: int) -> int:
    """Recipients claimed by the batch in flight: what the next start sends again."""
    rows = query(
        bot.database,
        "SELECT COUNT(*) FROM broadcast_deliveries WHERE broadcast_id = ? AND state = 'claimed'",
        (broadcast_id,),
    )
    return int(rows[0][0])


def recorded_sent(bot: BotProcess, broadcast_id: int) -> list[int]:
    rows = query(
        bot.database,
        "SELECT chat_id FROM broadcast_deliveries WHERE broadcast_id = ? AND state = 'sent'",
        (broadcast_id,),
    )
    return [row[0] for row in rows]


def status(bot: BotProcess, broadcast_id: int) -> tuple[str, int, int, int, int]:
    rows = query(
        bot.database,
        "SELECT status, total, sent, failed, blocked FROM broadcasts WHERE id = ?",
        (broadcast_id,),
    )
    name, total, sent, failed, blocked = rows[0]
    return str(name), int(total), int(sent), int(failed), int(blocked)


async def kill_during_delivery(
    bot: BotProcess,
    deliveries: Deliveries,
    broadcast_id: int,
    kills: int,
    rng: random.Random,
    crash_log: CrashLog,
) -> int:
    """Kill the bot `kills` times at random points of the delivery, checking the database
    after each kill and restarting; returns how many messages were in flight at the kills."""
    audience = len(deliveries.chat_ids)
    resent = 0
    for kill in range(1, kills + 1):
        # Each process sends 0 to 2 batches' worth of copies, then lives a random part of a
        # second more: some kills land in start-up or recovery, most mid-batch. Room is left
        # for the batch in flight and that half second, so no kill comes after the end.
        room = (audience - 3 * BATCH - deliveries.delivered) // (kills - kill + 1)
        more = rng.randint(0, max(0, min(2 * BATCH, room)))
        await bot.fake.wait_for(deliveries.more_copies(more), timeout=FINISH_TIMEOUT)
        pause = rng.uniform(0.0, 0.5)
        await asyncio.sleep(pause)
        await bot.kill()

        assert_intact(bot.database)
        in_flight = claimed(bot, broadcast_id)
        assert in_flight <= BATCH
        # Every recipient marked sent really got it.
        counts = deliveries.counts
        assert all(counts[chat_id] >= 1 for chat_id in recorded_sent(bot, broadcast_id))
        name, total, sent, failed, blocked = status(bot, broadcast_id)
        # Not finished yet (else the kill tested nothing), nothing failed on the way.
        assert name == "running" and total == audience and failed == blocked == 0
        resent += in_flight
        crash_log.add(
            f"kill {kill}: {deliveries.delivered}/{audience} chats reached; this process sent"
            f" {more}+ copies, then ran {pause:.2f} s more",
            f"integrity ok, {sent} recorded sent, {in_flight} claimed in flight (<= {BATCH})",
        )
        await bot.start()
    return resent


async def finish(bot: BotProcess, deliveries: Deliveries, broadcast_id: int) -> None:
    await bot.fake.wait_for(lambda: status(bot, broadcast_id)[0] == "done", timeout=FINISH_TIMEOUT)
    name, total, sent, failed, blocked = status(bot, broadcast_id)
    assert (name, total, sent, failed, blocked) == ("done", len(deliveries.chat_ids), total, 0, 0)


async def test_sigkill_during_a_broadcast_started_with_the_broadcast_command(
    fake: FakeTelegram, bot: BotProcess, moderators_chat: FakeGroup, crash_log: CrashLog
) -> None:
    rng = seeded(3)
    kills = 2
    audience = subscribers(51_000, 150)
    add_to_fake(fake, audience)
    await prepare_database(bot.database, audience)
    deliveries = Deliveries(fake, list(audience), MARKER)
    await bot.start()

    # The owner composes and starts it as a moderator would.
    owner = fake.user(user_id=OWNER_ID, first_name="Saule", language_code="ru")
    wait: Wait = {"timeout": 20.0}
    await owner.send("/broadcast", **wait)
    await owner.send(TEXT_KK, **wait)
    await owner.send(TEXT_RU, **wait)
    await owner.click(tr("Skip ➡️", RU), **wait)  # no photo
    await owner.click(tr("No button", RU), **wait)
    reply = await owner.click(tr("Preview ➡️", RU), **wait)
    assert tr("Audience: {total} subscribers.", RU).format(total=len(audience)) in reply.text
    # No quiet period to wait for: the delivery keeps the bot busy from now on.
    await owner.click(tr("✅ Start the broadcast", RU), quiet=0.0, timeout=20.0)
    await fake.wait_for(lambda: bool(query(bot.database, "SELECT id FROM broadcasts")))
    ((broadcast_id,),) = query(bot.database, "SELECT id FROM broadcasts")

    resent = await kill_during_delivery(bot, deliveries, broadcast_id, kills, rng, crash_log)
    await finish(bot, deliveries, broadcast_id)
    assert deliveries.misses == 0
    assert deliveries.duplicates <= resent <= kills * BATCH
    # Outcomes are written within 50 ms of their answer: at most 3 repeats per kill.
    assert deliveries.duplicates <= kills * REPEATS_PER_KILL
    # The owner's live progress message, edited by each process in turn, ends "finished".
    finished = tr("📣 <b>Broadcast #{id}</b>: {status}", RU).format(
        id=broadcast_id, status=tr("finished", RU)
    )
    finished = finished.replace("<b>", "").replace("</b>", "")
    await fake.wait_for(lambda: any(finished in m.text for m in owner.messages), timeout=10)
    crash_log.add(
        f"{len(audience)} subscribers, {kills} kills",
        f"done: 0 missed, {deliveries.duplicates} duplicate(s)"
        f" (bound {kills * REPEATS_PER_KILL}),"
        " progress message finished",
    )
    assert await bot.terminate() == 0
    assert_intact(bot.database)


async def test_sigkill_during_a_broadcast_resumed_at_start_up(
    fake: FakeTelegram, bot: BotProcess, crash_log: CrashLog
) -> None:
    rng = seeded(4)
    kills = 3
    audience = subscribers(52_000, 180)
    add_to_fake(fake, audience)
    await prepare_database(bot.database, audience)
    # Queued on the database file before the bot runs: the bot resumes it at start-up.
    broadcast_id = await start_broadcast(bot.database, BroadcastContent(TEXT_KK, TEXT_RU))
    deliveries = Deliveries(fake, list(audience), MARKER)
    await bot.start()

    resent = await kill_during_delivery(bot, deliveries, broadcast_id, kills, rng, crash_log)
    await finish(bot, deliveries, broadcast_id)
    assert deliveries.misses == 0
    assert deliveries.duplicates <= resent <= kills * BATCH
    # Outcomes are written within 50 ms of their answer: at most 3 repeats per kill.
    assert deliveries.duplicates <= kills * REPEATS_PER_KILL
    crash_log.add(
        f"{len(audience)} subscribers, {kills} kills",
        f"done: 0 missed, {deliveries.duplicates} duplicate(s) (bound {kills * REPEATS_PER_KILL})",
    )
    assert await bot.terminate() == 0
    assert_intact(bot.database)


async def test_sigterm_during_a_broadcast_exits_0_and_resumes(
    fake: FakeTelegram, bot: BotProcess, crash_log: CrashLog
) -> None:
    rng = seeded(5)
    audience = subscribers(53_000, 90)
    add_to_fake(fake, audience)
    await prepare_database(bot.database, audience)
    broadcast_id = await start_broadcast(bot.database, BroadcastContent(TEXT_KK, TEXT_RU))
    deliveries = Deliveries(fake, list(audience), MARKER)
    await bot.start()

    threshold = rng.randrange(10, len(audience) - 2 * BATCH)
    await fake.wait_for(deliveries.until(threshold), timeout=FINISH_TIMEOUT)
    await asyncio.sleep(rng.uniform(0.0, 0.5))
    assert await bot.terminate() == 0
    assert_intact(bot.database)
    # The batch in flight was finished and recorded before the exit: nothing to send twice.
    assert claimed(bot, broadcast_id) == 0
    name, _, sent, _, _ = status(bot, broadcast_id)
    assert name == "running" and sent == deliveries.delivered < len(audience), (
        sent,
        deliveries.copies,
        deliveries.duplicates,
        bot.log_tail(80),
    )
    where = f"SIGTERM after {deliveries.delivered}/{len(audience)} delivered"

    await bot.start()
    await finish(bot, deliveries, broadcast_id)
    assert deliveries.misses == 0
    assert deliveries.duplicates == 0
    crash_log.add(where, "exit 0, integrity ok, 0 in flight; resumed: 0 missed, 0 duplicates")
    assert await bot.terminate() == 0
    assert_intact(bot.database)
