"""Rendering helpers shared by handlers: show a screen in place, and the main menu."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import Screen
from bot.keyboards.common import main_menu
from bot.middlewares.fresh import FRESH_SCREEN

# Edits Telegram refuses for the message, not for the screen: send the screen anew instead.
CANNOT_EDIT = (
    "message to edit not found",  # deleted meanwhile
    "there is no text in the message to edit",  # a photo (a broadcast with a picture)
    "message can't be edited",
)


async def show(
    target: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    alert: str | None = None,
) -> int | None:
    """Answer a command with a new message, or a button by editing its message in place and
    answering the button once (with `alert` as a pop-up, if given). Returns the id of the
    message that shows the screen."""
    if isinstance(target, Message):
        return (await target.answer(text, reply_markup=markup)).message_id
    message = target.message
    shown = message.message_id if message is not None else None
    edited = False
    if isinstance(message, Message) and not FRESH_SCREEN.get():
        try:
            await message.edit_text(text, reply_markup=markup)
            edited = True
        except TelegramBadRequest as exc:
            # Pressing the same button twice asks for the screen already shown.
            edited = "message is not modified" in exc.message
            if not edited and not any(reason in exc.message for reason in CANNOT_EDIT):
                raise
    if not edited and target.bot is not None:
        # Too old to edit (Telegram gives us no content for it), deleted, or a photo.
        chat_id = message.chat.id if message is not None else target.from_user.id
        shown = (await target.bot.send_message(chat_id, text, reply_markup=markup)).message_id
    await target.answer(alert, show_alert=alert is not None)
    return shown


def menu_text() -> str:
    return _("What would you like to do?")


async def show_menu(target: Message | CallbackQuery, features: Sequence[Screen]) -> None:
    await show(target, menu_text(), main_menu(features))


def utc_offset(tz: dt.tzinfo, at: dt.datetime | None = None) -> str:
    """The zone as people in Kazakhstan say it: "UTC+5" (not Babel's zone names)."""
    offset = (at or dt.datetime.now(dt.UTC)).astimezone(tz).utcoffset() or dt.timedelta()
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    minutes = rest // 60
    sign = "+" if offset >= dt.timedelta() else "-"
    return f"UTC{sign}{abs(hours)}" + (f":{minutes:02d}" if minutes else "")
