"""Keyboards of the anonymous report form."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, ReportStep, TipCategory, shorten
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.cache import per_language
from bot.keyboards.callbacks import (
    NO_REGION,
    AnswerQuestion,
    DraftPart,
    ReportAction,
    ReportButton,
    ReportCategory,
    ReportEdit,
    ReportRegion,
    ReportRemove,
)
from bot.keyboards.labels import category_label
from bot.services.content import Library


def _button(text: str, action: ReportAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ReportButton(action=action).pack())


def cancel_row() -> list[InlineKeyboardButton]:
    return [_button(_("❌ Cancel the report"), ReportAction.CANCEL)]


@per_language
def categories_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for category in TipCategory:
        builder.button(
            text=category_label(category), callback_data=ReportCategory(category=category)
        )
    builder.adjust(1)
    builder.row(*cancel_row())
    return builder.as_markup()


@per_language
def step_keyboard(
    *, can_skip: bool, change_region: bool = False, keep: bool = False
) -> InlineKeyboardMarkup:
    """`keep`: the step already has an answer, which Skip would keep."""
    rows = []
    if change_region:
        rows.append([_button(_("🗺 Change the region"), ReportAction.REGION)])
    if can_skip:
        rows.append([_button(_("Keep ➡️") if keep else _("Skip ➡️"), ReportAction.SKIP)])
    rows.append(cancel_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


@per_language
def photos_keyboard(count: int) -> InlineKeyboardMarkup:
    label = _("Done ➡️") if count else _("Skip ➡️")
    action = ReportAction.DONE if count else ReportAction.SKIP
    return InlineKeyboardMarkup(inline_keyboard=[[_button(label, action)], cancel_row()])


def report_regions_keyboard(library: Library, language: Language) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for region in library.regions:
        builder.button(text=region.name.get(language), callback_data=ReportRegion(code=region.code))
    builder.button(text=_("I don't know"), callback_data=ReportRegion(code=NO_REGION))
    builder.adjust(2)
    builder.row(*cancel_row())
    return builder.as_markup()


@per_language
def review_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✅ Send"), ReportAction.SEND)],
            [_button(_("✏️ Edit"), ReportAction.EDIT)],
            cancel_row(),
        ]
    )


def edit_keyboard(category: TipCategory) -> InlineKeyboardMarkup:
    place = _("🔗 The link") if not category.is_in_the_street else _("📍 The place")
    choices = [
        (_("📂 What it is"), ReportStep.CATEGORY),
        (_("🗺 The region"), ReportStep.REGION),
        (place, ReportStep.PLACE),
        (_("📝 The description"), ReportStep.DESCRIPTION),
        (_("📷 The photos"), ReportStep.PHOTOS),
    ]
    builder = InlineKeyboard()
    for text, step in choices:
        builder.button(text=text, callback_data=ReportEdit(step=step))
    builder.button(
        text=_("🗑 Take something out"), callback_data=ReportButton(action=ReportAction.REMOVE)
    )
    builder.adjust(2)
    builder.row(_button(_("⬅️ Back to the report"), ReportAction.REVIEW))
    return builder.as_markup()


# How much of a link or a title fits on a button.
BUTTON_LABEL = 40


def remove_keyboard(parts: list[tuple[DraftPart, int, str]]) -> InlineKeyboardMarkup:
    """One button per removable part of the draft: (part, index, what it shows)."""
    builder = InlineKeyboard()
    for part, index, label in parts:
        builder.button(
            text="✖ " + shorten(label, BUTTON_LABEL),
            callback_data=ReportRemove(part=part, index=index),
        )
    builder.adjust(1)
    builder.row(_button(_("⬅️ Back to the report"), ReportAction.REVIEW))
    return builder.as_markup()


def answer_keyboard(questions: list[tuple[int, str]]) -> InlineKeyboardMarkup | None:
    """A button to answer each open question: (question id, its text)."""
    if not questions:
        return None
    builder = InlineKeyboard()
    for question_id, text in questions:
        builder.button(
            text=_("✍️ Answer: {question}").format(question=shorten(text, BUTTON_LABEL)),
            callback_data=AnswerQuestion(question=question_id),
        )
    builder.adjust(1)
    return builder.as_markup()
