"""The /tips queue screen: a page of tips with paging and filter buttons, and the filter
choices."""

from __future__ import annotations

from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.db.repositories.tips import QueueFilter, QueueRow
from bot.domain import Language, TipCategory, TipStatus, parse_enum
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import QueueFilterField, TipOpen, TipQueue, TipQueueFilter
from bot.keyboards.labels import category_label, status_label
from bot.services.content import Library

PAGE_SIZE = 10


def requested_filter(query: TipQueue) -> QueueFilter:
    """What the buttons ask for; the service narrows it to what the staff member may see."""
    return QueueFilter(
        status=parse_enum(TipStatus, query.status),
        category=parse_enum(TipCategory, query.category),
        region=query.region or None,
    )


def _row_label(row: QueueRow, library: Library, language: Language) -> str:
    where = row.place or library.region_name(row.region, language) or "—"
    repeats = f" ×{row.group_size}" if row.group_size > 1 else ""
    icon = status_label(row.status).split(" ")[0]
    return f"{icon} #{row.id} {category_label(row.category).split(' ')[0]} {where}{repeats}"[:60]


def _paging(query: TipQueue, total: int) -> list[InlineKeyboardButton]:
    def to_page(text: str, page: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=query.model_copy(update={"page": page}).pack()
        )

    buttons = [to_page("◀️", query.page - 1)] if query.page > 0 else []
    if (query.page + 1) * PAGE_SIZE < total:
        buttons.append(to_page("▶️", query.page + 1))
    return buttons


def _filter_buttons(query: TipQueue) -> list[InlineKeyboardButton]:
    keep = {"status": query.status, "category": query.category, "region": query.region}
    return [
        InlineKeyboardButton(text=text, callback_data=TipQueueFilter(field=field, **keep).pack())
        for text, field in (
            (_("Status"), QueueFilterField.STATUS),
            (_("Category"), QueueFilterField.CATEGORY),
            (_("Region"), QueueFilterField.REGION),
        )
    ]


def queue_keyboard(
    rows: list[QueueRow], query: TipQueue, total: int, library: Library, language: Language
) -> InlineKeyboardMarkup:
    builder = _tip_buttons(rows, library, language)
    if paging := _paging(query, total):
        builder.row(*paging)
    builder.row(*_filter_buttons(query))
    if query.status or query.category or query.region:
        builder.row(InlineKeyboardButton(text=_("Clear filters"), callback_data=TipQueue().pack()))
    return builder.as_markup()


def _tip_buttons(rows: list[QueueRow], library: Library, language: Language) -> InlineKeyboard:
    builder = InlineKeyboard()
    for row in rows:
        builder.button(text=_row_label(row, library, language), callback_data=TipOpen(tip=row.id))
    builder.adjust(1)
    return builder


def search_keyboard(
    rows: list[QueueRow], library: Library, language: Language
) -> InlineKeyboardMarkup:
    """Search results: one page (the words do not fit in a button), and the way back."""
    builder = _tip_buttons(rows, library, language)
    builder.row(InlineKeyboardButton(text=_("Clear search"), callback_data=TipQueue().pack()))
    return builder.as_markup()


def search_results_text(words: tuple[str, ...], rows: list[QueueRow], total: int) -> str:
    text = _("<b>Tips</b>: {count} found").format(count=total)
    text += "\n" + _("Search: {words}").format(words=escape(" ".join(words)))
    if not rows:
        text += "\n\n" + _("Nothing here.")
    elif total > len(rows):
        text += "\n\n" + _("The newest {shown} are shown: add a word to narrow the search.").format(
            shown=len(rows)
        )
    return text


def queue_text(
    applied: QueueFilter, rows: list[QueueRow], total: int, library: Library, language: Language
) -> str:
    parts = [
        status_label(applied.status) if applied.status else None,
        category_label(applied.category) if applied.category else None,
        library.region_name(applied.region, language) if applied.region else None,
    ]
    text = _("<b>Tips</b>: {count} found").format(count=total)
    if filters := ", ".join(escape(p) for p in parts if p):
        text += f"\n{filters}"
    if not rows:  # none at all, or an old page past the end
        text += "\n\n" + _("Nothing here.")
    text += "\n\n" + _("To search: /tips and words from the address, description or a link.")
    return text


def filter_choices(
    field: QueueFilterField, base: TipQueue, library: Library, language: Language
) -> InlineKeyboardMarkup:
    """The values one filter button offers, each a queue query; ⬅️ goes back to `base`."""
    choices: list[tuple[str, TipQueue]]
    if field is QueueFilterField.STATUS:
        choices = [
            (status_label(s), base.model_copy(update={"status": s.value})) for s in TipStatus
        ]
    elif field is QueueFilterField.CATEGORY:
        choices = [
            (category_label(c), base.model_copy(update={"category": c.value})) for c in TipCategory
        ]
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
    return builder.as_markup()
