"""Keyboards of the moderators' follow-up: confirm a reply or a question before the reporter
can read it."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import PreviewAction, TipPreview


def preview_keyboard(tip_id: int) -> InlineKeyboardMarkup:
    def button(text: str, action: PreviewAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=TipPreview(tip=tip_id, action=action).pack()
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✅ Confirm"), PreviewAction.CONFIRM)],
            [button(_("✏️ Edit"), PreviewAction.EDIT), button(_("❌ Cancel"), PreviewAction.CANCEL)],
        ]
    )
