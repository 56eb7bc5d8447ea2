"""/stats: who uses the bot, what people learned (first attempt vs latest), tips, broadcasts,
and a weekly trend chart; a regional moderator sees their region only."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.filters import menu
from bot.keyboards.callbacks import AdminAction
from bot.screens.common import show
from bot.screens.stats import learning_text, overview_text, trend_chart
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.services.stats import StatsService


async def stats_command(
    target: Message | CallbackQuery,
    member: StaffMember,
    stats: StatsService,
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


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(stats_command, Command("stats"))
    router.callback_query.register(stats_command, menu(AdminAction.STATS))
    return router
