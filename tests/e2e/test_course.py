"""The refusal-skills course end to end: opting in from /practice, the check before, a
session's four parts (a choice explained at once, a line typed in one's own words and not
kept, a question), the next session opening days later with a reminder from the broadcast
queue, the one-tap stop under it, old buttons, and the parents' course in Kazakh."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from fake_telegram import FakeTelegram, FakeUser, Reply, UploadedFile

from bot.domain import Language, Role
from bot.keyboards.callbacks import CourseAct, CourseAction, CourseAnswer, CourseChoose
from bot.services.content import Library
from bot.services.content.models import Course
from tests.clock import Clock
from tests.e2e.conftest import RunningBot, count_rows
from tests.e2e.test_onboarding import onboard
from tests.engines import fetch

pytestmark = pytest.mark.shared_state
Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
ALMATY = ZoneInfo("Asia/Almaty")


class NeverRandom(random.Random):
    def random(self) -> float:
        return 1.0


class Calendar:
    """The course's clock, moved by days as the test goes (the rest of the bot runs on
    real time)."""

    def __init__(self, running: RunningBot) -> None:
        self.courses = running.app.services.courses
        self.day = Clock(dt.datetime.now(ALMATY).date())
        self.moment = Clock(dt.datetime.now(ALMATY))
        self.courses.today, self.courses.now = self.day, self.moment

    def go_to(self, days_later: int, hour: int) -> None:
        self.day.now += dt.timedelta(days=days_later)
        self.moment.now = dt.datetime.combine(self.day.now, dt.time(hour), ALMATY)


@pytest.fixture
def calendar(running: RunningBot) -> Calendar:
    running.app.services.practice.rng = NeverRandom()
    return Calendar(running)


def course_for(library: Library, role: Role) -> Course:
    course = library.course_for(role)
    assert course is not None
    return course


def letter(course: Course, number: int) -> str:
    return "ABCDEFGHIJ"[course.sessions[number - 1].question.correct]


async def test_a_teen_takes_a_session_and_comes_back_after_the_reminder(
    fake: FakeTelegram,
    dmitry: FakeUser,
    tr: Tr,
    library: Library,
    running: RunningBot,
    calendar: Calendar,
) -> None:
    await onboard(dmitry, tr, RU, "🧑 Teenager", "Астана", subscribe=False)
    course = course_for(library, Role.TEEN)
    reply = await dmitry.send("/practice")
    entry = f"{course.emoji} {course.title.ru}"
    assert reply.buttons[0] == entry  # the course first, then the situations
    reply = await dmitry.click(entry)
    assert course.intro.ru.splitlines()[0] in reply.text
    reply = await dmitry.click(tr("▶️ Start the course", RU))
    teen = library.instrument("teen")
    assert teen is not None and teen.items[0].question.ru in reply.text  # the check before
    for value in ("4", "3", "1"):
        reply = await dmitry.click(value)
    first = course.sessions[0]
    assert first.situation.ru in reply.text
    assert reply.buttons == [c.text.ru for c in first.choices]
    situation = dmitry.messages[-1]
    reply = await dmitry.click(first.choices[1].text.ru)  # "maybe later"
    explained = next(m for m in dmitry.messages if m.message_id == situation.message_id)
    assert first.choices[1].why.ru in explained.text and "⚠️" in explained.text
    assert explained.buttons == []  # a choice is made once
    assert first.line.ru in reply.text
    typed = "Нет, я таким не занимаюсь"
    reply = await dmitry.send(typed)  # the line in one's own words: answered, never kept
    assert first.question.question.ru in reply.text
    assert reply.buttons == ["A", "B", "C"]
    reply = await dmitry.click(letter(course, 1))
    assert tr("✅ Right.", RU) in reply.text and first.question.explanation.ru in reply.text
    assert tr("⏸ Pause the course", RU) in reply.buttons
    for row in await fetch(running.app.db, "SELECT * FROM course_enrolments"):
        assert typed not in {str(value) for value in row}
    assert await count_rows(running, "SELECT done FROM course_enrolments") == 1

    # Three days later, at the course's hour: a reminder through the broadcast queue.
    calendar.go_to(course.every_days, course.remind_at)
    await calendar.courses.send_reminders()
    reminder_text = course.reminder_text(2, RU)
    await fake.wait_for(lambda: any(reminder_text in m.text for m in dmitry.messages), timeout=10)
    reminder = next(m for m in dmitry.messages if reminder_text in m.text)
    assert [b for row in reminder.buttons for b in row] == [
        tr("▶️ Open the course", RU),
        tr("⛔ Stop the course", RU),
    ]
    reply = await dmitry.click_in(reminder.message_id, tr("▶️ Open the course", RU))
    assert reply.messages, "a button under a broadcast opens a new message"
    assert tr("▶️ Session {number}", RU).format(number=2) in reply.buttons
    reply = await dmitry.click(tr("▶️ Session {number}", RU).format(number=2))
    assert course.sessions[1].situation.ru in reply.text

    # One tap under the reminder stops the course; the session's old buttons say so.
    reply = await dmitry.click_in(reminder.message_id, tr("⛔ Stop the course", RU))
    assert tr("▶️ Start the course", RU) in reply.buttons
    stale = await dmitry.click(course.sessions[1].choices[0].text.ru)
    assert stale.callback_answer is not None and stale.callback_answer.text
    stale = await dmitry.click_in(reminder.message_id, tr("⛔ Stop the course", RU))
    assert stale.callback_answer is not None
    assert stale.callback_answer.text == tr("The course is stopped: no reminders will come.", RU)


async def test_a_parent_follows_the_course_to_its_end_in_kazakh(
    aigerim: FakeUser, tr: Tr, library: Library, running: RunningBot, calendar: Calendar
) -> None:
    await onboard(aigerim, tr, KK, "👪 Parent", None, subscribe=False)
    course = course_for(library, Role.PARENT)
    assert course.audience == "parent" and len(course.sessions) == 4
    await aigerim.send("/practice")
    await aigerim.click(f"{course.emoji} {course.title.kk}")
    await aigerim.click(tr("▶️ Start the course", KK))
    reply = await aigerim.click(tr("Skip ➡️", KK))  # the check can be skipped
    title = f"{course.emoji} {course.title.kk}"
    for number, session in enumerate(course.sessions, start=1):
        assert session.situation.kk in reply.text
        await aigerim.click(next(c.text.kk for c in session.choices if c.safe))
        await aigerim.click(tr("✅ Said it", KK))
        reply = await aigerim.click(letter(course, number))
        if number == len(course.sessions):
            break
        next_session = tr("▶️ Session {number}", KK).format(number=number + 1)
        await aigerim.send("/practice")
        reply = await aigerim.click(title)
        assert next_session not in reply.buttons  # not before its day
        calendar.go_to(course.every_days, 10)
        await aigerim.send("/practice")
        await aigerim.click(title)
        reply = await aigerim.click(next_session)
    parent = library.instrument("parent")
    assert parent is not None and parent.items[0].question.kk in reply.text  # the check after
    for _ in parent.items:
        reply = await aigerim.click("5")
    finished = tr(
        "🎓 The course «{title}» is finished. Thank you! The lines of the sessions work best"
        " said in one's own words. No more reminders will come.",
        KK,
    ).format(title=course.title.kk)
    assert finished in reply.text
    assert tr("🔁 Take it again", KK) in reply.buttons
    assert await count_rows(running, "SELECT COUNT(*) FROM course_enrolments") == 1


async def test_a_forged_or_old_session_button_changes_nothing(
    aigerim: FakeUser, tr: Tr, library: Library, running: RunningBot, calendar: Calendar
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=False)
    course = course_for(library, Role.TEEN)
    await aigerim.send("/practice")
    await aigerim.click(f"{course.emoji} {course.title.kk}")
    await aigerim.click(tr("▶️ Start the course", KK))
    reply = await aigerim.click(tr("Skip ➡️", KK))
    situation = aigerim.messages[-1]
    forged = CourseChoose(course=course.id, session=3, choice=0).pack()  # not this session
    stale = await aigerim.click_data(situation.message_id, forged)
    assert stale.callback_answer is not None and stale.callback_answer.text
    out_of_range = CourseChoose(course=course.id, session=1, choice=9).pack()
    stale = await aigerim.click_data(situation.message_id, out_of_range)
    assert stale.callback_answer is not None and stale.callback_answer.text
    reply = await aigerim.click(course.sessions[0].choices[0].text.kk)
    assert course.sessions[0].line.kk in reply.text
    hint = await aigerim.send_sticker()
    assert hint.text  # a sticker is answered with a hint, not ignored
    assert await count_rows(running, "SELECT done FROM course_enrolments") == 0


async def test_old_course_buttons_say_where_the_course_really_is(
    dmitry: FakeUser, tr: Tr, library: Library, running: RunningBot, calendar: Calendar
) -> None:
    await onboard(dmitry, tr, RU, "🧑 Teenager", None, subscribe=False)
    course = course_for(library, Role.TEEN)
    await dmitry.send("/practice")
    screen = (await dmitry.click(f"{course.emoji} {course.title.ru}")).last
    await dmitry.click(tr("▶️ Start the course", RU))
    await dmitry.click(tr("Skip ➡️", RU))
    await dmitry.click(course.sessions[0].choices[0].text.ru)
    await dmitry.click(tr("✅ Said it", RU))
    question = dmitry.messages[-1]
    await dmitry.click(letter(course, 1))

    def alert(reply: Reply) -> str:
        assert reply.callback_answer is not None
        return reply.callback_answer.text

    # The session is done: its question's button, pressed again on a second device (the
    # answer took the buttons away here), says so.
    answer = CourseAnswer(course=course.id, session=1, option=course.sessions[0].question.correct)
    again = await dmitry.click_data(question.message_id, answer.pack())
    session_over = "This part of the session is over. Open the course in /practice to go on."
    assert alert(again) == tr(session_over, RU)
    # "Start" from a copy of the course's first screen, and the next session before its day:
    # the course runs, and its next session is not open yet; neither opens it.
    for action in (CourseAction.START, CourseAction.SESSION):
        button = CourseAct(course=course.id, action=action).pack()
        reply = await dmitry.click_data(screen.message_id or 0, button)
        assert alert(reply) == tr("The next session is not open yet.", RU), action
        assert not reply.messages
    # A course the content no longer has.
    gone = CourseAct(course="removed_course", action=CourseAction.OPEN).pack()
    reply = await dmitry.click_data(screen.message_id or 0, gone)
    assert alert(reply) == tr("This course is no longer available.", RU)
    assert await count_rows(running, "SELECT done FROM course_enrolments") == 1


async def test_stats_show_the_course_session_by_session_and_export_it(
    fake: FakeTelegram,
    owner: FakeUser,
    tr: Tr,
    library: Library,
    running: RunningBot,
    calendar: Calendar,
) -> None:
    course = course_for(library, Role.TEEN)
    first = course.sessions[0]
    for number in range(5):
        teen = fake.user(user_id=7_900_000 + number, language_code="ru")
        await onboard(teen, tr, RU, "🧑 Teenager", "Астана", subscribe=False)
        await teen.send("/practice")
        await teen.click(f"{course.emoji} {course.title.ru}")
        await teen.click(tr("▶️ Start the course", RU))
        await teen.click(tr("Skip ➡️", RU))
        await teen.click(first.choices[number % 2].text.ru)
        await teen.click(tr("✅ Said it", RU))
        await teen.click(letter(course, 1))
    await owner.send("/stats")
    text = "\n".join(m.text for m in owner.messages[-4:])
    assert f"«{course.title.ru}»" in text
    await owner.send("/stats export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8"))))
    scope = f"course:{course.id}"
    mine = [r for r in rows if r["scope"] == scope]

    def value(indicator: str, subject: str = "", region: str = "all") -> str:
        row = next(
            r
            for r in mine
            if r["indicator"] == indicator and r["subject"] == subject and r["region"] == region
        )
        return row["value"]

    assert value("course_started") == "5"
    assert value("course_started", region="astana") == "5"
    assert value("session_done", "1") == "5"
    assert value("session_done", "1", region="astana") == "5"
    assert value("session_done", "2") == "<5"
    # Three safe choices and two others of five: a share that would give "2" back is empty.
    assert value("session_safe_share", "1") == ""
