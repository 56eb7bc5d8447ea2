"""/tips: the moderators' queue, unresolved first, filtered by status, category and region."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.tips import QueueFilter, QueueRow
from bot.domain import Language, TipCategory, TipStatus, parse_enum
from bot.filters import menu
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import AdminAction, QueueFilterField, TipOpen, TipQueue, TipQueueFilter
from bot.keyboards.labels import category_label, status_label
from bot.screens.common import show
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.services.tips import TipService

PAGE_SIZE = 10


def _filter(query: TipQueue, member: StaffMember) -> QueueFilter:
    return QueueFilter(
        status=parse_enum(TipStatus, query.status),
        # Volunteers handle wall adverts only.
        category=parse_enum(TipCategory, query.category)
        if member.moderates
        else TipCategory.WALL_ADVERT,
        # A regional moderator sees their region only, whatever the button says.
        region=member.region or query.region or None,
    )


def _row_label(row: QueueRow, library: Library, language: Language) -> str:
    where = row.place or library.region_name(row.region, language) or "—"
    repeats = f" ×{row.group_size}" if row.group_size > 1 else ""
    icon = status_label(row.status).split(" ")[0]
    return f"{icon} #{row.id} {category_label(row.category).split(' ')[0]} {where}{repeats}"[:60]


def queue_keyboard(
    rows: list[QueueRow], query: TipQueue, total: int, library: Library, language: Language
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for row in rows:
        builder.button(text=_row_label(row, library, language), callback_data=TipOpen(tip=row.id))
    builder.adjust(1)
    paging = []
    if query.page > 0:
        paging.append(
            InlineKeyboardButton(
                text="◀️", callback_data=query.model_copy(update={"page": query.page - 1}).pack()
            )
        )
    if (query.page + 1) * PAGE_SIZE < total:
        paging.append(
            InlineKeyboardButton(
                text="▶️", callback_data=query.model_copy(update={"page": query.page + 1}).pack()
            )
        )
    if paging:
        builder.row(*paging)
    keep = {"status": query.status, "category": query.category, "region": query.region}
    builder.row(
        InlineKeyboardButton(
            text=_("Status"),
            callback_data=TipQueueFilter(field=QueueFilterField.STATUS, **keep).pack(),
        ),
        InlineKeyboardButton(
            text=_("Category"),
            callback_data=TipQueueFilter(field=QueueFilterField.CATEGORY, **keep).pack(),
        ),
        InlineKeyboardButton(
            text=_("Region"),
            callback_data=TipQueueFilter(field=QueueFilterField.REGION, **keep).pack(),
        ),
    )
    if any(keep.values()):
        builder.row(InlineKeyboardButton(text=_("Clear filters"), callback_data=TipQueue().pack()))
    return builder.as_markup()


async def show_queue(
    target: Message | CallbackQuery,
    query: TipQueue,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    rows, total = await tips.queue(_filter(query, member), query.page, PAGE_SIZE)
    where = _filter(query, member)
    parts = [
        status_label(where.status) if where.status else None,
        category_label(where.category) if where.category else None,
        library.region_name(where.region, language) if where.region else None,
    ]
    heading = _("<b>Tips</b>: {count} found").format(count=total)
    filters = ", ".join(escape(p) for p in parts if p)
    text = heading + (f"\n{filters}" if filters else "")
    if not rows:
        text += "\n\n" + _("Nothing here.")
    await show(target, text, queue_keyboard(rows, query, total, library, language))


async def tips_command(
    target: Message | CallbackQuery,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    """/tips, or 🗂 in the /admin menu."""
    await show_queue(target, TipQueue(), member, tips, library, language)


async def tips_page(
    callback: CallbackQuery,
    callback_data: TipQueue,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
) -> None:
    await show_queue(callback, callback_data, member, tips, library, language)


async def choose_filter(
    callback: CallbackQuery,
    callback_data: TipQueueFilter,
    member: StaffMember,
    library: Library,
    language: Language,
) -> None:
    base = TipQueue(
        status=callback_data.status, category=callback_data.category, region=callback_data.region
    )
    choices: list[tuple[str, TipQueue]]
    if callback_data.field is QueueFilterField.STATUS:
        choices = [
            (status_label(s), base.model_copy(update={"status": s.value})) for s in TipStatus
        ]
    elif callback_data.field is QueueFilterField.CATEGORY:
        choices = [
            (category_label(c), base.model_copy(update={"category": c.value})) for c in TipCategory
        ]
    elif member.region is not None:
        await callback.answer(_("You see your region only."), show_alert=True)
        return
    else:
        choices = [
            (r.name.get(language), base.model_copy(update={"region": r.code}))
            for r in library.regions
        ]
    builder = InlineKeyboard()
    for text, query in choices:
        builder.button(text=text, callback_data=query)
    builder.adjust(2)
    builder.row(InlineKeyboardButton(text=_("⬅️ Back"), callback_data=base.pack()))
    await show(callback, _("Show only:"), builder.as_markup())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(tips_command, Command("tips"))
    router.callback_query.register(tips_command, menu(AdminAction.TIPS))
    router.callback_query.register(tips_page, TipQueue.filter())
    router.callback_query.register(choose_filter, TipQueueFilter.filter())
    return router
