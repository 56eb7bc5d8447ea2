"""Courses: opting in, sessions spaced by days, pause, resume and stop with what an old button
finds, reminders queued once through the broadcast queue and held by quiet hours, counters
without anyone's chat, and the course's figures for /stats (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.db.repositories import broadcasts as broadcasts_repo
from bot.domain import BroadcastStatus, Language, Profile, Role
from bot.services.broadcasts import BroadcastControl, BroadcastNotFoundError, BroadcastService
from bot.services.content import Library
from bot.services.content.models import Course
from bot.services.courses import CourseService, CourseStateError, CourseStatus
from bot.services.practice import AnonymousTally, PracticeService
from bot.services.practice_stats import PracticeStatsService
from bot.services.roles import StaffMember, StaffRole
from bot.services.users import UserService
from tests.clock import Clock
from tests.engines import fetch

ALMATY = ZoneInfo("Asia/Almaty")
MONDAY = dt.date(2026, 12, 7)


class NeverRandom(random.Random):
    def random(self) -> float:
        return 1.0


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), ALMATY)


class World:
    """A course service on a clock the test moves, over a real database."""

    def __init__(self, db: Database, library: Library) -> None:
        self.day = Clock(MONDAY)
        self.moment = Clock(at(MONDAY, 10))
        self.practice = PracticeService(db, library, self.day, AnonymousTally())
        self.practice.rng = NeverRandom()
        self.courses = CourseService(db, library, self.practice, self.day, self.moment, ALMATY)
        self.db = db

    def go_to(self, day: dt.date, hour: int = 10) -> None:
        self.day.now, self.moment.now = day, at(day, hour)


@pytest.fixture
def world(db: Database, library: Library) -> World:
    return World(db, library)


def teen_course(library: Library) -> Course:
    course = library.course_for(Role.TEEN)
    assert course is not None and course.id == "refusal"
    return course


async def person(
    users: UserService, chat_id: int, role: Role = Role.TEEN, region: str | None = "astana"
) -> Profile:
    await users.choose_language(chat_id, Language.RU)
    await users.set_role(chat_id, role)
    await users.set_region(chat_id, region)
    return await users.finish_onboarding(chat_id, subscribed=False)


async def do_session(world: World, who: Profile, course: Course, safe: bool = True) -> None:
    progress = await world.courses.open_session(who, course)
    session = course.sessions[progress.done]
    choice = next(n for n, c in enumerate(session.choices) if c.safe == safe)
    await world.courses.session_done(
        who, course, progress.next_number, choice, session.question.correct
    )


def test_every_audience_with_a_course_has_one_and_the_sessions_fit_the_issue(
    library: Library,
) -> None:
    teen, parent = library.course_for(Role.TEEN), library.course_for(Role.PARENT)
    assert teen is not None and len(teen.sessions) == 5
    assert parent is not None and len(parent.sessions) == 4
    for course in (teen, parent):
        # Spread over about two weeks: a session every 2-3 days.
        assert 2 <= course.every_days <= 3
        assert course.every_days * (len(course.sessions) - 1) <= 14


async def test_a_course_opens_a_session_every_few_days(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    who = await person(users, 1)
    progress, first_time = await world.courses.enrol(who, course)
    assert first_time and progress.is_open(MONDAY) and progress.next_number == 1
    await do_session(world, who, course)
    with pytest.raises(CourseStateError) as refused:
        await world.courses.open_session(who, course)  # the same day: not yet
    assert refused.value.progress is not None
    assert refused.value.progress.opens_on == MONDAY + dt.timedelta(days=course.every_days)
    world.go_to(MONDAY + dt.timedelta(days=course.every_days))
    await do_session(world, who, course)
    progress_now = await world.courses.progress(who, course)
    assert progress_now is not None and progress_now.done == 2
    # A session is done once: an old button of session 2 pressed again changes nothing.
    with pytest.raises(CourseStateError):
        await world.courses.session_done(who, course, 2, 0, 0)


async def test_the_last_session_finishes_the_course_and_it_can_be_taken_again(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    who = await person(users, 2)
    await world.courses.enrol(who, course)
    day = MONDAY
    for _ in course.sessions:
        world.go_to(day)
        await do_session(world, who, course)
        day += dt.timedelta(days=course.every_days)
    finished = await world.courses.progress(who, course)
    assert finished is not None and finished.status is CourseStatus.FINISHED
    with pytest.raises(CourseStateError):
        await world.courses.open_session(who, course)
    again, first_time = await world.courses.enrol(who, course)
    assert not first_time  # the check before is asked around a first time only
    assert again.status is CourseStatus.ACTIVE and again.done == 0


async def test_pause_resume_and_stop_answer_old_buttons_truthfully(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    who = await person(users, 3)
    with pytest.raises(CourseStateError) as not_enrolled:
        await world.courses.pause(who, course)
    assert not_enrolled.value.progress is None
    await world.courses.enrol(who, course)
    await do_session(world, who, course)
    paused = await world.courses.pause(who, course)
    assert paused.status is CourseStatus.PAUSED
    with pytest.raises(CourseStateError):
        await world.courses.pause(who, course)  # a second "pause" from an old message
    world.go_to(MONDAY + dt.timedelta(days=10))  # the session opened during the pause
    resumed = await world.courses.resume(who, course)
    assert resumed.is_open(world.day())
    stopped = await world.courses.stop(who, course)
    assert stopped.status is CourseStatus.STOPPED
    with pytest.raises(CourseStateError) as again:
        await world.courses.stop(who, course)  # "stop" under an old reminder
    assert again.value.progress is not None
    assert again.value.progress.status is CourseStatus.STOPPED


async def queued(db: Database) -> list[tuple[str, int]]:
    rows = await fetch(
        db,
        "SELECT b.idempotency_key, COUNT(d.chat_id) FROM broadcasts b"
        " LEFT JOIN broadcast_deliveries d ON d.broadcast_id = b.id"
        " GROUP BY b.idempotency_key ORDER BY b.idempotency_key",
    )
    return [(str(key), int(count)) for key, count in rows]


async def test_a_reminder_is_queued_once_per_session_at_the_courses_hour(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    people = [await person(users, 10 + n) for n in range(3)]
    for who in people:
        await world.courses.enrol(who, course)
        await do_session(world, who, course)
    await world.courses.pause(people[2], course)  # paused: no reminder
    opens = MONDAY + dt.timedelta(days=course.every_days)
    world.go_to(opens, course.remind_at - 1)
    assert await world.courses.send_reminders() == []  # before the hour
    world.go_to(opens, course.remind_at)
    sent = await world.courses.send_reminders()
    assert len(sent) == 1 and sent[0].content.course_id == course.id
    assert not sent[0].urgent  # quiet hours hold it
    assert sent[0].total == 2
    key = f"course:{course.id}:2:{opens.isoformat()}"
    assert await queued(world.db) == [(key, 2)]
    world.go_to(opens, course.remind_at + 1)  # the next hour's run, or a restart
    assert await world.courses.send_reminders() == []
    world.go_to(opens + dt.timedelta(days=1), course.remind_at)  # not done yet: not nagged
    assert await world.courses.send_reminders() == []
    # The reminders are the course's: not in the moderators' list, not in their totals.
    async with world.db.transaction() as conn:
        assert await broadcasts_repo.recent(conn, 10) == []


async def test_the_courses_counters_keep_nobodys_chat_and_show_drop_off(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    people = [await person(users, 100 + n) for n in range(11)]
    for n, who in enumerate(people):
        await world.courses.enrol(who, course)
        await world.courses.answered(who, course, "pre", {"risk": 3, "refusal": 2})
        await do_session(world, who, course, safe=n % 2 == 0)
    world.go_to(MONDAY + dt.timedelta(days=course.every_days))
    for who in people[:5]:
        await do_session(world, who, course)
    await world.courses.stop(people[10], course)
    rows = await fetch(world.db, "SELECT * FROM course_counts")
    chats = {str(p.chat_id) for p in people}
    assert rows and all(not chats & {str(value) for value in row} for row in rows)
    stats = (await PracticeStatsService(world.db, library).practice(None)).courses
    figures = next(c for c in stats if c.course_id == course.id)
    assert figures.started == 10  # the eleventh start waits in memory for four more people
    first, second = figures.sessions[0], figures.sessions[1]
    assert first.done == 10 and second.done == 5
    assert first.safe.share == 0.5 and first.right.share is None  # all ten right: hidden
    assert second.kept.share == 0.5  # five of the ten went on, five did not (yet)
    assert figures.stopped is None  # one stop: "<5", and still in memory
    answers = await fetch(
        world.db, "SELECT subject, SUM(count) FROM evaluation_answers GROUP BY subject"
    )
    assert [(str(s), int(n)) for s, n in answers] == [(f"course:{course.id}", 20)]


async def test_a_share_never_gives_away_a_small_count(
    world: World, users: UserService, library: Library
) -> None:
    """Twelve started and three did the first session: "3" is hidden, and so is the share
    that would give it back (3 of 12); each write of a session's counters holds the choices
    of five people, never four and the fifth's "done" alone."""
    course = teen_course(library)
    people = [await person(users, 200 + n) for n in range(12)]
    for who in people:
        await world.courses.enrol(who, course)
    for who in people[:3]:
        await do_session(world, who, course)
    stats = (await PracticeStatsService(world.db, library).practice(None)).courses
    figures = next(c for c in stats if c.course_id == course.id)
    assert figures.started == 10 and figures.sessions[0].done is None
    assert figures.sessions[0].kept.share is None
    for who in people[3:5]:
        await do_session(world, who, course)
    done = await fetch(world.db, "SELECT event, SUM(count) FROM course_counts GROUP BY event")
    written = {str(event): int(n) for event, n in done}
    assert written["done"] == 5
    assert written.get("safe_choice", 0) + written.get("other_choice", 0) == 5
    assert written.get("right_answer", 0) + written.get("wrong_answer", 0) == 5


async def test_forgetting_a_person_deletes_their_place_in_the_course(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    who = await person(users, 7)
    await world.courses.enrol(who, course)
    await users.forget(who.chat_id)
    assert await fetch(world.db, "SELECT * FROM course_enrolments") == []


def _positions(values: Sequence[int]) -> int:
    return max(values.count(v) for v in set(values))


def test_course_questions_are_not_guessable(library: Library) -> None:
    """As for quizzes: the right option is rarely the longest, and not always in one place."""
    for course in library.courses:
        questions = [s.question for s in course.sessions]
        for language in Language:
            longest = sum(
                1
                for q in questions
                if max(range(len(q.options)), key=lambda n: len(q.options[n].get(language)))
                == q.correct
            )
            assert longest / len(questions) <= 0.4, (course.id, language)
        assert _positions([q.correct for q in questions]) / len(questions) <= 0.5, course.id


async def test_a_stop_or_pause_takes_the_person_out_of_a_queued_reminder(
    world: World, users: UserService, library: Library
) -> None:
    """A reminder held by quiet hours is not sent to someone who stopped meanwhile; a sent
    reminder's row goes at the next run; a moderator cannot open or control one."""
    course = teen_course(library)
    people = [await person(users, 300 + n) for n in range(3)]
    for who in people:
        await world.courses.enrol(who, course)
        await do_session(world, who, course)
    opens = MONDAY + dt.timedelta(days=course.every_days)
    world.go_to(opens, course.remind_at)
    (reminder,) = await world.courses.send_reminders()
    await world.courses.stop(people[0], course)
    await world.courses.pause(people[1], course)
    assert await queued(world.db) == [(str(reminder.idempotency_key), 1)]
    broadcasts = BroadcastService(world.db, world.moment)
    assert (await broadcasts.get(reminder.id)).total == 1
    moderator = StaffMember(9, StaffRole.MODERATOR, None)
    with pytest.raises(BroadcastNotFoundError):
        await broadcasts.get_as(reminder.id, moderator)
    with pytest.raises(BroadcastNotFoundError):
        await broadcasts.control(reminder.id, BroadcastControl.CANCEL, moderator)
    async with world.db.transaction() as conn:
        await broadcasts_repo.set_status(conn, reminder.id, BroadcastStatus.DONE, world.moment())
    world.go_to(opens, course.remind_at + 1)
    await world.courses.send_reminders()
    assert await queued(world.db) == []  # sent: its row (and its small counts) are gone


async def test_a_retake_is_not_asked_the_check_again(
    world: World, users: UserService, library: Library
) -> None:
    course = teen_course(library)
    who = await person(users, 400)
    first, first_time = await world.courses.enrol(who, course)
    assert first_time and not first.retake
    await world.courses.stop(who, course)
    again, first_time = await world.courses.enrol(who, course)
    assert not first_time and again.retake
