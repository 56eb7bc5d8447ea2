"""/tips: the moderators' queue, unresolved first, filtered by status, category and region;
/tips WORDS searches it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.tips import QueueFilter
from bot.domain import Language, search_words
from bot.filters import menu
from bot.keyboards.callbacks import AdminAction, QueueFilterField, TipQueue, TipQueueFilter
from bot.screens.common import show
from bot.screens.tip_queue import (
    PAGE_SIZE,
    filter_choices,
    queue_keyboard,
    queue_text,
    requested_filter,
    search_keyboard,
    search_results_text,
)
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.services.tips import TipService


async def _show_queue(
    target: Message | CallbackQuery,
    query: TipQueue,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    applied, rows, total = await tips.queue(requested_filter(query), query.page, member, PAGE_SIZE)
    text = queue_text(applied, rows, total, library, language)
    await show(target, text, queue_keyboard(rows, query, total, library, language))


async def tips_command(
    target: Message | CallbackQuery,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    """/tips, or 🗂 in the /admin menu: the first page, unfiltered."""
    await _show_queue(target, TipQueue(), member, tips, library, language)


async def tips_search(
    message: Message,
    command: CommandObject,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    """/tips WORDS: tips whose address, description, links or forward titles hold every word,
    in Kazakh or Russian, whatever their case."""
    words = search_words(command.args or "")
    _, rows, total = await tips.queue(QueueFilter(words=words), 0, member, PAGE_SIZE)
    keyboard = search_keyboard(rows, library, language)
    await message.answer(search_results_text(words, rows, total), reply_markup=keyboard)


async def tips_page(
    callback: CallbackQuery,
    callback_data: TipQueue,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    """A paging, filter or ⬅️ button: the query it carries."""
    await _show_queue(callback, callback_data, member, tips, library, language)


async def choose_filter(
    callback: CallbackQuery,
    callback_data: TipQueueFilter,
    member: StaffMember,
    library: Library,
    language: Language,
) -> None:
    if callback_data.field is QueueFilterField.REGION and member.region is not None:
        await callback.answer(_("You see your region only."), show_alert=True)
        return
    base = TipQueue(
        status=callback_data.status, category=callback_data.category, region=callback_data.region
    )
    choices = filter_choices(callback_data.field, base, library, language)
    await show(callback, _("Show only:"), choices)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(tips_search, Command("tips", magic=F.args.func(search_words)))
    router.message.register(tips_command, Command("tips"))
    router.callback_query.register(tips_command, menu(AdminAction.TIPS))
    router.callback_query.register(tips_page, TipQueue.filter())
    router.callback_query.register(choose_filter, TipQueueFilter.filter())
    return router
