"""Group chats: the bot works in private chats only, so it invites people there."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _


async def invite_to_private_chat(message: Message, bot: Bot) -> None:
    me = await bot.me()
    button = InlineKeyboardButton(
        text=_("✉️ Write to me privately"), url=f"https://t.me/{me.username}?start=group"
    )
    await message.answer(
        _("Hi! I talk one to one, so that what you ask stays between us. Write to me privately."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


async def stay_silent(message: Message) -> None:
    """Everything else in a group is other people's conversation: handled, and not answered."""


async def not_for_you(callback: CallbackQuery) -> None:
    """A button in a group that its presser may not use (a moderator's card, say)."""
    await callback.answer(_("This button is not for you."), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(invite_to_private_chat, CommandStart())
    router.message.register(stay_silent)
    router.callback_query.register(not_for_you)
    return router
