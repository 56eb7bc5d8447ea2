"""Thousands of random hostile updates through the real dispatcher (property-based).

Each hypothesis example is a batch of 10-40 actions by a cast of users (the owner, a
moderator, a volunteer, onboarded users and newcomers) in private chats, the moderators'
chat, groups and a channel: hostile texts, commands, every kind of message, edits, button
presses with real, forged, well-formed or garbage data on live, deleted or inaccessible
messages, poll answers, blocks and unblocks, service messages and updates the bot never
asked for. The bot runs all along, so state builds up across examples as in production.

Properties, after every batch: no exception escapes `feed_update`; no ERROR is logged (the
bot's last-resort handler logs "Update %s failed"), apart from the known bugs of
known_bugs.py, counted in the figures; every request the bot made is valid per the Bot API
spec; Telegram never failed to parse a text the bot sent (unescaped user text in HTML).
Afterwards the bot still answers /start. Figures go to test-artifacts/fuzz-N.json.

The batches are shared by PARTS tests, each with a bot of its own and a seed of its own, so
that test workers run them side by side rather than one worker running all of them in turn.
QORGAN_FUZZ_EXAMPLES sets the number of batches in all (default 400); QORGAN_FUZZ_SEED an
integer seed, or "random" for new ones each run (default: a fixed seed, so figures reproduce).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fake_telegram.objects import member_json, now
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.fuzz.actions import Player
from tests.fuzz.harness import ARTIFACTS, BotHarness
from tests.fuzz.known_bugs import KNOWN_BUGS
from tests.fuzz.strategies import Action, actions

EXAMPLES = int(os.environ.get("QORGAN_FUZZ_EXAMPLES", "400"))
SEED = os.environ.get("QORGAN_FUZZ_SEED", "20260626")
PARTS = 4
MIN_UPDATES = 2_000 if EXAMPLES >= 300 else 0  # "thousands", with the default settings


F = TypeVar("F", bound=Callable[..., Any])


def seeded(part: int) -> Callable[[F], F]:
    def decorate(test: F) -> F:
        return test if SEED == "random" else seed(int(SEED) + part)(test)

    return decorate


@pytest.mark.parametrize("part", range(PARTS))
def test_random_updates_never_break_the_bot(tmp_path: Path, part: int) -> None:
    started = time.monotonic()
    # Updates are fed far faster than people send them: the flood gate sees them 20 ms
    # apart (a focused batch still floods it now and then, which is tested too).
    with BotHarness(tmp_path, tolerate_known=True, seconds_per_update=0.02) as harness:
        player = Player(harness)

        @seeded(part)
        @settings(
            max_examples=EXAMPLES // PARTS,
            deadline=None,
            database=None,  # no .hypothesis directory; the seed makes runs reproducible
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(st.integers(0, 7), st.lists(actions(), min_size=10, max_size=40))
        def batch(focus: int, batch: list[Action]) -> None:
            player.focus = focus
            harness.fed.clear()
            since = harness.mark()
            harness.figures.batches += 1

            async def play() -> None:
                for action in batch:
                    await player.play(action)

            harness.run(play())
            problems = harness.problems(since)
            assert not problems, "\n".join(problems)

        batch()
        fuzzed = harness.figures.updates
        since = harness.mark()
        harness.run(still_answers_start(harness))
        problems = harness.problems(since)
        assert not problems, "\n".join(problems)
        figures = harness.figures
        report = {
            "command": "python -m pytest -p no:cacheprovider tests/fuzz/test_hostile_updates.py",
            "seed": SEED if SEED == "random" else int(SEED) + part,
            "batches": figures.batches,
            "updates": fuzzed,
            "seconds": round(time.monotonic() - started, 1),
            "unhandled_exceptions": figures.unhandled + len(harness.errors.records),
            "bot_api_violations": len(harness.fake.violations),
            # ERRORs tolerated: known bugs (known_bugs.py) and documented degradations.
            "tolerated_error_logs": dict(harness.errors.known),
            "known_bugs_open": [bug.name for bug in KNOWN_BUGS],
            # How deep random updates got: rows they left in the database.
            "rows_written": harness.run(rows_written(harness)),
            "update_kinds": dict(figures.kinds.most_common()),
            "requests": len(harness.fake.calls),
            "error_answers": dict(harness.error_answers().most_common()),
        }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"fuzz-{part}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    assert fuzzed >= MIN_UPDATES // PARTS, report


async def rows_written(harness: BotHarness) -> dict[str, int]:
    rows = {}
    async with harness.app.db.transaction() as conn:
        for table in (
            "users",
            "tips",
            "tip_notes",
            "quiz_attempts",
            "quiz_answers",
            "topic_votes",
            "broadcasts",
            "audit_log",
            "staff",
        ):
            result = await conn.execute(text(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608
            rows[table] = int(result.scalar_one())
    return rows


async def still_answers_start(harness: BotHarness) -> None:
    """A newcomer gets the greeting; the owner, unblocked again, gets an answer too."""
    newcomer = harness.fake.user(user_id=4_000_001, language_code="ru")
    start = len(harness.fake.actions)
    await harness.send(newcomer, "/start")
    greeting = [a for a in harness.fake.actions[start:] if a.chat_id == newcomer.chat_id]
    assert greeting and greeting[-1].reply_markup is not None, greeting
    assert "l1:kk:1" in json.dumps(greeting[-1].reply_markup), greeting[-1].reply_markup

    owner = harness.actor("owner").user
    chat = harness.chat_of(owner.chat_id)
    if chat.blocked:
        chat.blocked = False
        bot_user = harness.fake.bot.user_json()
        await harness.feed(
            "my_chat_member",
            {
                "chat": chat.json(),
                "from": owner.user,
                "date": now(),
                "old_chat_member": member_json("kicked", bot_user),
                "new_chat_member": member_json("member", bot_user),
            },
        )
    start = len(harness.fake.actions)
    await harness.send(owner, "/start")
    assert any(a.chat_id == owner.chat_id for a in harness.fake.actions[start:])
