"""StatsService against a seeded database with known answers: every figure, small-cell
suppression ("<5"), region filtering, first-attempt vs latest scores, the median time to a first
action, and week boundaries (Monday to Sunday in Asia/Almaty).

Today is Friday 2026-06-26: this week began on Monday 06-22, last week ran 06-15 to 06-21.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database, schema
from bot.db.repositories.stats import week_start
from bot.services.stats import (
    SMALL,
    SMALL_CELL,
    Average,
    ScoreComparison,
    StatsService,
    format_cell,
    format_share,
    suppress,
)

TODAY = dt.date(2026, 6, 26)
ALMATY_TZ = ZoneInfo("Asia/Almaty")

# chat id: (language, role, region, subscribed, created_on)
USERS: dict[int, tuple[str, str | None, str | None, int, str]] = {
    1: ("kk", "teen", "almaty", 1, "2026-06-22"),  # Monday: this week
    2: ("kk", "teen", "almaty", 1, "2026-06-22"),
    3: ("kk", "teen", "almaty", 1, "2026-06-23"),
    4: ("kk", "parent", "almaty", 1, "2026-06-24"),
    5: ("kk", "parent", "almaty", 1, "2026-06-25"),
    6: ("ru", "parent", "almaty", 1, "2026-06-26"),
    7: ("ru", "teacher", "almaty", 0, "2026-06-21"),  # Sunday: last week
    8: ("ru", "teen", "astana", 1, "2026-06-15"),  # Monday: last week
    9: ("ru", "teen", "astana", 1, "2026-06-16"),
    10: ("ru", "teen", "astana", 0, "2026-06-20"),
    11: ("ru", "parent", "astana", 0, "2026-06-21"),
    12: ("ru", "parent", "astana", 0, "2026-06-14"),  # Sunday: the week before last
    13: ("kk", None, None, 0, "2026-06-01"),
    14: ("ru", "teen", None, 0, "2026-05-20"),
}

# In insertion order, so that ids grow with time as in the bot:
# (chat id, quiz, is_first, question_count, score, completed_on or None if abandoned)
ATTEMPTS: list[tuple[int, str, int, int, int, str | None]] = [
    (1, "myths", 1, 10, 4, "2026-06-22"),
    (2, "myths", 1, 10, 5, "2026-06-22"),
    (3, "myths", 1, 10, 6, "2026-06-22"),
    (4, "myths", 1, 10, 6, "2026-06-22"),
    (5, "myths", 1, 10, 6, "2026-06-22"),
    (6, "myths", 1, 10, 6, "2026-06-22"),
    (7, "myths", 1, 10, 6, "2026-06-16"),
    (8, "myths", 1, 10, 3, "2026-06-16"),
    (9, "myths", 1, 10, 5, "2026-06-16"),
    (10, "myths", 1, 10, 7, "2026-06-16"),
    (11, "myths", 1, 10, 6, "2026-06-16"),
    (12, "myths", 1, 10, 6, "2026-06-16"),
    (13, "myths", 1, 10, 2, None),  # abandoned: no score counts
    (14, "myths", 1, 10, 1, None),  # abandoned first attempt ...
    (14, "myths", 0, 10, 9, "2026-06-08"),  # ... then finished a retake
    (1, "myths", 0, 10, 8, "2026-06-23"),
    (2, "myths", 0, 10, 9, "2026-06-23"),
    (2, "myths", 0, 10, 10, "2026-06-24"),  # user 2's latest
    (3, "myths", 0, 10, 2, None),  # abandoned retake: user 3's latest stays 6
    (8, "myths", 0, 10, 9, "2026-06-21"),  # Sunday: last week
    (1, "recruitment", 1, 5, 5, "2026-06-25"),
    (2, "recruitment", 1, 5, 4, "2026-06-25"),
]

# (topic, day, role, region, opens)
OPENS = [
    ("signs", "2026-06-20", "teen", "almaty", 10),
    ("signs", "2026-06-21", "parent", "astana", 3),
    ("signs", "2026-06-21", "", "", 2),
    ("talk", "2026-06-22", "teen", "almaty", 3),
]
# (chat id, topic, useful)
VOTES = [(chat, "signs", 1) for chat in range(1, 7)] + [(7, "signs", 0), (8, "signs", 0)]
VOTES += [(chat, "talk", 1) for chat in range(9, 14)]

# (category, region, status, created_at UTC, minutes to the first action or None)
TIPS: list[tuple[str, str | None, str, str, int | None]] = [
    ("channel", "almaty", "new", "2026-06-21T19:30", None),  # 00:30 Monday in Almaty
    ("channel", "almaty", "new", "2026-06-22T05:00", None),
    ("channel", "almaty", "closed", "2026-06-23T05:00", 10),
    ("channel", "almaty", "closed", "2026-06-24T05:00", 20),
    ("channel", "almaty", "police", "2026-06-25T05:00", 30),
    ("channel", "almaty", "police", "2026-06-26T03:00", 120),
    ("wall_advert", "almaty", "closed", "2026-06-21T18:59", 600),  # 23:59 Sunday in Almaty
    ("wall_advert", "almaty", "new", "2026-06-15T05:00", None),
    ("wall_advert", "almaty", "new", "2026-06-16T05:00", None),
    ("wall_advert", "almaty", "new", "2026-06-17T05:00", None),
    ("channel", "astana", "closed", "2026-06-18T05:00", 60),
    ("wall_advert", "astana", "police", "2026-06-01T05:00", 240),
    ("stash", "astana", "closed", "2026-06-02T05:00", None),
    ("stash", None, "new", "2026-06-03T05:00", None),
]

# (region, sent, failed, blocked)
BROADCASTS = [(None, 100, 3, 7), ("almaty", 40, 0, 5), ("astana", 4, 1, 0)]


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


async def _seed_people(conn: AsyncConnection) -> None:
    await conn.execute(
        insert(schema.users),
        [
            {
                "chat_id": chat,
                "language": language,
                "role": role,
                "region": region,
                "subscribed": bool(subscribed),
                "onboarded": True,
                "created_on": _day(created_on),
            }
            for chat, (language, role, region, subscribed, created_on) in USERS.items()
        ],
    )
    # One at a time, so that ids grow in this order as they do in the bot.
    for chat, quiz, first, count, score, completed_on in ATTEMPTS:
        await conn.execute(
            insert(schema.quiz_attempts).values(
                chat_id=chat,
                quiz_id=quiz,
                is_first=bool(first),
                question_count=count,
                score=score,
                completed=completed_on is not None,
                started_on=dt.date(2026, 5, 20),
                completed_on=_day(completed_on),
            )
        )
    await conn.execute(
        insert(schema.topic_opens),
        [
            {"topic_id": t, "opened_on": _day(day), "role": role, "region": region, "opens": n}
            for t, day, role, region, n in OPENS
        ],
    )
    await conn.execute(
        insert(schema.topic_votes),
        [{"chat_id": chat, "topic_id": t, "useful": bool(useful)} for chat, t, useful in VOTES],
    )


def _utc(minute: str) -> dt.datetime:
    return dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)


async def _seed_tips_and_broadcasts(conn: AsyncConnection) -> None:
    for number, (category, region, status, created, delay) in enumerate(TIPS):
        acted = None if delay is None else _utc(created) + dt.timedelta(minutes=delay)
        await conn.execute(
            insert(schema.tips).values(
                category=category,
                region=region,
                status=status,
                receipt_hash=f"hash-{number}",
                created_at=_utc(created),
                first_action_at=acted,
            )
        )
    await conn.execute(
        insert(schema.broadcasts),
        [
            {
                "region": region,
                "sent": sent,
                "failed": failed,
                "blocked": blocked,
                "status": "done",
                "created_at": _utc("2026-06-01T05:00"),
            }
            for region, sent, failed, blocked in BROADCASTS
        ],
    )


@pytest.fixture
async def stats(db: Database) -> StatsService:
    async with db.transaction() as conn:
        await _seed_people(conn)
        await _seed_tips_and_broadcasts(conn)
    return StatsService(db, lambda: TODAY, tz=ALMATY_TZ)


def shown(share: float, people: int) -> Average:
    """A shown average; shares are rounded to whole percent, so they compare exactly."""
    return Average(share=share, people=people)


HIDDEN = Average(share=None, people=SMALL)


# --- cells -------------------------------------------------------------------------------


def test_cells_below_five_are_suppressed_and_shown_as_less_than_five() -> None:
    assert SMALL_CELL == 5
    assert [suppress(n) for n in (0, 1, 4, 5, 120)] == [SMALL, SMALL, SMALL, 5, 120]
    assert [format_cell(suppress(n)) for n in (0, 4, 5, 1234)] == ["<5", "<5", "5", "1234"]
    assert (format_share(0.57), format_share(1.0), format_share(None)) == ("57%", "100%", "—")


def test_weeks_start_on_monday() -> None:
    assert week_start(dt.date(2026, 6, 22)) == dt.date(2026, 6, 22)
    assert week_start(dt.date(2026, 6, 28)) == dt.date(2026, 6, 22)  # Sunday
    assert week_start(dt.date(2026, 6, 29)) == dt.date(2026, 6, 29)


# --- users -------------------------------------------------------------------------------


async def test_users_overall(stats: StatsService) -> None:
    users = await stats.users(None)
    assert (users.total, users.subscribed) == (14, 8)
    # Monday 06-22 counts in this week, Sunday 06-21 and Monday 06-15 in the last one.
    assert (users.new_this_week, users.new_last_week) == (6, 5)
    assert users.by_language == {"ru": 8, "kk": 6}
    assert users.by_role == {"teen": 7, "parent": 5, "teacher": SMALL, None: SMALL}
    assert users.by_region == {"almaty": 7, "astana": 5, None: SMALL}
    assert list(users.by_role) == ["teen", "parent", "teacher", None]  # shown first


async def test_users_of_one_region(stats: StatsService) -> None:
    almaty = await stats.users("almaty")
    assert (almaty.total, almaty.subscribed) == (7, 6)
    assert (almaty.new_this_week, almaty.new_last_week) == (6, SMALL)
    assert almaty.by_language == {"kk": 5, "ru": SMALL}
    assert almaty.by_role == {"parent": SMALL, "teacher": SMALL, "teen": SMALL}
    assert almaty.by_region == {"almaty": 7}

    astana = await stats.users("astana")
    assert (astana.total, astana.subscribed) == (5, SMALL)
    assert (astana.new_this_week, astana.new_last_week) == (SMALL, SMALL)  # 0 and 4

    nowhere = await stats.users("shymkent")
    assert (nowhere.total, nowhere.by_language, nowhere.by_region) == (SMALL, {}, {})


# --- learning ----------------------------------------------------------------------------


async def test_topics_opens_and_votes(stats: StatsService) -> None:
    learning = await stats.learning(None)
    topics = {topic.topic_id: topic for topic in learning.topics}
    assert [topic.topic_id for topic in learning.topics] == ["signs", "talk"]
    assert (topics["signs"].opens, topics["signs"].useful, topics["signs"].not_useful) == (
        15,
        6,
        SMALL,
    )
    assert (topics["talk"].opens, topics["talk"].useful, topics["talk"].not_useful) == (
        SMALL,
        5,
        SMALL,
    )

    almaty = {topic.topic_id: topic for topic in (await stats.learning("almaty")).topics}
    assert (almaty["signs"].opens, almaty["signs"].useful, almaty["signs"].not_useful) == (
        10,
        6,
        SMALL,
    )
    assert (almaty["talk"].opens, almaty["talk"].useful) == (SMALL, SMALL)


async def test_quiz_activity(stats: StatsService) -> None:
    quizzes = {quiz.quiz_id: quiz for quiz in (await stats.learning(None)).quizzes}
    assert (quizzes["myths"].started, quizzes["myths"].completed) == (20, 17)
    assert (quizzes["recruitment"].started, quizzes["recruitment"].completed) == (SMALL, SMALL)
    # Two people: their average would be nearly their own scores.
    assert quizzes["recruitment"].overall == ScoreComparison(HIDDEN, HIDDEN)

    almaty = {quiz.quiz_id: quiz for quiz in (await stats.learning("almaty")).quizzes}
    assert (almaty["myths"].started, almaty["myths"].completed) == (11, 10)


async def test_first_attempt_against_latest_score(stats: StatsService) -> None:
    myths = next(q for q in (await stats.learning(None)).quizzes if q.quiz_id == "myths")
    # First attempts: 12 people, 66 of 120 right. Latest: user 14 only finished a retake
    # (so 13 people); users 1, 2 and 8 improved, user 3's abandoned retake does not count.
    assert myths.overall == ScoreComparison(shown(0.55, 12), shown(0.69, 13))


async def test_scores_by_role_hide_small_groups_and_their_complement(
    stats: StatsService,
) -> None:
    myths = next(q for q in (await stats.learning(None)).quizzes if q.quiz_id == "myths")
    # The one teacher is hidden; the parents too, or overall minus teens minus parents would
    # be the teacher's own score. The parents' head count (5) may still show.
    hidden_parents = Average(share=None, people=5)
    assert myths.by_role == {
        "parent": ScoreComparison(hidden_parents, hidden_parents),
        "teacher": ScoreComparison(HIDDEN, HIDDEN),
        "teen": ScoreComparison(shown(0.5, 6), shown(0.77, 7)),
    }


async def test_scores_by_region(stats: StatsService) -> None:
    myths = next(q for q in (await stats.learning(None)).quizzes if q.quiz_id == "myths")
    # First attempts: nobody without a region. Latest: user 14 alone has no region, so the
    # smallest shown group (Astana, 5 people) is hidden with them.
    assert myths.by_region == {
        "almaty": ScoreComparison(shown(0.56, 7), shown(0.69, 7)),
        "astana": ScoreComparison(shown(0.54, 5), Average(share=None, people=5)),
        None: ScoreComparison(HIDDEN, HIDDEN),
    }


async def test_scores_of_one_region(stats: StatsService) -> None:
    myths = next(q for q in (await stats.learning("almaty")).quizzes if q.quiz_id == "myths")
    assert myths.overall == ScoreComparison(shown(0.56, 7), shown(0.69, 7))
    # 3 teens, 3 parents, 1 teacher: every group is too small.
    assert {role: (c.first.share, c.latest.share) for role, c in myths.by_role.items()} == {
        "parent": (None, None),
        "teacher": (None, None),
        "teen": (None, None),
    }
    assert myths.by_region == {"almaty": myths.overall}


# --- tips --------------------------------------------------------------------------------


async def test_tips_overall(stats: StatsService) -> None:
    tips = await stats.tips(None)
    assert tips.total == 14
    assert tips.by_category == {"channel": 7, "wall_advert": 5, "stash": SMALL}
    assert tips.by_status == {"new": 6, "closed": 5, "police": SMALL}
    assert tips.by_region == {"almaty": 10, "astana": SMALL, None: SMALL}
    # Delays 10, 20, 30, 60, 120, 240, 600 minutes.
    assert tips.acted_on == 7
    assert tips.median_to_first_action == dt.timedelta(minutes=60)


async def test_tips_of_one_region(stats: StatsService) -> None:
    almaty = await stats.tips("almaty")
    assert almaty.total == 10
    assert almaty.by_category == {"channel": 6, "wall_advert": SMALL}
    assert almaty.by_status == {"new": 5, "closed": SMALL, "police": SMALL}
    assert (almaty.acted_on, almaty.median_to_first_action) == (5, dt.timedelta(minutes=30))

    astana = await stats.tips("astana")
    # Two tips acted on: too few for a median.
    assert (astana.total, astana.acted_on, astana.median_to_first_action) == (SMALL, SMALL, None)


async def test_median_of_an_even_number_of_delays(db: Database) -> None:
    async with db.transaction() as conn:
        for number, delay in enumerate((10, 20, 30, 41, 50, 60)):
            created = dt.datetime(2026, 6, 1, 5, 0, tzinfo=dt.UTC)
            await conn.execute(
                insert(schema.tips).values(
                    category="other",
                    status="closed",
                    receipt_hash=f"h{number}",
                    created_at=created,
                    first_action_at=created + dt.timedelta(minutes=delay),
                )
            )
    tips = await StatsService(db, lambda: TODAY).tips(None)
    assert tips.median_to_first_action == dt.timedelta(minutes=36)  # (30 + 41) / 2, rounded


# --- broadcasts --------------------------------------------------------------------------


async def test_broadcast_totals(stats: StatsService) -> None:
    everywhere = await stats.broadcasts(None)
    assert (everywhere.broadcasts, everywhere.sent, everywhere.failed, everywhere.blocked) == (
        3,
        144,
        SMALL,
        12,
    )
    almaty = await stats.broadcasts("almaty")
    assert (almaty.broadcasts, almaty.sent, almaty.failed, almaty.blocked) == (1, 40, SMALL, 5)


async def test_no_broadcasts_yet(db: Database) -> None:
    empty = await StatsService(db, lambda: TODAY).broadcasts(None)
    assert (empty.broadcasts, empty.sent, empty.failed, empty.blocked) == (0, SMALL, SMALL, SMALL)


# --- weekly trend ------------------------------------------------------------------------


async def test_weekly_trend(stats: StatsService) -> None:
    trend = await stats.trend(None)
    assert trend.weeks == tuple(dt.date(2026, 5, 4) + dt.timedelta(weeks=n) for n in range(8))
    #                              05-04 05-11 05-18 05-25 06-01 06-08  06-15 06-22
    assert trend.new_users == (SMALL, SMALL, SMALL, SMALL, SMALL, SMALL, 5, 6)
    assert trend.quiz_completions == (SMALL, SMALL, SMALL, SMALL, SMALL, SMALL, 7, 11)
    # The tip at 19:30 UTC on Sunday is Monday in Almaty (this week); the one at 18:59 UTC is
    # still Sunday there (last week).
    assert trend.tips == (SMALL, SMALL, SMALL, SMALL, SMALL, SMALL, 5, 6)


async def test_weekly_trend_of_one_region_and_fewer_weeks(stats: StatsService) -> None:
    trend = await stats.trend("almaty", weeks=2)
    assert trend.weeks == (dt.date(2026, 6, 15), dt.date(2026, 6, 22))
    assert trend.new_users == (SMALL, 6)
    # This week: 6 first attempts and 3 retakes of "myths", 2 of "recruitment".
    assert trend.quiz_completions == (SMALL, 11)
    assert trend.tips == (SMALL, 6)


async def test_a_trend_needs_a_week(stats: StatsService) -> None:
    with pytest.raises(ValueError, match="at least one week"):
        await stats.trend(None, weeks=0)


def test_a_long_statistics_message_keeps_whole_lines_and_says_what_is_left_out() -> None:
    """A cut in the middle of a line could cut a <b> tag in half: Telegram refuses such HTML."""
    from bot.i18n import create_i18n
    from bot.screens.stats import LIMIT, whole_lines

    lines = [f"<b>Region {n}</b>: started 12, finished 7" for n in range(300)]
    with create_i18n().context():
        text = whole_lines(lines)
    assert len(text) <= LIMIT
    kept = text.split("\n")
    assert all(line in lines for line in kept[:-1])
    assert kept[-1].startswith("…") and "/stats export" in kept[-1]
    assert whole_lines(lines[:3]) == "\n".join(lines[:3])
