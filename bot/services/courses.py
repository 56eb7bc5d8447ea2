"""Courses in /practice: opt-in sessions spaced over about two weeks, with reminders through the
durable broadcast queue, pause, resume and a one-tap stop; counted anonymously.

What is stored about a person: the course they opted in to, how many sessions they did, whether
it is active, paused, stopped or finished, the day the next session opens and the last session
they were reminded of (`course_enrolments`, deleted with the profile). What they chose, how they
answered the session's question and the check before and after is never stored with them: it
goes to the same batched anonymous counters as practice (services.practice, docs/evaluation.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from html import escape
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler

from bot.db import Database
from bot.db.repositories import broadcasts
from bot.db.repositories import courses as repo
from bot.domain import Audience, Broadcast, BroadcastContent, Language, Profile, Role
from bot.services.content import Library
from bot.services.content.models import Course, Instrument
from bot.services.practice import COURSES, PracticeService

logger = logging.getLogger(__name__)


class CourseStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"


class CourseStateError(ValueError):
    """The action does not apply to where the person is in the course (an old button)."""

    def __init__(self, progress: Progress | None) -> None:
        super().__init__(progress.status if progress is not None else "not enrolled")
        self.progress = progress


@dataclass(frozen=True, slots=True)
class Progress:
    course: Course
    done: int  # sessions done
    status: CourseStatus
    opens_on: dt.date  # the day the next session opens
    retake: bool = False  # taken before: the check is asked around a first time only

    @property
    def next_number(self) -> int:
        return self.done + 1

    @property
    def total(self) -> int:
        return len(self.course.sessions)

    def is_open(self, today: dt.date) -> bool:
        """The next session can be done today."""
        return (
            self.status is CourseStatus.ACTIVE and self.done < self.total and self.opens_on <= today
        )


def reminder_key(course: Course, number: int, day: dt.date) -> str:
    return f"course:{course.id}:{number}:{day.isoformat()}"


def check_subject(course: Course) -> str:
    """The subject of the course's check among the evaluation answers (simulations use their
    id, which has no colon)."""
    return f"course:{course.id}"


class CourseService:
    def __init__(
        self,
        db: Database,
        library: Library,
        practice: PracticeService,
        today: Callable[[], dt.date],
        now: Callable[[], dt.datetime],
        tz: ZoneInfo,
    ) -> None:
        self._db, self._library, self._practice = db, library, practice
        # The clock, replaceable as a whole (a test moves it by days).
        self.today, self.now, self._tz = today, now, tz
        self._wake: Callable[[], None] = lambda: None

    def on_new_work(self, wake: Callable[[], None]) -> None:
        """Tell the delivery engine when a reminder is queued."""
        self._wake = wake

    def course(self, course_id: str) -> Course | None:
        return self._library.course(course_id)

    def course_for(self, profile: Profile) -> Course | None:
        return self._library.course_for(profile.role)

    def instrument_of(self, course: Course) -> Instrument:
        instrument = self._library.instrument(course.check)
        assert instrument is not None  # the loader checked it
        return instrument

    async def progress(self, profile: Profile, course: Course) -> Progress | None:
        async with self._db.transaction() as conn:
            enrolment = await repo.get(conn, profile.chat_id, course.id)
        return None if enrolment is None else self._progress(course, enrolment)

    @staticmethod
    def _progress(course: Course, enrolment: repo.Enrolment) -> Progress:
        status = CourseStatus(enrolment.status)
        return Progress(course, enrolment.done, status, enrolment.opens_on, enrolment.retake)

    async def _change(
        self,
        profile: Profile,
        course: Course,
        allowed: set[CourseStatus | None],
        change: Callable[[repo.Enrolment | None], repo.Enrolment],
    ) -> tuple[Progress, repo.Enrolment | None]:
        """Apply `change` to the person's enrolment if its status is in `allowed` (None: not
        enrolled), in one transaction; CourseStateError otherwise."""
        async with self._db.transaction() as conn:
            before = await repo.get(conn, profile.chat_id, course.id)
            status = CourseStatus(before.status) if before is not None else None
            if status not in allowed:
                raise CourseStateError(
                    self._progress(course, before) if before is not None else None
                )
            after = change(before)
            await repo.put(conn, profile.chat_id, after)
            if after.status in {CourseStatus.PAUSED, CourseStatus.STOPPED}:
                # "No reminders" holds for one already queued, perhaps held by quiet hours.
                await repo.drop_pending_reminders(conn, profile.chat_id, course.id)
        return self._progress(course, after), before

    async def enrol(self, profile: Profile, course: Course) -> tuple[Progress, bool]:
        """Opt in (again, after a stop or the end): the first session opens today. True if it
        is the person's first time, when the check before is asked."""
        today = self.today()
        progress, before = await self._change(
            profile,
            course,
            {None, CourseStatus.STOPPED, CourseStatus.FINISHED},
            lambda earlier: repo.Enrolment(
                course.id, 0, CourseStatus.ACTIVE, today, 0, retake=earlier is not None
            ),
        )
        await self._count(profile, course, 0, ("started",), stream="started")
        return progress, before is None

    async def pause(self, profile: Profile, course: Course) -> Progress:
        progress, _ = await self._change(
            profile,
            course,
            {CourseStatus.ACTIVE},
            lambda e: replace(_present(e), status=CourseStatus.PAUSED),
        )
        return progress

    async def resume(self, profile: Profile, course: Course) -> Progress:
        """Back to active; a session that opened during the pause is open now."""
        today = self.today()
        progress, _ = await self._change(
            profile,
            course,
            {CourseStatus.PAUSED},
            lambda e: replace(
                _present(e), status=CourseStatus.ACTIVE, opens_on=min(_present(e).opens_on, today)
            ),
        )
        return progress

    async def stop(self, profile: Profile, course: Course) -> Progress:
        """No more sessions and no reminders; counted at the session where it happened."""
        progress, _ = await self._change(
            profile,
            course,
            {CourseStatus.ACTIVE, CourseStatus.PAUSED},
            lambda e: replace(_present(e), status=CourseStatus.STOPPED),
        )
        await self._count(profile, course, progress.done, ("stopped",), stream="stopped")
        return progress

    async def open_session(self, profile: Profile, course: Course) -> Progress:
        """The person's next session, if it is open today (CourseStateError otherwise)."""
        progress = await self.progress(profile, course)
        if progress is None or not progress.is_open(self.today()):
            raise CourseStateError(progress)
        return progress

    async def session_done(
        self, profile: Profile, course: Course, number: int, choice: int, option: int
    ) -> Progress:
        """Session `number` was done with `choice` in its situation and `option` as the answer
        to its question: the next one opens `every_days` later (the last ends the course)."""
        session = course.session(number)
        if session is None or not 0 <= choice < len(session.choices):
            raise CourseStateError(None)
        last = number == len(course.sessions)
        opens_on = self.today() + dt.timedelta(days=course.every_days)
        progress, _ = await self._change(
            profile,
            course,
            {CourseStatus.ACTIVE},
            lambda e: _after_session(_present(e), number, last, opens_on),
        )
        safe = session.choices[choice].safe
        right = option == session.question.correct
        events: tuple[str, ...] = ("done", "safe_choice" if safe else "other_choice")
        events += ("right_answer" if right else "wrong_answer",)
        await self._count(profile, course, number, events, stream=f"s{number}")
        return progress

    async def answered(
        self, profile: Profile, course: Course, phase: str, answers: Mapping[str, int]
    ) -> None:
        """The check before or after the course, counted like the checks of simulations."""
        instrument = self.instrument_of(course)
        await self._practice.answered(profile, instrument, check_subject(course), phase, answers)

    async def _count(
        self,
        profile: Profile,
        course: Course,
        session: int,
        events: tuple[str, ...],
        stream: str,
    ) -> None:
        counts = [(COURSES, ((course.id, session, event), ())) for event in events]
        await self._practice.count(f"course:{course.id}:{stream}", counts, profile)

    async def send_reminders(self) -> list[Broadcast]:
        """Queue today's reminders of each course whose hour (`remind_at`) has come: for each
        session, one broadcast to everyone whose session opened and who was not reminded of it.
        Run every hour, so a stop at the hour only delays them. Idempotent per day (its key),
        and a person is reminded of a session once."""
        today, hour, created = self.today(), self.now().astimezone(self._tz).hour, []
        async with self._db.transaction() as conn:
            # A sent reminder's row would keep, in every backup, how many were due that day.
            await repo.purge_finished_reminders(conn)
        for course in self._library.courses:
            if hour < course.remind_at:
                continue
            for number in range(1, len(course.sessions) + 1):
                broadcast = await self._queue_reminder(course, number, today)
                if broadcast is not None:
                    created.append(broadcast)
        if created:
            self._wake()
        return created

    def schedule(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(
            self.send_reminders,
            "cron",
            minute=5,
            id="course_reminders",
            misfire_grace_time=3600,
            coalesce=True,
            replace_existing=True,
        )

    async def _queue_reminder(
        self, course: Course, number: int, today: dt.date
    ) -> Broadcast | None:
        async with self._db.transaction() as conn:
            if await repo.count_due(conn, course.id, number, today) == 0:
                return None
            content = BroadcastContent(
                text_kk=reminder_html(course, number, Language.KK),
                text_ru=reminder_html(course, number, Language.RU),
                course_id=course.id,
            )
            audience = Audience(roles=frozenset({Role(course.audience)}))
            broadcast_id = await broadcasts.insert(
                conn,
                content,
                audience,
                urgent=False,  # quiet hours hold it
                created_by=None,
                idempotency_key=reminder_key(course, number, today),
                now=self.now(),
            )
            if broadcast_id is None:
                return None
            total = await repo.enqueue_reminders(conn, broadcast_id, course.id, number, today)
            broadcast = await broadcasts.get(conn, broadcast_id)
        logger.info("Course %s: reminder of session %d queued for %d", course.id, number, total)
        return broadcast


def reminder_html(course: Course, number: int, language: Language) -> str:
    return f"{course.emoji} {escape(course.reminder_text(number, language), quote=False)}"


def _present(enrolment: repo.Enrolment | None) -> repo.Enrolment:
    assert enrolment is not None  # `allowed` held no None
    return enrolment


def _after_session(
    enrolment: repo.Enrolment, number: int, last: bool, opens_on: dt.date
) -> repo.Enrolment:
    if enrolment.done != number - 1:
        raise CourseStateError(None)  # done already, or not the next one
    status = CourseStatus.FINISHED if last else CourseStatus.ACTIVE
    return replace(enrolment, done=number, status=status, opens_on=opens_on)
