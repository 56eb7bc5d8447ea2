"""Statistics of practice for /stats and its CSV: how many ran and finished each simulation,
the share of safe choices on first and on later runs, and the change on each measure of the
check between before and after, each with its sample size.

The same protection as the rest of /stats (services.stats): counts below five are shown as
"<5", a mean of fewer than five answers is hidden, and a breakdown hides more groups when the
hidden ones would add up to fewer than five (so that totals minus the shown groups give
nothing away). The checks before and after are unpaired samples (docs/evaluation.md): the
change is the difference of the two means, not a change of the same people. A quarter of the
stored answers are random (randomised response, services.practice): the means shown are
corrected for it, and shown to one decimal.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.db import Database
from bot.db.repositories import courses as courses_repo
from bot.db.repositories import practice as repo
from bot.services.content import Library
from bot.services.content.models import Course
from bot.services.practice import RANDOM_ANSWERS
from bot.services.stats import (
    SMALL_CELL,
    Average,
    Cell,
    protected_averages,
    protected_counts,
    suppress,
)

# A breakdown key: (role, region), '' for none; None is everyone in the moderator's scope.
Key = tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Mean:
    people: int
    mean: float


@dataclass(frozen=True, slots=True)
class SimulationStats:
    simulation_id: str
    started: Cell  # runs begun, first and later
    started_first: Cell  # first runs: people
    finished_first: Cell
    finished_later: Cell
    safe_first: Average  # share of safe choices on first runs (people: finished first runs)
    safe_later: Average


@dataclass(frozen=True, slots=True)
class Change:
    before: Average  # the mean answer (1-5) before, with how many answered
    after: Average

    @property
    def difference(self) -> float | None:
        if self.before.share is None or self.after.share is None:
            return None
        return round(self.after.share - self.before.share, 2)


@dataclass(frozen=True, slots=True)
class CheckStats:
    scope: str  # SIMULATIONS (around first runs), or "course:<id>" (around a course)
    instrument_id: str
    item_id: str
    by: dict[Key, Change]  # None: everyone in scope; (role, region) groups after it


SIMULATIONS = "simulations"


@dataclass(frozen=True, slots=True)
class SessionStats:
    number: int
    done: Cell  # people who did the session
    kept: Average  # share of those who did the one before (or started) who did this one too
    safe: Average  # share of safe choices in its situation
    right: Average  # share of right answers to its question
    stopped: Cell  # people who stopped the course with this many sessions done
    # People who did it by (role, region): complementary suppression within the session.
    by: dict[tuple[str, str], Cell]


@dataclass(frozen=True, slots=True)
class CourseStats:
    course_id: str
    started: Cell
    finished: Cell  # did the last session
    stopped: Cell
    sessions: tuple[SessionStats, ...]
    # Started and finished by (role, region): complementary suppression within each column.
    by: dict[tuple[str, str], tuple[Cell, Cell]]


@dataclass(frozen=True, slots=True)
class PracticeStats:
    simulations: tuple[SimulationStats, ...]
    checks: tuple[CheckStats, ...]
    courses: tuple[CourseStats, ...] = ()


def _true_mean(stored: float) -> float:
    """Undo randomised response: a stored answer is the real one, or with probability
    RANDOM_ANSWERS a uniform 1-5 (mean 3), so stored = (1 - p) * real + p * 3."""
    real = (stored - RANDOM_ANSWERS * 3) / (1 - RANDOM_ANSWERS)
    return min(5.0, max(1.0, real))


def _means(counts: Mapping[tuple[Key, int], int]) -> dict[Key, Mean]:
    """(group, answer value) → count, into each group's estimated real mean."""
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for (key, value), count in counts.items():
        totals[key][0] += count
        totals[key][1] += value * count
    return {key: Mean(n, _true_mean(total / n)) for key, (n, total) in totals.items() if n}


def _changes(
    before: Mapping[tuple[Key, int], int], after: Mapping[tuple[Key, int], int]
) -> dict[Key, Change]:
    nobody = Average(None, suppress(0))

    def protected(counts: Mapping[tuple[Key, int], int]) -> dict[Key, Average]:
        # Everyone, and the groups: two breakdowns, each protected on its own.
        means = _means(counts)
        everyone = {k: m for k, m in means.items() if k is None}
        groups = {k: m for k, m in means.items() if k is not None}
        return protected_averages(everyone) | protected_averages(groups)

    before_avg, after_avg = protected(before), protected(after)
    keys = sorted(set(before_avg) | set(after_avg), key=lambda k: (k is not None, k or ("", "")))
    return {k: Change(before_avg.get(k, nobody), after_avg.get(k, nobody)) for k in keys}


def _with_everyone(
    key: tuple[str, str], value: int, count: int
) -> Iterable[tuple[tuple[Key, int], int]]:
    yield (None, value), count
    yield (key, value), count


class PracticeStatsService:
    def __init__(self, db: Database, library: Library) -> None:
        self._db, self._library = db, library

    async def practice(self, region: str | None) -> PracticeStats:
        async with self._db.transaction() as conn:
            runs = await repo.run_counts(conn, region)
            choices = await repo.choice_counts(conn, region)
            answers = await repo.answer_counts(conn, region)
            course_counts = await courses_repo.counts(conn, region)
        return PracticeStats(
            self._simulations(runs, choices),
            self._checks(answers),
            tuple(
                _course(course, [c for c in course_counts if c.course_id == course.id])
                for course in self._library.courses
            ),
        )

    @staticmethod
    def _simulations(
        runs: list[repo.RunCount], choices: list[repo.ChoiceCount]
    ) -> tuple[SimulationStats, ...]:
        counted: dict[tuple[str, str, bool], int] = defaultdict(int)
        for run in runs:
            counted[(run.simulation_id, run.event, run.later_run)] += run.count
        safe: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
        for choice in choices:
            safe[(choice.simulation_id, choice.later_run)][0] += choice.count * choice.safe
            safe[(choice.simulation_id, choice.later_run)][1] += choice.count

        def share(simulation: str, later: bool) -> Average:
            """Shown with five runs finished, and five safe choices and five others: a share
            of 0% (or 100%) would say what every one of the runs chose."""
            finished = counted[(simulation, "finished", later)]
            good, total = safe[(simulation, later)]
            shown = finished >= SMALL_CELL and min(good, total - good) >= SMALL_CELL
            return Average(round(good / total, 2) if shown else None, suppress(finished))

        simulations = sorted({r.simulation_id for r in runs} | {c.simulation_id for c in choices})
        return tuple(
            SimulationStats(
                simulation_id=s,
                started=suppress(counted[(s, "started", False)] + counted[(s, "started", True)]),
                started_first=suppress(counted[(s, "started", False)]),
                finished_first=suppress(counted[(s, "finished", False)]),
                finished_later=suppress(counted[(s, "finished", True)]),
                safe_first=share(s, False),
                safe_later=share(s, True),
            )
            for s in simulations
        )

    @staticmethod
    def _checks(answers: list[repo.AnswerCount]) -> tuple[CheckStats, ...]:
        phases: dict[tuple[str, str, str], dict[str, dict[tuple[Key, int], int]]] = defaultdict(
            lambda: {"pre": defaultdict(int), "post": defaultdict(int)}
        )
        for a in answers:
            scope = a.subject if a.subject.startswith("course:") else SIMULATIONS
            for key, count in _with_everyone((a.role, a.region), a.value, a.count):
                phases[(scope, a.instrument_id, a.item_id)][a.phase][key] += count
        return tuple(
            CheckStats(scope, instrument, item, _changes(counts["pre"], counts["post"]))
            for (scope, instrument, item), counts in sorted(phases.items())
        )


def _share(part: int, whole: int) -> Average:
    """part / whole, shown only when both the part and the rest are at least five: a share
    gives its two counts away (0.8 of 5 is one person who chose otherwise)."""
    shown = part >= SMALL_CELL and whole - part >= SMALL_CELL
    return Average(round(part / whole, 2) if shown else None, suppress(whole))


def _course(course: Course, counts: list[courses_repo.CourseCount]) -> CourseStats:
    """Starts, each session's people (and how many of the session before stayed), its safe
    choices and right answers, stops; started and finished by role and region."""
    total: dict[tuple[int, str], int] = defaultdict(int)
    started: dict[tuple[str, str], int] = defaultdict(int)
    done_by: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    last = len(course.sessions)
    for c in counts:
        total[(c.session, c.event)] += c.count
        if c.event == "started":
            started[(c.role, c.region)] += c.count
        elif c.event == "done":
            done_by[c.session][(c.role, c.region)] += c.count
    finished = done_by[last]
    # Stops by the session they came before, hidden as one breakdown of the total shown.
    stops = protected_counts({n: total[(n - 1, "stopped")] for n in range(1, last + 1)})
    sessions = []
    for number in range(1, last + 1):
        done = total[(number, "done")]
        before = total[(0, "started")] if number == 1 else total[(number - 1, "done")]
        sessions.append(
            SessionStats(
                number=number,
                done=suppress(done),
                kept=_share(done, before),
                safe=_share(total[(number, "safe_choice")], done),
                right=_share(total[(number, "right_answer")], done),
                stopped=stops[number] if stops[number] else None,
                by=protected_counts(done_by[number]),
            )
        )
    shown_started, shown_finished = protected_counts(started), protected_counts(finished)
    return CourseStats(
        course_id=course.id,
        started=suppress(total[(0, "started")]),
        finished=suppress(total[(last, "done")]),
        stopped=suppress(sum(n for (_, event), n in total.items() if event == "stopped")),
        sessions=tuple(sessions),
        by={
            key: (shown_started.get(key), shown_finished.get(key))
            for key in sorted(set(started) | set(finished))
        },
    )


def _cell(value: Cell) -> str:
    return "<5" if value is None else str(value)


def _mean(average: Average) -> str:
    """A mean answer on the 1-5 scale, empty when hidden."""
    return "" if average.share is None else f"{average.share:.1f}"


def _part(average: Average) -> str:
    """A share from 0 to 1, empty when hidden."""
    return "" if average.share is None else f"{average.share:.2f}"


def _where(key: tuple[str, str] | None) -> list[str]:
    role, region = key if key is not None else ("all", "all")
    return [role or "none", region or "none"]


def _simulation_rows(s: SimulationStats) -> Iterable[list[str]]:
    everyone = ["simulation", s.simulation_id, "", "all", "all"]
    for indicator, value in (
        ("runs_started", s.started),
        ("first_runs_started", s.started_first),
        ("first_runs_finished", s.finished_first),
        ("later_runs_finished", s.finished_later),
    ):
        yield [indicator, *everyone, _cell(value), ""]
    for indicator, average in (
        ("safe_share_first", s.safe_first),
        ("safe_share_later", s.safe_later),
    ):
        yield [indicator, *everyone, _part(average), _cell(average.people)]


def _course_rows(c: CourseStats) -> Iterable[list[str]]:
    scope = f"course:{c.course_id}"
    for indicator, value in (
        ("course_started", c.started),
        ("course_finished", c.finished),
        ("course_stopped", c.stopped),
    ):
        yield [indicator, scope, "", "", "all", "all", _cell(value), ""]
    for key, (started, finished) in c.by.items():
        yield ["course_started", scope, "", "", *_where(key), _cell(started), ""]
        yield ["course_finished", scope, "", "", *_where(key), _cell(finished), ""]
    for session in c.sessions:
        at = [scope, str(session.number), "", "all", "all"]
        yield ["session_done", *at, _cell(session.done), ""]
        for key, done in session.by.items():
            yield ["session_done", scope, str(session.number), "", *_where(key), _cell(done), ""]
        yield ["stopped_before_session", *at, _cell(session.stopped), ""]
        for indicator, average in (
            ("session_kept_share", session.kept),
            ("session_safe_share", session.safe),
            ("session_right_share", session.right),
        ):
            yield [indicator, *at, _part(average), _cell(average.people)]


def _check_rows(check: CheckStats) -> Iterable[list[str]]:
    for key, change in check.by.items():
        where = [check.scope, check.instrument_id, check.item_id, *_where(key)]
        yield ["mean_before", *where, _mean(change.before), _cell(change.before.people)]
        yield ["mean_after", *where, _mean(change.after), _cell(change.after.people)]
        difference = change.difference
        yield ["change", *where, "" if difference is None else f"{difference:.1f}", ""]


def practice_csv(stats: PracticeStats) -> bytes:
    """The aggregates as CSV for a regional council's report (CADCA-style): one indicator per
    row, small cells as "<5", hidden means and shares empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "scope", "subject", "item", "role", "region", "value", "n"])
    for simulation in stats.simulations:
        writer.writerows(_simulation_rows(simulation))
    for course in stats.courses:
        writer.writerows(_course_rows(course))
    for check in stats.checks:
        writer.writerows(_check_rows(check))
    return out.getvalue().encode("utf-8")
