"""The /stats screens: an overview (users, tips, broadcasts), learning (first attempt vs
latest) and the weekly trend chart. Every small cell is already suppressed by StatsService
("<5"); these functions only name and format it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Role, TipCategory, TipStatus, parse_enum
from bot.keyboards.common import LANGUAGE_NAMES, role_label
from bot.keyboards.labels import category_label, status_label
from bot.services.content import Library
from bot.services.practice_stats import (
    SIMULATIONS,
    Change,
    CheckStats,
    CourseStats,
    PracticeStats,
)
from bot.services.stats import (
    Average,
    BroadcastStats,
    Cell,
    LearningStats,
    QuizStats,
    ScoreComparison,
    TipStats,
    Trend,
    UserStats,
    format_cell,
    format_share,
)

LIMIT = 4000  # a message holds 4096 characters


def whole_lines(lines: list[str], limit: int = LIMIT) -> str:
    """The lines that fit in one message, each whole: a line cut in half could cut an HTML tag
    in half too, and Telegram would refuse the message. What is left out is said, not hidden."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    more = _("… and more: /stats export has every figure.")
    kept: list[str] = []
    used = len(more) + 1
    for line in lines:
        if used + len(line) + 1 > limit:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, more])


def cell(value: Cell) -> str:
    """A count for an HTML message: "<5" must be escaped, or Telegram rejects the message."""
    return escape(format_cell(value))


class NameOf:
    """Translated names of the keys of a breakdown (None: not given)."""

    def __init__(self, kind: str, library: Library, language: Language) -> None:
        self.kind, self.library, self.language = kind, library, language

    def __call__(self, key: str | None) -> str:
        if key is None:
            return _("not given")
        if self.kind == "language":
            language = parse_enum(Language, key)
            return LANGUAGE_NAMES[language] if language else key
        if self.kind == "role":
            role = parse_enum(Role, key)
            return role_label(role) if role else key
        if self.kind == "category":
            category = parse_enum(TipCategory, key)
            return category_label(category) if category else key
        if self.kind == "status":
            status = parse_enum(TipStatus, key)
            return status_label(status) if status else key
        return self.library.region_name(key, self.language) or key


class Breakdowns:
    """Formats "By …: name: count, …" lines with names in the reader's language."""

    def __init__(self, library: Library, language: Language) -> None:
        self.library, self.language = library, language

    def __call__(self, kind: str, cells: dict[str | None, Cell]) -> str:
        name = NameOf(kind, self.library, self.language)
        return ", ".join(f"{escape(name(key))}: {cell(value)}" for key, value in cells.items())


def _comparison(comparison: ScoreComparison) -> str:
    return _("first try {first} ({first_n} people) → latest {latest} ({latest_n})").format(
        first=format_share(comparison.first.share),
        first_n=cell(comparison.first.people),
        latest=format_share(comparison.latest.share),
        latest_n=cell(comparison.latest.people),
    )


def _users_lines(users: UserStats, by: Breakdowns) -> list[str]:
    return [
        _(
            "<b>Users</b>: {total}, subscribed {subscribed}; new this week {this}, last week {last}"
        ).format(
            total=cell(users.total),
            subscribed=cell(users.subscribed),
            this=cell(users.new_this_week),
            last=cell(users.new_last_week),
        ),
        _("By language: {items}").format(items=by("language", users.by_language)),
        _("By role: {items}").format(items=by("role", users.by_role)),
        _("By region: {items}").format(items=by("region", users.by_region)),
    ]


def _tips_lines(tips: TipStats, by: Breakdowns) -> list[str]:
    median = tips.median_to_first_action
    minutes = (
        _("{minutes} min").format(minutes=round(median.total_seconds() / 60))
        if median is not None
        else "—"
    )
    return [
        _("<b>Tips</b>: {total}; median time to the first moderator action: {median}").format(
            total=cell(tips.total), median=minutes
        ),
        _("By category: {items}").format(items=by("category", tips.by_category)),
        _("By status: {items}").format(items=by("status", tips.by_status)),
        _("By region: {items}").format(items=by("region", tips.by_region)),
    ]


def _broadcasts_line(broadcasts: BroadcastStats) -> str:
    return _(
        "<b>Broadcasts</b>: {count}; delivered {sent}, failed {failed}, blocked the bot {blocked}"
    ).format(
        count=broadcasts.broadcasts,
        sent=cell(broadcasts.sent),
        failed=cell(broadcasts.failed),
        blocked=cell(broadcasts.blocked),
    )


def overview_text(
    users: UserStats,
    tips: TipStats,
    broadcasts: BroadcastStats,
    region: str | None,
    library: Library,
    language: Language,
) -> str:
    by = Breakdowns(library, language)
    region_name = library.region_name(region, language) if region else None
    lines = [
        _("📊 <b>Statistics</b>") + (f" · {escape(region_name)}" if region_name else ""),
        _("Cells under 5 people are shown as {small}.").format(small=cell(None)),
        "",
        *_users_lines(users, by),
        "",
        *_tips_lines(tips, by),
        "",
        _broadcasts_line(broadcasts),
    ]
    return whole_lines(lines)


def _quiz_lines(quiz_stats: QuizStats, library: Library, language: Language) -> list[str]:
    quiz = library.quiz(quiz_stats.quiz_id)
    title = escape(quiz.title.get(language)) if quiz else quiz_stats.quiz_id
    role_name, region_name = NameOf("role", library, language), NameOf("region", library, language)
    lines = [
        _("<b>{title}</b>: started {started}, completed {completed}").format(
            title=title, started=cell(quiz_stats.started), completed=cell(quiz_stats.completed)
        ),
        "  " + _comparison(quiz_stats.overall),
    ]
    for key, comparison in quiz_stats.by_role.items():
        lines.append(f"  {escape(role_name(key))}: {_comparison(comparison)}")
    for key, comparison in quiz_stats.by_region.items():
        if comparison.first.share is not None or comparison.latest.share is not None:
            lines.append(f"  {escape(region_name(key))}: {_comparison(comparison)}")
    return lines


def learning_text(learning: LearningStats, library: Library, language: Language) -> str:
    lines = [_("📚 <b>Did people learn?</b>"), ""]
    for quiz_stats in learning.quizzes:
        lines += _quiz_lines(quiz_stats, library, language)
    lines += ["", _("<b>Topics</b>: opened · 👍 · 👎")]
    for topic_stats in learning.topics:
        topic = library.topic(topic_stats.topic_id)
        title = escape(topic.title.get(language)) if topic else topic_stats.topic_id
        lines.append(
            f"{title}: {cell(topic_stats.opens)} · {cell(topic_stats.useful)} · "
            f"{cell(topic_stats.not_useful)}"
        )
    return whole_lines(lines)


def trend_chart(trend: Trend) -> bytes:
    """The weekly trend as a PNG, with translated labels."""
    # Imported here: matplotlib is large, and only /stats needs it.
    from bot.services.charts import render_weekly_trend

    return render_weekly_trend(
        trend.weeks,
        {
            _("New users"): trend.new_users,
            _("Quizzes completed"): trend.quiz_completions,
            _("Tips"): trend.tips,
        },
        title=_("Week by week"),
        week_label=_("Week starting"),
    )


def _measure_name(measure: str) -> str:
    names = {
        "perceived_risk": _("perceived risk"),
        "self_efficacy": _("confidence to refuse or act"),
        "intention": _("intention"),
    }
    return names.get(measure, measure)


def _check_label(check: CheckStats, library: Library, language: Language) -> str:
    instrument = library.instrument(check.instrument_id)
    item = (
        next((i for i in instrument.items if i.id == check.item_id), None) if instrument else None
    )
    audience = NameOf("role", library, language)(check.instrument_id)
    if check.scope != SIMULATIONS:
        audience = _("{audience}, course").format(audience=audience)
    return f"{audience} · {_measure_name(item.measure) if item else check.item_id}"


def _mean(average: Average) -> str:
    return "—" if average.share is None else f"{average.share:.1f}"


def _change_line(change: Change) -> str:
    difference = change.difference
    line = _("before {before} (n={before_n}) → after {after} (n={after_n})").format(
        before=_mean(change.before),
        before_n=cell(change.before.people),
        after=_mean(change.after),
        after_n=cell(change.after.people),
    )
    return line if difference is None else f"{line}, {difference:+.1f}"


def _course_lines(course: CourseStats, library: Library, language: Language) -> list[str]:
    known = library.course(course.course_id)
    title = escape(known.title.get(language)) if known else course.course_id
    lines = [
        _(
            "<b>Course «{title}»</b>: started {started}, finished {finished}, stopped {stopped}"
        ).format(
            title=title,
            started=cell(course.started),
            finished=cell(course.finished),
            stopped=cell(course.stopped),
        )
    ]
    if course.started is None:  # fewer than five started: nothing below would show
        return lines
    lines += [
        _(
            "  session {number}: {done} ({kept} of the step before), safe choices {safe},"
            " right answers {right}"
        ).format(
            number=session.number,
            done=cell(session.done),
            kept=format_share(session.kept.share),
            safe=format_share(session.safe.share),
            right=format_share(session.right.share),
        )
        for session in course.sessions
    ]
    region_name, role_name = NameOf("region", library, language), NameOf("role", library, language)
    lines += [
        _("  {role}, {region}: started {started}, finished {finished}").format(
            role=escape(role_name(role or None)),
            region=escape(region_name(region or None)),
            started=cell(started),
            finished=cell(finished),
        )
        for (role, region), (started, finished) in course.by.items()
        if started is not None
    ]
    return lines


def _check_lines(checks: Sequence[CheckStats], library: Library, language: Language) -> list[str]:
    lines: list[str] = []
    region_name = NameOf("region", library, language)
    for check in checks:
        for key, change in check.by.items():
            if key is None:
                label = escape(_check_label(check, library, language))
                lines.append(f"{label}: {_change_line(change)}")
            elif change.difference is not None:
                where = region_name(key[1] or None)
                lines.append(f"  {escape(where)}: {_change_line(change)}")
    return lines


def practice_text(stats: PracticeStats, library: Library, language: Language) -> str:
    """Runs, safe choices on first and later runs, the courses session by session, and the
    checks before and after."""
    lines = [_("🎭 <b>Practice: did it change anything?</b>"), ""]
    if not stats.simulations and not stats.checks and not any(c.started for c in stats.courses):
        lines.append(_("Nobody has practised yet (or fewer than five people, not shown yet)."))
    for s in stats.simulations:
        simulation = library.simulation(s.simulation_id)
        title = escape(simulation.title.get(language)) if simulation else s.simulation_id
        lines.append(
            _(
                "<b>{title}</b>: started {started} (first runs {first}), finished {finished}"
                " first runs and {later} later ones; safe choices {safe_first} on first runs,"
                " {safe_later} on later ones"
            ).format(
                title=title,
                started=cell(s.started),
                first=cell(s.started_first),
                finished=cell(s.finished_first),
                later=cell(s.finished_later),
                safe_first=format_share(s.safe_first.share),
                safe_later=format_share(s.safe_later.share),
            )
        )
    for course in stats.courses:
        lines += ["", *_course_lines(course, library, language)]
    if stats.checks:
        lines += ["", _("<b>Before and after</b> (mean answer from 1 to 5; separate samples):")]
        lines += _check_lines(stats.checks, library, language)
    return whole_lines(lines)


def _plain(label: str) -> str:
    """Without emoji: the chart's font (DejaVu Sans) has letters, not pictures."""
    return "".join(ch for ch in label if ch.isalnum() or ch in " ·-,()").strip()


def before_after_chart(stats: PracticeStats, library: Library, language: Language) -> bytes | None:
    """The means before and after on each measure, for everyone in scope; None if no check
    was answered yet."""
    overall = [(c, c.by[None]) for c in stats.checks if None in c.by]
    if not overall:
        return None
    from bot.services.charts import render_before_after

    return render_before_after(
        [
            _plain(_check_label(check, library, language)).replace(" · ", "\n")
            for check, _c in overall
        ],
        [change.before.share for _check, change in overall],
        [change.after.share for _check, change in overall],
        (_("Before practice"), _("After practice")),
        title=_("Before and after practice"),
    )
