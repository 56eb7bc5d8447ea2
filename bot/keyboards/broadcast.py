"""Keyboards of broadcasts: the progress card's controls and the composer's choices."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Broadcast, BroadcastStatus
from bot.keyboards.callbacks import BroadcastAct, BroadcastOpen


def broadcast_controls(broadcast: Broadcast) -> InlineKeyboardMarkup | None:
    row = []
    if broadcast.status is BroadcastStatus.RUNNING:
        row.append((_("⏸ Pause"), "pause"))
    if broadcast.status is BroadcastStatus.PAUSED:
        row.append((_("▶️ Resume"), "resume"))
    if broadcast.status in {BroadcastStatus.RUNNING, BroadcastStatus.PAUSED}:
        row.append((_("⏹ Cancel"), "cancel"))
    buttons = [
        InlineKeyboardButton(
            text=text, callback_data=BroadcastAct(broadcast=broadcast.id, control=control).pack()
        )
        for text, control in row
    ]
    refresh = InlineKeyboardButton(
        text=_("🔄 Refresh"), callback_data=BroadcastOpen(broadcast=broadcast.id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[buttons, [refresh]] if buttons else [[refresh]])
