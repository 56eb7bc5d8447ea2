"""Rendering helpers shared by handlers: show a screen in place, and the main menu."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.callbacks import Screen
from bot.keyboards.common import main_menu


async def show(
    target: Message | CallbackQuery,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer a command with a new message, or a button by editing its message in place."""
    if isinstance(target, Message):
        await target.answer(text, reply_markup=markup)
        return
    message = target.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:
            # Pressing the same button twice asks for the screen already shown.
            if "message is not modified" not in exc.message:
                raise
    elif target.from_user is not None and target.bot is not None:
        # The message is too old to edit (Telegram gives us no content for it): send anew.
        await target.bot.send_message(target.from_user.id, text, reply_markup=markup)
    await target.answer()


def menu_text() -> str:
    return _("What would you like to do?")


async def show_menu(target: Message | CallbackQuery, features: Sequence[Screen]) -> None:
    await show(target, menu_text(), main_menu(features))
