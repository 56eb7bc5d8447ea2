"""The real bot, long polling the fake Bot API, while Telegram misbehaves at random: 429 with
retry_after, 5xx, dropped connections and slow answers, on getUpdates and on the methods
the bot answers people with (sendMessage, editMessageText, answerCallbackQuery).

Three people onboard, one takes a quiz, two send three tips, the owner opens the queue. The
bot handles one update at a time (`as_tasks=False`), so each action is finished when the
fake sees the next getUpdates confirm it.

What must hold: polling recovers by itself after every getUpdates fault; no update is
delivered or handled twice, and none changes data twice (one tip row per tip, one answer
row per poll answer); no update is lost (every action got its effect in the end). The bot
does not retry an interactive reply that failed: it logs the update as failed and
apologises, and the person presses again, as a person would; that is counted, not
demanded away. Figures go to test-artifacts/faults.json; QORGAN_FAULTS_SEED picks another
random plan.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from fake_telegram import FakeTelegram, FakeUser

from bot.app import Application
from bot.domain import Language, TipCategory
from bot.i18n import locale_of
from bot.services.content import Library
from bot.services.drafts import Sent, TipDraft
from bot.services.links import normalise
from tests.e2e.conftest import (
    MODERATOR_CHAT_ID,
    OWNER_ID,
    RunningBot,
    count_rows,
    make_settings,
)
from tests.faults.chaos import Chaos, Person, Step, Tally

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
PARENT = locale_of(RU, formal=True)  # what a parent reads: the formal register
SEED = int(os.environ.get("QORGAN_FAULTS_SEED", "8"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
# What a failed Telegram call may raise into the bot's last-resort handler.
TELEGRAM_FAULTS = (TelegramRetryAfter, TelegramServerError, TelegramNetworkError)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def onboarding(person: Person, tr: Tr, language: Language, role: str) -> list[Step]:
    flag = "🇰🇿 Қазақша" if language is KK else "🇷🇺 Русский"
    reads = locale_of(language, formal=role == "👪 Parent")  # a parent is addressed formally
    role_label, skip, no = tr(role, language), tr("Skip", reads), tr("No, thanks", reads)

    def sees(label: str) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return person.sees_button(label)

        return check

    return [
        Step("/start", lambda: person.send("/start"), sees(flag)),
        Step("language", lambda: person.press(flag), sees(role_label)),
        Step("role", lambda: person.press(role_label), sees(skip)),
        Step("region", lambda: person.press(skip), sees(no)),
        Step("messages", lambda: person.press(no), sees(tr("🧩 Quiz", reads))),
    ]


def poll_ids(user: FakeUser) -> set[str]:
    """The polls the bot sent to the user."""
    return {str(m.data["poll"]["id"]) for m in user.messages if m.kind == "poll"}


async def test_polling_and_replies_ride_out_telegram_faults(
    fake: FakeTelegram, tmp_path: Path, tr: Tr, library: Library
) -> None:
    started = time.monotonic()
    records = Records()
    for name in ("bot", "aiogram"):
        logging.getLogger(name).addHandler(records)
    fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators")
    running = RunningBot(Application(make_settings(fake, tmp_path)), as_tasks=False)
    chaos = Chaos(fake, random.Random(SEED))
    tally = Tally()
    parent = Person(fake.user(user_id=1002, language_code="ru"), chaos, tally)
    teen = Person(fake.user(user_id=1001, language_code="kk"), chaos, tally)
    reporter = Person(fake.user(user_id=1003, language_code="ru"), chaos, tally)
    owner = Person(fake.user(user_id=OWNER_ID, language_code="ru"), chaos, tally)
    tips: list[tuple[Person, Language, str, str]] = [
        (teen, KK, "https://t.me/Shop_One", "Мектеп жанында жарнама 1"),
        (reporter, RU, "@shop_two", "Реклама у школы 2"),
        (reporter, RU, "t.me/shop_three/15", "Реклама в подъезде 3"),
    ]
    quiz = library.quiz("parent_signs")
    assert quiz is not None
    votes = 0
    score_seen_in_list = 0
    await running.start(fake)
    try:
        # -- onboarding ------------------------------------------------------------------
        await parent.flow(onboarding(parent, tr, RU, "👪 Parent"))
        await teen.flow(onboarding(teen, tr, KK, "🧑 Teenager"))
        await reporter.flow(onboarding(reporter, tr, RU, "👪 Parent"))
        for person in (parent, teen, reporter):
            profile = await running.app.services.users.get(person.user.user_id)
            assert profile is not None and profile.onboarded, profile

        # -- a quiz ----------------------------------------------------------------------
        title = f"{quiz.emoji} {quiz.title.ru}"
        polls_before = poll_ids(parent.user)

        async def new_poll() -> bool:
            return bool(poll_ids(parent.user) - polls_before)

        async def sees_title() -> bool:
            return parent.sees_button(title)

        async def sees_quiz() -> bool:
            return parent.sees_button(tr("🧩 Quiz", PARENT))

        await parent.flow(
            [
                Step("/menu", lambda: parent.send("/menu"), sees_quiz),
                Step("quizzes", lambda: parent.press(tr("🧩 Quiz", PARENT)), sees_title),
                Step("start", lambda: parent.press(title), new_poll),
            ]
        )
        answers = "SELECT COUNT(*) FROM quiz_answers"
        for index, question in enumerate(quiz.questions):
            expected = index + 1

            async def counted(expected: int = expected) -> bool:
                last = expected == len(quiz.questions)
                waiting = last or len(poll_ids(parent.user) - polls_before) > expected
                return await count_rows(running, answers) == expected and waiting

            async def vote(option: int = question.correct) -> None:
                await parent.vote(option)

            await parent.flow([Step(f"answer {expected}", vote, counted)])
            votes += 1
        result_line = tr("best {best}/{total}, last {latest}/{total}", PARENT).format(
            best=len(quiz.questions), latest=len(quiz.questions), total=len(quiz.questions)
        )
        if not parent.sees_button(tr("🔁 Try again", PARENT)):
            # The score message was lost to a fault: the quiz list shows the score too.
            score_seen_in_list += 1

            async def sees_score() -> bool:
                return parent.sees_text(result_line)

            await parent.flow(
                [
                    Step("/menu", lambda: parent.send("/menu"), sees_quiz),
                    Step("quizzes", lambda: parent.press(tr("🧩 Quiz", PARENT)), sees_score),
                ]
            )

        # -- tips ------------------------------------------------------------------------
        receipts: list[str] = []
        for person, language, link, description in tips:
            receipts.append(await send_tip(person, tr, language, running, link, description))

        # -- the owner's queue -------------------------------------------------------------
        found = tr("<b>Tips</b>: {count} found", PARENT).format(count=len(tips))
        found = found.replace("<b>", "").replace("</b>", "")

        async def queue_shown() -> bool:
            return owner.sees_text(found)

        await owner.flow([Step("/tips", lambda: owner.send("/tips"), queue_shown)])

        # -- data: nothing twice, nothing missing ------------------------------------------
        stored = [
            await count_rows(running, "SELECT COUNT(*) FROM tips WHERE description = ?", d)
            for _, _, _, d in tips
        ]
        answered = await count_rows(running, answers)
        completed = "SELECT COUNT(*) FROM quiz_attempts WHERE completed"
        duplicated = sum(n - 1 for n in stored if n > 1) + max(0, answered - votes)
        lost = stored.count(0) + max(0, votes - answered) + len(tips) - len(set(receipts))
        assert (duplicated, lost) == (0, 0), (stored, answered, votes, receipts)
        assert await count_rows(running, "SELECT COUNT(*) FROM tips") == len(tips)
        assert votes == len(quiz.questions)
        assert await count_rows(running, completed) == 1
        attempts = await count_rows(running, "SELECT COUNT(*) FROM quiz_attempts")
        chaos.enabled = False
    finally:
        await running.stop()
        for name in ("bot", "aiogram"):
            logging.getLogger(name).removeHandler(records)

    # -- transport: every update delivered once, confirmed, and polling always came back ----
    delivered: Counter[int] = Counter()
    polls = fake.calls_to("getUpdates")
    for call in polls:
        if call.ok:
            delivered.update(update["update_id"] for update in call.result)
    assert delivered and max(delivered.values()) == 1, delivered
    assert fake.updates.pending == []
    # Polling came back after every failed getUpdates: the bot asked again (after aiogram's
    # backoff), and in the end every update was confirmed (pending is empty, above).
    recoveries = []
    for number, call in enumerate(polls):
        if call.dropped or (call.response is not None and not call.ok):
            assert number + 1 < len(polls), "polling never came back after a getUpdates fault"
            recoveries.append(polls[number + 1].at - call.at)

    # -- what the bot logged: failed replies and failed polls, nothing else ---------------
    failed_updates = posts_failed = polls_failed = 0
    unexpected = []
    for record in records.records:
        exc = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        if record.name == "bot.polling" and message.startswith("Failed to fetch updates"):
            polls_failed += 1
        elif message.startswith("Update ") and isinstance(exc, TELEGRAM_FAULTS):
            failed_updates += 1
        elif message.startswith("Could not post tip") and isinstance(exc, TELEGRAM_FAULTS):
            posts_failed += 1
        else:
            unexpected.append(f"{record.name}: {message}: {exc!r}")
    assert unexpected == []
    assert fake.violations == []

    failures_planned = sum(n for k, n in chaos.planned.items() if not k.endswith("slow"))
    failures_met = sum(n for k, n in chaos.met.items() if not k.endswith("slow"))
    report = {
        "command": "python -m pytest -p no:cacheprovider tests/faults",
        "seed": SEED,
        "seconds": round(time.monotonic() - started, 1),
        "faults_injected": chaos.total,
        "faults_survived": chaos.total,
        "faults_by_kind": dict(sorted(chaos.met.items())),
        # A planned 429/5xx/drop waits for the next call of its method; if the step made
        # none, it is lifted unmet (a slow answer counts once per delayed call instead).
        "failures_planned_but_not_met": failures_planned - failures_met,
        "updates": sum(delivered.values()),
        "updates_delivered_twice": sum(1 for n in delivered.values() if n > 1),
        "updates_lost": len(fake.updates.pending),
        "duplicated_state_changes": duplicated,
        "lost_state_changes": lost,
        "getUpdates_failures": polls_failed,
        "polling_recovery_seconds": {
            "count": len(recoveries),
            "max": round(max(recoveries, default=0.0), 2),
            "mean": round(sum(recoveries) / len(recoveries), 2) if recoveries else 0.0,
        },
        "replies_failed_not_retried_by_the_bot": failed_updates,
        "tip_cards_not_posted_but_in_the_queue": posts_failed,
        "presses_again": tally.presses_again,
        "flows_started_over": tally.restarts,
        "quiz_attempts_started": attempts,
        "quiz_score_seen_in_the_list_instead": score_seen_in_list,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "faults.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    assert chaos.total >= 20, report  # the plan really hit the bot


async def send_tip(
    person: Person, tr: Tr, language: Language, running: RunningBot, link: str, description: str
) -> str:
    """A person reports a channel; returns the receipt they got."""
    chat_id = person.user.chat_id
    category = tr("📢 Telegram channel, bot or chat", language)
    skip, send = tr("Skip ➡️", language), tr("✅ Send", language)
    receipts_before = {c for m in person.user.messages for c in RECEIPT.findall(m.text)}

    def draft_has(check: Callable[[TipDraft], bool]) -> Callable[[], Awaitable[bool]]:
        async def done() -> bool:
            draft = await running.app.drafts.draft(chat_id)
            return draft is not None and check(draft)

        return done

    async def sees_category() -> bool:
        return person.sees_button(category)

    async def sees_send() -> bool:
        return person.sees_button(send)

    def new_receipts() -> set[str]:
        seen = {c for m in person.user.messages for c in RECEIPT.findall(m.text)}
        return seen - receipts_before

    async def got_receipt() -> bool:
        return bool(new_receipts())

    await person.flow(
        [
            Step("/report", lambda: person.send("/report"), sees_category),
            Step(
                "category",
                lambda: person.press(category),
                draft_has(lambda d: d.category is TipCategory.CHANNEL),
            ),
            Step(
                "link",
                lambda: person.send(link),
                draft_has(lambda d: d.links == [normalise(link)]),
            ),
            Step(
                "description",
                lambda: person.send(description),
                draft_has(lambda d: d.description == description),
            ),
            Step("no photos", lambda: person.press(skip), sees_send),
            Step("send", lambda: person.press(send), got_receipt),
        ]
    )
    (code,) = new_receipts()
    return code


@dataclass
class Reviewing:
    user: FakeUser
    running: RunningBot


@pytest.fixture
async def reviewing(fake: FakeTelegram, tmp_path: Path, tr: Tr) -> AsyncIterator[Reviewing]:
    """A reporter at the review screen of a channel report, one update at a time."""
    fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators")
    running = RunningBot(Application(make_settings(fake, tmp_path)), as_tasks=False)
    await running.start(fake)
    try:
        user = fake.user(user_id=1003, language_code="ru")
        await user.send("/report")
        await user.click(tr("📢 Telegram channel, bot or chat", RU))
        await user.send("@shop_x")
        await user.send("Реклама у школы")
        await user.click(tr("Skip ➡️", RU))
        yield Reviewing(user, running)
    finally:
        await running.stop()


async def test_a_failed_receipt_edit_is_retried(
    fake: FakeTelegram, reviewing: Reviewing, tr: Tr
) -> None:
    fake.fail_next("editMessageText", 502, description="Bad Gateway")
    reply = await reviewing.user.click(tr("✅ Send", RU))  # stored; the first edit fails
    assert RECEIPT.search(reply.text), reply.text
    assert await count_rows(reviewing.running, "SELECT COUNT(*) FROM tips") == 1


async def assert_nothing_held(running: RunningBot, chat_id: int) -> None:
    """No receipt and nothing of the report is left in the chat's draft."""
    phase = await running.app.drafts.get(chat_id)
    assert phase is None or isinstance(phase, Sent)


async def test_a_receipt_telegram_would_not_take_is_shown_on_the_next_press(
    fake: FakeTelegram, reviewing: Reviewing, tr: Tr
) -> None:
    user = reviewing.user
    fake.fail_next("editMessageText", 502, description="Bad Gateway", times=3)
    reply = await user.click(tr("✅ Send", RU))  # stored; every attempt to show it fails
    assert reply.callback_answer is not None and reply.callback_answer.show_alert
    assert reply.callback_answer.text == tr(
        "Your report is saved, but Telegram did not let me show its receipt code. "
        "Press ✅ Send again in a moment to see it.",
        RU,
    )
    assert not any(RECEIPT.search(m.text) for m in user.messages)
    reply = await user.click(tr("✅ Send", RU))  # as told: the receipt, not a second tip
    assert RECEIPT.search(reply.text), reply.text
    assert await count_rows(reviewing.running, "SELECT COUNT(*) FROM tips") == 1
    # Seen: it is gone from memory; only the fact that a report was sent stays, for old buttons.
    await assert_nothing_held(reviewing.running, user.chat_id)


@pytest.mark.parametrize("action", ["cancel button", "/cancel", "/report"])
async def test_a_held_receipt_is_shown_before_the_draft_could_be_dropped(
    fake: FakeTelegram, reviewing: Reviewing, tr: Tr, action: str
) -> None:
    user = reviewing.user
    fake.fail_next("editMessageText", 502, description="Bad Gateway", times=3)
    await user.click(tr("✅ Send", RU))  # stored; the receipt is held
    if action == "cancel button":
        reply = await user.click(tr("❌ Cancel the report", RU))
    else:
        reply = await user.send(action)
    # The receipt; not "nothing was saved", nor a fresh form that would drop the receipt.
    # (The form's own messages are then deleted from the chat: those actions are not replies.)
    texts = [m.text for m in reply if m.kind != "delete"]
    assert [bool(RECEIPT.search(text)) for text in texts if text] == [True], texts
    await assert_nothing_held(reviewing.running, user.chat_id)
    assert await count_rows(reviewing.running, "SELECT COUNT(*) FROM tips") == 1
