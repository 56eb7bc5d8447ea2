"""/stats: who uses the bot, what people learned (first attempt vs latest), tips, broadcasts,
and a weekly trend chart; a regional moderator sees their region only."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.filters import menu
from bot.keyboards.callbacks import AdminAction
from bot.screens.common import show
from bot.screens.stats import (
    before_after_chart,
    learning_text,
    overview_text,
    practice_text,
    trend_chart,
)
from bot.services.content import Library
from bot.services.practice_stats import PracticeStatsService, practice_csv
from bot.services.roles import StaffMember
from bot.services.stats import StatsService


async def stats_command(
    target: Message | CallbackQuery,
    member: StaffMember,
    stats: StatsService,
    practice_stats: PracticeStatsService,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    """/stats, or 📊 in the /admin menu: three messages, from the overview to the chart."""
    region = member.region  # a regional moderator sees their region only
    chat_id = target.chat.id if isinstance(target, Message) else target.from_user.id
    users, tips, broadcasts = (
        await stats.users(region),
        await stats.tips(region),
        await stats.broadcasts(region),
    )
    await show(target, overview_text(users, tips, broadcasts, region, library, language))
    await bot.send_message(chat_id, learning_text(await stats.learning(region), library, language))
    chart = BufferedInputFile(trend_chart(await stats.trend(region)), filename="trend.png")
    await bot.send_photo(chat_id, chart, caption=_("Weekly trend"))
    # Practice figures go to the asker's private chat only, never into the shared group,
    # whose every member would otherwise keep a dated series of them (docs/evaluation.md).
    practice = await practice_stats.practice(region)
    private = target.from_user.id if target.from_user else chat_id
    await bot.send_message(private, practice_text(practice, library, language))
    if (change := before_after_chart(practice, library, language)) is not None:
        picture = BufferedInputFile(change, filename="before-after.png")
        await bot.send_photo(private, picture, caption=_("Before and after practice"))


async def stats_export(
    message: Message, member: StaffMember, practice_stats: PracticeStatsService
) -> None:
    """/stats export: the practice and evaluation aggregates as CSV, for a council's report;
    in a private chat only."""
    if message.chat.type != ChatType.PRIVATE:
        await message.answer(_("Send /stats export in a private chat with me."))
        return
    practice = await practice_stats.practice(member.region)
    name = f"qorgan-practice-{member.region or 'all'}.csv"
    await message.answer_document(
        BufferedInputFile(practice_csv(practice), filename=name),
        caption=_(
            "Practice and its checks before and after, by role and region. Counts under 5 are"
            " shown as {small}; a mean of fewer than 5 answers is left empty."
        ).format(small="&lt;5"),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stats_export, Command("stats", magic=F.args.lower() == "export"))
    router.message.register(stats_command, Command("stats"))
    router.callback_query.register(stats_command, menu(AdminAction.STATS))
    return router
