"""Statistics for /stats: users, learning, tips, broadcasts and a weekly trend.

Every figure leaves this module already protected (DESIGN.md: statistics suppress small cells):
a count below `SMALL_CELL` becomes a suppressed `Cell` (None, shown as "<5"), and an average of
fewer than `SMALL_CELL` people is hidden. Averages also get complementary suppression: when the
hidden groups of a breakdown hold fewer than `SMALL_CELL` people together, the smallest shown
groups are hidden as well, because otherwise the overall average minus the shown groups would
give away the score of the one or two people left. Results are plain frozen dataclasses; the
caller translates the labels (topic, quiz, region, role names) and formats cells with
`format_cell`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.db.repositories import stats as repo
from bot.db.repositories.stats import ScoreDimension, ScoreGroup, VoteCounts, week_start

SMALL_CELL = 5  # fewer people than this in a cell could point at someone
WEEK = dt.timedelta(days=7)
DEFAULT_TREND_WEEKS = 8
BOT_TZ = ZoneInfo("Asia/Almaty")  # the settings' default; pass settings.tz to the service

# A count as shown: the number, or None when it is below SMALL_CELL (zero included, so that
# "none" and "one or two" look the same).
Cell: TypeAlias = int | None
SMALL: Cell = None
K = TypeVar("K", bound=Hashable)


def suppress(count: int) -> Cell:
    return count if count >= SMALL_CELL else SMALL


def format_cell(cell: Cell) -> str:
    """The text of a cell: "<5" when suppressed, else the number."""
    return f"<{SMALL_CELL}" if cell is None else str(cell)


def format_share(share: float | None) -> str:
    """A mean score as a whole percentage, "—" when it is hidden."""
    return "—" if share is None else f"{round(share * 100)}%"


@dataclass(frozen=True, slots=True)
class Average:
    """A mean score as a fraction of the quiz's questions (0..1, to whole percent)."""

    share: float | None  # None: hidden (too few people here, or to protect a small group)
    people: Cell  # how many people it is the mean of


@dataclass(frozen=True, slots=True)
class ScoreComparison:
    """First attempts (what people knew) against each person's latest (what they know now)."""

    first: Average
    latest: Average


@dataclass(frozen=True, slots=True)
class UserStats:
    total: Cell
    subscribed: Cell
    new_this_week: Cell  # Monday to Sunday, in the bot's time zone
    new_last_week: Cell
    by_language: dict[str | None, Cell]  # a None key: not chosen (role, region)
    by_role: dict[str | None, Cell]
    by_region: dict[str | None, Cell]


@dataclass(frozen=True, slots=True)
class TopicStats:
    topic_id: str
    opens: Cell  # opens are events, not people; small counts are hidden all the same
    useful: Cell  # 👍
    not_useful: Cell  # 👎


@dataclass(frozen=True, slots=True)
class QuizStats:
    quiz_id: str
    started: Cell  # attempts begun
    completed: Cell
    overall: ScoreComparison
    by_role: dict[str | None, ScoreComparison]
    by_region: dict[str | None, ScoreComparison]


@dataclass(frozen=True, slots=True)
class LearningStats:
    topics: tuple[TopicStats, ...]  # most opened first
    quizzes: tuple[QuizStats, ...]  # by quiz id


@dataclass(frozen=True, slots=True)
class TipStats:
    total: Cell
    by_category: dict[str | None, Cell]
    by_status: dict[str | None, Cell]
    by_region: dict[str | None, Cell]
    acted_on: Cell  # tips a moderator has acted on
    median_to_first_action: dt.timedelta | None  # whole minutes; None: fewer than 5 acted on


@dataclass(frozen=True, slots=True)
class BroadcastStats:
    broadcasts: int  # how many broadcasts: not people, so not suppressed
    sent: Cell
    failed: Cell
    blocked: Cell


@dataclass(frozen=True, slots=True)
class Trend:
    weeks: tuple[dt.date, ...]  # Mondays, oldest first; the last is the current week
    new_users: tuple[Cell, ...]
    quiz_completions: tuple[Cell, ...]
    tips: tuple[Cell, ...]


def _sort_key(key: str | None) -> tuple[bool, str]:
    return (key is None, key or "")


def _cells(counts: Mapping[str | None, int]) -> dict[str | None, Cell]:
    """Suppressed cells, largest shown first; suppressed ones last in key order, so that the
    order does not reveal which small cell is larger."""
    cells = {key: suppress(count) for key, count in counts.items()}
    return dict(
        sorted(cells.items(), key=lambda kv: (kv[1] is None, -(kv[1] or 0), _sort_key(kv[0])))
    )


class Group(Protocol):
    """A group of people with a mean (a quiz score, an answer on a 1-5 scale)."""

    @property
    def people(self) -> int: ...

    @property
    def mean(self) -> float: ...


def protected_averages(groups: Mapping[K, Group]) -> dict[K, Average]:
    """One breakdown's averages with primary and complementary suppression (module docstring)."""
    hidden = {key for key, group in groups.items() if group.people < SMALL_CELL}
    hidden_people = sum(groups[key].people for key in hidden)
    shown = sorted(set(groups) - hidden, key=lambda key: (groups[key].people, str(key)))
    for key in shown:
        if hidden_people == 0 or hidden_people >= SMALL_CELL:
            break
        hidden.add(key)
        hidden_people += groups[key].people
    return {
        key: Average(
            share=None if key in hidden else round(group.mean, 2), people=suppress(group.people)
        )
        for key, group in groups.items()
    }


def protected_counts(counts: Mapping[K, int]) -> dict[K, Cell]:
    """One breakdown's counts with primary and complementary suppression: a count under five
    is hidden, and while the hidden ones add up to fewer than five (a total minus the shown
    ones would give them away), the smallest shown count is hidden too."""
    hidden = {key for key, count in counts.items() if count < SMALL_CELL}
    hidden_people = sum(counts[key] for key in hidden)
    for key in sorted(set(counts) - hidden, key=lambda key: (counts[key], str(key))):
        if hidden_people == 0 or hidden_people >= SMALL_CELL:
            break
        hidden.add(key)
        hidden_people += counts[key]
    return {key: None if key in hidden else count for key, count in counts.items()}


# quiz id → group (role, region, or None for all) → its score
_QuizGroups: TypeAlias = dict[str, dict[str | None, ScoreGroup]]
_SCORE_DIMENSIONS: tuple[ScoreDimension, ...] = ("all", "role", "region")


def _by_quiz(rows: Iterable[ScoreGroup]) -> _QuizGroups:
    quizzes: _QuizGroups = {}
    for row in rows:
        quizzes.setdefault(row.quiz_id, {})[row.group] = row
    return quizzes


_NOBODY = Average(share=None, people=SMALL)


def _comparisons(
    first: Mapping[str | None, ScoreGroup], latest: Mapping[str | None, ScoreGroup]
) -> dict[str | None, ScoreComparison]:
    first_avg, latest_avg = protected_averages(first), protected_averages(latest)
    return {
        key: ScoreComparison(first_avg.get(key, _NOBODY), latest_avg.get(key, _NOBODY))
        for key in sorted(set(first) | set(latest), key=_sort_key)
    }


def _topics(opens: Mapping[str, int], votes: Mapping[str, VoteCounts]) -> tuple[TopicStats, ...]:
    none = VoteCounts(useful=0, not_useful=0)
    topics = [
        TopicStats(
            topic_id=topic_id,
            opens=suppress(opens.get(topic_id, 0)),
            useful=suppress(votes.get(topic_id, none).useful),
            not_useful=suppress(votes.get(topic_id, none).not_useful),
        )
        for topic_id in set(opens) | set(votes)
    ]
    topics.sort(key=lambda t: (t.opens is None, -(t.opens or 0), t.topic_id))
    return tuple(topics)


def _weekly(
    days: Iterable[dt.date], weights: Iterable[int], weeks: Sequence[dt.date]
) -> tuple[Cell, ...]:
    per_week: Counter[dt.date] = Counter()
    for day, weight in zip(days, weights, strict=True):
        per_week[week_start(day)] += weight
    return tuple(suppress(per_week[week]) for week in weeks)


class StatsService:
    def __init__(self, db: Database, today: Callable[[], dt.date], tz: dt.tzinfo = BOT_TZ) -> None:
        self._db = db
        self._today = today  # today in the bot's time zone, like users.created_on
        self._tz = tz  # to put tips (stored in UTC) into the bot's weeks

    async def users(self, region: str | None) -> UserStats:
        this_week = week_start(self._today())
        async with self._db.transaction() as conn:
            totals = await repo.user_totals(conn, region)
            this = await repo.new_users_between(conn, this_week, this_week + WEEK, region)
            last = await repo.new_users_between(conn, this_week - WEEK, this_week, region)
            by_language = await repo.users_by(conn, "language", region)
            by_role = await repo.users_by(conn, "role", region)
            by_region = await repo.users_by(conn, "region", region)
        return UserStats(
            total=suppress(totals.total),
            subscribed=suppress(totals.subscribed),
            new_this_week=suppress(this),
            new_last_week=suppress(last),
            by_language=_cells(by_language),
            by_role=_cells(by_role),
            by_region=_cells(by_region),
        )

    async def learning(self, region: str | None) -> LearningStats:
        first: dict[ScoreDimension, _QuizGroups] = {}
        latest: dict[ScoreDimension, _QuizGroups] = {}
        async with self._db.transaction() as conn:
            opens = await repo.topic_opens_by_topic(conn, region)
            votes = await repo.topic_votes_by_topic(conn, region)
            activity = await repo.quiz_activity(conn, region)
            for dimension in _SCORE_DIMENSIONS:
                first[dimension] = _by_quiz(await repo.first_scores(conn, dimension, region))
                latest[dimension] = _by_quiz(await repo.latest_scores(conn, dimension, region))

        def compare(quiz_id: str, dimension: ScoreDimension) -> dict[str | None, ScoreComparison]:
            return _comparisons(
                first[dimension].get(quiz_id, {}), latest[dimension].get(quiz_id, {})
            )

        quizzes = tuple(
            QuizStats(
                quiz_id=quiz_id,
                started=suppress(activity[quiz_id].started),
                completed=suppress(activity[quiz_id].completed),
                overall=compare(quiz_id, "all").get(None, ScoreComparison(_NOBODY, _NOBODY)),
                by_role=compare(quiz_id, "role"),
                by_region=compare(quiz_id, "region"),
            )
            for quiz_id in sorted(activity)
        )
        return LearningStats(topics=_topics(opens, votes), quizzes=quizzes)

    async def tips(self, region: str | None) -> TipStats:
        async with self._db.transaction() as conn:
            total = await repo.tip_total(conn, region)
            by_category = await repo.tips_by(conn, "category", region)
            by_status = await repo.tips_by(conn, "status", region)
            by_region = await repo.tips_by(conn, "region", region)
            delays = await repo.first_action_delays(conn, region)
        return TipStats(
            total=suppress(total),
            by_category=_cells(by_category),
            by_status=_cells(by_status),
            by_region=_cells(by_region),
            acted_on=suppress(len(delays)),
            median_to_first_action=_median(delays),
        )

    async def broadcasts(self, region: str | None) -> BroadcastStats:
        async with self._db.transaction() as conn:
            totals = await repo.broadcast_totals(conn, region)
        return BroadcastStats(
            broadcasts=totals.broadcasts,
            sent=suppress(totals.sent),
            failed=suppress(totals.failed),
            blocked=suppress(totals.blocked),
        )

    async def trend(self, region: str | None, weeks: int = DEFAULT_TREND_WEEKS) -> Trend:
        if weeks < 1:
            raise ValueError("a trend needs at least one week")
        this_week = week_start(self._today())
        mondays = tuple(this_week - WEEK * back for back in range(weeks - 1, -1, -1))
        start, end = mondays[0], this_week + WEEK
        # Tips carry a UTC time: the window's bounds are the local midnights, converted.
        local_start = dt.datetime.combine(start, dt.time(), tzinfo=self._tz)
        local_end = dt.datetime.combine(end, dt.time(), tzinfo=self._tz)
        async with self._db.transaction() as conn:
            users = await repo.new_users_per_day(conn, start, end, region)
            completions = await repo.completions_per_day(conn, start, end, region)
            tip_times = await repo.tip_times(conn, local_start, local_end, region)
        tip_days = [moment.astimezone(self._tz).date() for moment in tip_times]
        return Trend(
            weeks=mondays,
            new_users=_weekly(users.keys(), users.values(), mondays),
            quiz_completions=_weekly(completions.keys(), completions.values(), mondays),
            tips=_weekly(tip_days, [1] * len(tip_days), mondays),
        )


def _median(delays: Sequence[dt.timedelta]) -> dt.timedelta | None:
    """The median delay to whole minutes (tips are stamped to the minute), or None when fewer
    than SMALL_CELL tips are behind it."""
    if len(delays) < SMALL_CELL:
        return None
    seconds = statistics.median(delay.total_seconds() for delay in delays)
    return dt.timedelta(minutes=round(seconds / 60))
