"""SIGKILL during an anonymous report: before Send nothing is stored (the draft lives in memory
by design), after Send every receipt code a reporter saw finds its tip with /status after the
restart, no tip is stored twice, and the database is intact."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from fake_telegram.activity import Wait

from bot.domain import Language
from bot.services.receipts import hash_code
from tests.crash.conftest import (
    MODERATOR_CHAT_ID,
    BotProcess,
    CrashLog,
    assert_intact,
    query,
    seeded,
    tr,
)

KK, RU = Language.KK, Language.RU
KILLS = 4
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CHANNEL = "📢 Telegram channel, bot or chat"
SEND_STEP = 5
WAIT_IN_FLIGHT = 90.0


def form(language: Language, link: str) -> list[tuple[str, str]]:
    """The shortest report: a channel, its link, a description, no photos, Send."""
    return [
        ("send", "/report"),
        ("click", tr(CHANNEL, language)),
        ("send", f"https://t.me/{link}"),
        ("send", f"Someone sells near school ({link})"),
        ("click", tr("Skip ➡️", language)),
        ("click", tr("✅ Send", language)),
    ]


async def act(user: FakeUser, step: tuple[str, str], wait: Wait) -> None:
    kind, value = step
    if kind == "send":
        await user.send(value, **wait)
    else:
        await user.click(value, **wait)


def codes_seen(fake: FakeTelegram, user: FakeUser) -> list[str]:
    """Receipt codes the bot ever showed the user (edits included)."""
    found = (
        code
        for action in fake.actions_since(0, user.chat_id)
        for code in RECEIPT.findall(action.text)
    )
    return list(dict.fromkeys(found))


def stored(database: Path | str, code: str) -> bool:
    return bool(query(database, "SELECT 1 FROM tips WHERE receipt_hash = ?", (hash_code(code),)))


async def test_sigkill_during_a_tip_before_and_after_send(
    fake: FakeTelegram, bot: BotProcess, moderators_chat: FakeGroup, crash_log: CrashLog
) -> None:
    rng = seeded(2)
    acknowledged: dict[str, tuple[FakeUser, Language]] = {}
    sends_pressed = 0
    # Where the Send crash lands: a random moment, or exactly while the fake holds the
    # receipt (the tip is committed, the reporter has not seen the code), or the moderators'
    # card (the reporter saw the code). Each held request is answered only after the kill.
    modes = ["random", "receipt held", "card held", "random"]
    rng.shuffle(modes)
    assert len(modes) == KILLS

    def tips_stored() -> int:
        return int(query(bot.database, "SELECT COUNT(*) FROM tips")[0][0])

    async def report_to_the_end(user: FakeUser, language: Language, link: str) -> None:
        for step in form(language, link):
            await act(user, step, {"timeout": 20, "expect_reply": True})
        (code,) = codes_seen(fake, user)[-1:]
        acknowledged[code] = (user, language)

    def held(method: str, chat_id: int, mark: int) -> Callable[[], bool]:
        """Whether the fake holds a call of `method` to `chat_id` made since `mark`."""
        return lambda: any(
            c.method == method and c.chat_id == chat_id and c.response is None
            for c in fake.calls[mark:]
        )

    await bot.start()
    for kill, mode in enumerate(modes, start=1):
        language = KK if kill % 2 else RU
        filling = fake.user(user_id=41_000 + kill, language_code=language.value)
        sending = fake.user(user_id=42_000 + kill, language_code=language.value)
        filling_form = form(language, f"crash_fill_{kill}")
        sending_form = form(language, f"crash_send_{kill}")
        done_steps = rng.randint(0, SEND_STEP - 1)
        wait: Wait = {"timeout": 20, "expect_reply": True}
        for step in filling_form[:done_steps]:
            await act(filling, step, wait)
        for step in sending_form[:SEND_STEP]:
            await act(sending, step, wait)
        tips_before = tips_stored()

        # The sender presses Send and the filler answers one more question, if they draw it;
        # the process dies a moment later.
        mark = len(fake.calls)
        held_method = {"receipt held": "editMessageText", "card held": "sendMessage"}.get(mode)
        if held_method is not None:
            fake.delay(held_method, WAIT_IN_FLIGHT)
        in_flight = [
            asyncio.create_task(act(sending, sending_form[SEND_STEP], {"timeout": WAIT_IN_FLIGHT}))
        ]
        sends_pressed += 1
        filler_pressing = rng.random() < 0.5
        if filler_pressing:
            step = filling_form[done_steps]
            in_flight.append(asyncio.create_task(act(filling, step, {"timeout": WAIT_IN_FLIGHT})))
        if mode == "receipt held":
            await fake.wait_for(held("editMessageText", sending.chat_id, mark))
            where = "while the receipt is on its way"
        elif mode == "card held":
            await fake.wait_for(held("sendMessage", MODERATOR_CHAT_ID, mark))
            where = "while the moderators' card is on its way"
        else:
            low, high = rng.choice([(0.0, 0.01), (0.01, 0.04), (0.04, 0.1)])
            delay = rng.uniform(low, high)
            await asyncio.sleep(delay)
            where = f"{delay * 1000:.0f} ms after Send"
        await bot.kill()
        if held_method is not None:
            fake.delay(held_method, 0)

        assert_intact(bot.database)
        # The unsent draft lived in memory only: not in the database, nor its write-ahead log.
        assert isinstance(bot.database, Path)  # this test runs on SQLite (its file is read)
        for path in (bot.database, bot.database.with_name(bot.database.name + "-wal")):
            if path.exists():
                assert f"crash_fill_{kill}".encode() not in path.read_bytes()
        seen = codes_seen(fake, sending)
        assert not codes_seen(fake, filling)  # never pressed Send
        assert len(seen) <= 1
        for code in seen:
            assert stored(bot.database, code), f"receipt {code} was shown but its tip is gone"
            acknowledged[code] = (sending, language)
        added = tips_stored() - tips_before
        assert added <= 1  # only the sender pressed Send, once
        assert len(acknowledged) <= tips_stored() <= sends_pressed
        if mode == "receipt held":
            assert added == 1 and not seen
        if mode == "card held":
            assert added == 1 and seen
        card = any(f"crash_send_{kill}" in m.text for m in moderators_chat.messages)
        if seen:
            outcome = "receipt shown, tip kept, " + ("card posted" if card else "card not posted")
        elif added:
            outcome = "tip stored, receipt never shown"
        else:
            outcome = "nothing stored (Send not handled)"

        await bot.start()
        await asyncio.gather(*in_flight)
        # Whoever holds no receipt reports again (the draft did not survive, by design).
        if not seen:
            sends_pressed += 1
            await report_to_the_end(sending, language, f"crash_send_{kill}_again")
        sends_pressed += 1
        await report_to_the_end(filling, language, f"crash_fill_{kill}_again")
        pressing = ", pressing the next" if filler_pressing else ""
        crash_log.add(
            f"kill {kill} {where} (another user in the form after step {done_steps}{pressing})",
            f"integrity ok; {outcome}; /status finds every receipt shown",
        )

    # Every receipt a reporter saw, before or after a kill, finds its tip.
    for code, (user, language) in acknowledged.items():
        reply = await user.send(f"/status {code}", timeout=20, expect_reply=True)
        assert tr("received, waiting for a moderator", language) in reply.text, (code, reply)
    assert len(acknowledged) <= tips_stored() <= sends_pressed
    assert await bot.terminate() == 0
    assert_intact(bot.database)
