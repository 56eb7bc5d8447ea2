"""/stats: who uses the bot, what people learned (first attempt vs latest), tips, broadcasts,
and a weekly trend chart; a regional moderator sees their region only. Every small cell is
already suppressed by StatsService ("<5")."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Role, TipCategory, TipStatus, parse_enum
from bot.filters import menu
from bot.keyboards.callbacks import AdminAction
from bot.keyboards.common import LANGUAGE_NAMES, role_label
from bot.keyboards.labels import category_label, status_label
from bot.screens.common import show
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.services.stats import Cell, ScoreComparison, StatsService, format_cell, format_share

LIMIT = 4000  # a message holds 4096 characters


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


def _breakdown(cells: dict[str | None, Cell], name: NameOf) -> str:
    return ", ".join(f"{escape(name(key))}: {cell(value)}" for key, value in cells.items())


def _comparison(comparison: ScoreComparison) -> str:
    return _("first try {first} ({first_n} people) → latest {latest} ({latest_n})").format(
        first=format_share(comparison.first.share),
        first_n=cell(comparison.first.people),
        latest=format_share(comparison.latest.share),
        latest_n=cell(comparison.latest.people),
    )


async def overview_text(
    stats: StatsService, region: str | None, library: Library, language: Language
) -> str:
    users, tips, broadcasts = (
        await stats.users(region),
        await stats.tips(region),
        await stats.broadcasts(region),
    )
    median = tips.median_to_first_action
    lines = [
        _("📊 <b>Statistics</b>")
        + (f" · {escape(library.region_name(region, language) or '')}" if region else ""),
        _("Cells under 5 people are shown as {small}.").format(small=cell(None)),
        "",
        _(
            "<b>Users</b>: {total}, subscribed {subscribed}; new this week {this}, last week {last}"
        ).format(
            total=cell(users.total),
            subscribed=cell(users.subscribed),
            this=cell(users.new_this_week),
            last=cell(users.new_last_week),
        ),
        _("By language: {items}").format(
            items=_breakdown(users.by_language, NameOf("language", library, language))
        ),
        _("By role: {items}").format(
            items=_breakdown(users.by_role, NameOf("role", library, language))
        ),
        _("By region: {items}").format(
            items=_breakdown(users.by_region, NameOf("region", library, language))
        ),
        "",
        _("<b>Tips</b>: {total}; median time to the first moderator action: {median}").format(
            total=cell(tips.total),
            median=_("{minutes} min").format(minutes=round(median.total_seconds() / 60))
            if median is not None
            else "—",
        ),
        _("By category: {items}").format(
            items=_breakdown(tips.by_category, NameOf("category", library, language))
        ),
        _("By status: {items}").format(
            items=_breakdown(tips.by_status, NameOf("status", library, language))
        ),
        _("By region: {items}").format(
            items=_breakdown(tips.by_region, NameOf("region", library, language))
        ),
        "",
        _(
            "<b>Broadcasts</b>: {count}; "
            "delivered {sent}, failed {failed}, blocked the bot {blocked}"
        ).format(
            count=broadcasts.broadcasts,
            sent=cell(broadcasts.sent),
            failed=cell(broadcasts.failed),
            blocked=cell(broadcasts.blocked),
        ),
    ]
    return "\n".join(lines)[:LIMIT]


async def learning_text(
    stats: StatsService, region: str | None, library: Library, language: Language
) -> str:
    learning = await stats.learning(region)
    lines = [_("📚 <b>Did people learn?</b>"), ""]
    for quiz_stats in learning.quizzes:
        quiz = library.quiz(quiz_stats.quiz_id)
        title = escape(quiz.title.get(language)) if quiz else quiz_stats.quiz_id
        lines.append(
            _("<b>{title}</b>: started {started}, completed {completed}").format(
                title=title,
                started=cell(quiz_stats.started),
                completed=cell(quiz_stats.completed),
            )
        )
        lines.append("  " + _comparison(quiz_stats.overall))
        for key, comparison in quiz_stats.by_role.items():
            lines.append(f"  {NameOf('role', library, language)(key)}: {_comparison(comparison)}")
        for key, comparison in quiz_stats.by_region.items():
            if comparison.first.share is not None or comparison.latest.share is not None:
                name = NameOf("region", library, language)(key)
                lines.append(f"  {escape(name)}: {_comparison(comparison)}")
    lines += ["", _("<b>Topics</b>: opened · 👍 · 👎")]
    for topic_stats in learning.topics:
        topic = library.topic(topic_stats.topic_id)
        title = escape(topic.title.get(language)) if topic else topic_stats.topic_id
        lines.append(
            f"{title}: {cell(topic_stats.opens)} · {cell(topic_stats.useful)} · "
            f"{cell(topic_stats.not_useful)}"
        )
    return "\n".join(lines)[:LIMIT]


async def show_stats(
    target: Message | CallbackQuery,
    member: StaffMember,
    stats: StatsService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    region = member.region  # a regional moderator sees their region only
    chat_id = target.chat.id if isinstance(target, Message) else target.from_user.id
    await show(target, await overview_text(stats, region, library, language))
    await bot.send_message(chat_id, await learning_text(stats, region, library, language))
    # Imported here: matplotlib is large, and only /stats needs it.
    from bot.services.charts import render_weekly_trend

    trend = await stats.trend(region)
    png = render_weekly_trend(
        trend.weeks,
        {
            _("New users"): trend.new_users,
            _("Quizzes completed"): trend.quiz_completions,
            _("Tips"): trend.tips,
        },
        title=_("Week by week"),
        week_label=_("Week starting"),
    )
    await bot.send_photo(
        chat_id, BufferedInputFile(png, filename="trend.png"), caption=_("Weekly trend")
    )


async def stats_command(
    target: Message | CallbackQuery,
    member: StaffMember,
    stats: StatsService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    """/stats, or 📊 in the /admin menu."""
    await show_stats(target, member, stats, library, language, bot)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stats_command, Command("stats"))
    router.callback_query.register(stats_command, menu(AdminAction.STATS))
    return router
