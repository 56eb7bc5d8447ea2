"""What the fuzzer found, replayed step by step: each was a bug (an exception reaching the
bot's last-resort handler: an ERROR in the log and an apology to the user) and is fixed now.
These tests keep it fixed, and state the behaviour we want instead."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery import send_content
from bot.domain import BroadcastContent, ButtonKind, Language, TipCategory
from bot.keyboards.callbacks import (
    AdminAction,
    AdminOpen,
    ComposeAction,
    ComposeButton,
    OpenScreen,
    ReportAction,
    ReportButton,
    ReportCategory,
    ReportRegion,
    Screen,
    StaffRemove,
    TopicCard,
)
from bot.middlewares.fresh import from_broadcast
from tests.engines import fetch_one
from tests.fuzz.harness import BotHarness
from tests.fuzz.known_bugs import KNOWN_BUGS, KnownBug, known_bug

BEYOND_64_BITS = 2**64


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BotHarness]:
    with BotHarness(tmp_path) as running:
        yield running


def no_problems(harness: BotHarness) -> None:
    problems = harness.problems()
    assert not problems, "\n".join(problems)


def texts_in(harness: BotHarness, chat_id: int) -> list[str]:
    return [a.text for a in harness.fake.actions if a.chat_id == chat_id]


def test_button_of_a_deleted_message_gets_its_screen_anew(harness: BotHarness) -> None:
    """Was: 'message to edit not found' (the user deleted the chat while the press was on
    its way)."""
    teen = harness.actor("teen").user

    async def scenario() -> None:
        await harness.send(teen, "/menu")
        menu = harness.chat_of(teen.chat_id).visible()[-1]
        menu.deleted = True
        data = OpenScreen(screen=Screen.HELP).pack()
        await harness.feed("callback_query", harness.callback(teen, menu.data, data))

    harness.run(scenario())
    no_problems(harness)
    assert any("112" in text for text in texts_in(harness, teen.chat_id))


def test_button_under_a_photo_broadcast_opens_its_screen(harness: BotHarness) -> None:
    """Was: 'there is no text in the message to edit' (a broadcast with a photo carries its
    button under the photo)."""
    teen = harness.actor("teen").user
    library = harness.app.library
    topic = library.topic("saying_no")
    assert topic is not None

    async def scenario() -> None:
        photo = harness.fake.store.add_photo(b"\xff\xd8\xff\xd9", 640, 480)[-1]["file_id"]
        content = BroadcastContent(
            text_kk="Ертең — білім күні",
            text_ru=None,
            photo_file_id=photo,
            button_kind=ButtonKind.TOPIC,
            button_target=topic.id,
        )
        # What the broadcaster's TelegramSender does for each recipient.
        with harness.app.i18n.use_locale(Language.KK.value):
            await send_content(harness.app.bot, teen.chat_id, Language.KK, content, library)
        await harness.press(teen, from_broadcast(TopicCard(topic=topic.id, card=0).pack()))

    harness.run(scenario())
    no_problems(harness)
    first_line = topic.cards[0].text.kk.splitlines()[0]
    assert any(first_line in text for text in texts_in(harness, teen.chat_id))


def test_removing_a_staff_member_answers_the_button_once(harness: BotHarness) -> None:
    """Was: the press answered twice ('query is too old' for the second answer)."""
    owner = harness.actor("owner").user

    async def scenario() -> None:
        await harness.send(owner, "/admin")
        await harness.press(owner, AdminOpen(action=AdminAction.TEAM).pack())
        await harness.press(owner, StaffRemove(user=1007).pack())

    harness.run(scenario())
    no_problems(harness)
    assert harness.run(harness.app.services.roles.member(1007)) is None
    answers = [c for c in harness.fake.calls_to("answerCallbackQuery") if c.ok]
    assert len(answers) == len(harness.fake.store.callback_queries)


def test_stale_broadcast_button_outside_the_composer(harness: BotHarness) -> None:
    """Was: KeyError 'roles' (a composer button pressed after leaving the composer for the
    report form)."""
    moderator = harness.actor("moderator").user

    async def scenario() -> None:
        await harness.send(moderator, "/broadcast")
        await harness.press(moderator, ComposeButton(action=ComposeAction.SKIP).pack())
        await harness.send(moderator, "Завтра — день знаний")
        await harness.press(moderator, ComposeButton(action=ComposeAction.SKIP).pack())
        await harness.send(moderator, "/cancel")
        await harness.send(moderator, "/report")
        await harness.press(moderator, ComposeButton(action=ComposeAction.NO_BUTTON).pack())

    harness.run(scenario())
    no_problems(harness)


def test_stale_report_buttons_of_an_earlier_draft(harness: BotHarness) -> None:
    """Was: AssertionError (the region and Edit buttons of an earlier form, pressed after a
    new /report whose draft has no category yet)."""
    parent = harness.actor("parent").user

    async def scenario() -> None:
        await harness.send(parent, "/report")
        # A stash asks for the place's region: that keyboard stays behind, unanswered.
        await harness.press(parent, ReportCategory(category=TipCategory.STASH).pack())
        await harness.send(parent, "/report")
        await harness.press(parent, ReportCategory(category=TipCategory.CHANNEL).pack())
        await harness.send(parent, "@shop_x")
        await harness.send(parent, "Реклама у школы")
        await harness.press(parent, ReportButton(action=ReportAction.SKIP).pack())  # review
        await harness.send(parent, "/report")  # starts over: a new draft, no category yet
        await harness.press(parent, ReportRegion(code="astana").pack())
        await harness.press(parent, ReportButton(action=ReportAction.EDIT).pack())

    harness.run(scenario())
    no_problems(harness)


@pytest.mark.parametrize(
    "text",
    [
        f"mo1:{BEYOND_64_BITS}",  # open a tip
        f"mq1::::-{BEYOND_64_BITS}",  # a page of the queue
        f"bo1:{BEYOND_64_BITS}",  # open a broadcast
        f"sr1:{BEYOND_64_BITS}",  # remove a staff member
        f"/addstaff {BEYOND_64_BITS} moderator",
        "/addstaff ² moderator",  # str.isdigit() says yes, int() says no
        "/export 2026-01-01 9999-12-31",  # the day after the end date does not exist
    ],
    ids=["tip", "queue-page", "broadcast", "staff", "addstaff-id", "addstaff-digits", "export"],
)
def test_out_of_range_numbers_and_dates_are_refused(harness: BotHarness, text: str) -> None:
    """Was: OverflowError or ValueError (numbers SQLite or int() refuse, a date past the
    calendar)."""
    owner = harness.actor("owner").user

    async def scenario() -> None:
        if text.startswith("/"):
            await harness.send(owner, text)
            return
        await harness.send(owner, "/tips")
        message = harness.last_bot_message(owner.chat_id)
        assert message is not None
        await harness.feed("callback_query", harness.callback(owner, message, text))

    harness.run(scenario())
    no_problems(harness)


# Found by the fuzzer and fixed: the Start button of an earlier preview, pressed during a new
# /broadcast, raised EmptyBroadcastError or sent the new draft unreviewed.


def test_a_stale_start_button_with_nothing_typed_is_refused(harness: BotHarness) -> None:
    """Found by the fuzzer: EmptyBroadcastError into the last-resort handler."""
    harness.run(press_a_stale_start_button(harness, draft=None))
    started = harness.run(count_broadcasts(harness))
    no_problems(harness)
    assert started == 0


def test_a_stale_start_button_never_sends_an_unreviewed_draft(harness: BotHarness) -> None:
    """The same button once a text is typed: no error, which makes it worse."""
    harness.run(press_a_stale_start_button(harness, draft="Черновик, не проверен"))
    started = harness.run(count_broadcasts(harness))
    no_problems(harness)
    assert started == 0, "a broadcast nobody previewed was started"


async def press_a_stale_start_button(harness: BotHarness, draft: str | None = None) -> None:
    owner = harness.actor("owner").user
    await harness.send(owner, "/broadcast")
    await harness.send(owner, "Ертең білім күні")
    await harness.send(owner, "Завтра день знаний")
    await harness.press(owner, ComposeButton(action=ComposeAction.SKIP).pack())  # no photo
    await harness.press(owner, ComposeButton(action=ComposeAction.NO_BUTTON).pack())
    await harness.press(owner, ComposeButton(action=ComposeAction.AUDIENCE_DONE).pack())
    # The preview with its Start button is on screen; the owner starts over instead.
    await harness.send(owner, "/broadcast")
    if draft is not None:
        await harness.send(owner, draft)
    await harness.press(owner, ComposeButton(action=ComposeAction.START).pack())


async def count_broadcasts(harness: BotHarness) -> int:
    return int(await fetch_one(harness.app.db, "SELECT COUNT(*) FROM broadcasts"))


# The step-by-step replay of each bug in KNOWN_BUGS, by name.
KNOWN_BUG_SCENARIOS: dict[str, Callable[[BotHarness], Coroutine[Any, Any, None]]] = {}


def test_the_fuzz_test_tells_each_known_bug_by_its_signature(tmp_path: Path) -> None:
    """Each KNOWN_BUGS entry has a replay and an xfail test here, its replay still
    reproduces it, and the fuzz harness counts it as that bug and nothing else."""
    assert set(KNOWN_BUG_SCENARIOS) == {bug.name for bug in KNOWN_BUGS}
    assert {bug.test for bug in KNOWN_BUGS} <= set(globals())
    with BotHarness(tmp_path, tolerate_known=True) as harness:
        for name, scenario in KNOWN_BUG_SCENARIOS.items():
            harness.run(scenario(harness))
            assert harness.errors.known[name] >= 1, (
                f"known bug {name!r} no longer reproduces: if it is fixed, remove it from "
                "KNOWN_BUGS and the xfail marker of its test"
            )
        no_problems(harness)


def test_a_known_bug_is_told_by_its_exception_and_where_it_was_raised() -> None:
    """The fuzz test's tolerance for bugs listed in KNOWN_BUGS (none open now) is narrow."""

    def store_a_huge_id() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    bug = KnownBug(
        "example",
        OverflowError,
        "too large",
        "tests/fuzz/test_fuzz_findings.py:store_a_huge_id",
        "test_a_known_bug_is_told_by_its_exception_and_where_it_was_raised",
    )
    with pytest.raises(OverflowError) as raised:
        store_a_huge_id()
    assert bug.matches(raised.value)
    assert not bug.matches(OverflowError("too large"))  # raised elsewhere (nowhere)
    assert not bug.matches(ValueError("too large"))
    assert known_bug(raised.value) is None  # not a bug KNOWN_BUGS lists
