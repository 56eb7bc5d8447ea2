"""The shared moderators' chat sees what all its members may see (DESIGN.md): the queue and
the export list links and places, so they open in a staff member's private chat only."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.filters import menu
from bot.keyboards.callbacks import AdminAction, TipQueue, TipQueueFilter


def private_only_text() -> str:
    return _("Everyone in this chat would see that. Send the command in your private chat with me.")


async def private_only(message: Message) -> None:
    await message.answer(private_only_text())


async def private_only_button(callback: CallbackQuery) -> None:
    """The queue from /admin, or a forged queue button, pressed in the shared chat."""
    await callback.answer(private_only_text(), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(private_only, Command("tips", "export"))
    router.callback_query.register(private_only_button, menu(AdminAction.TIPS))
    router.callback_query.register(private_only_button, TipQueue.filter())
    router.callback_query.register(private_only_button, TipQueueFilter.filter())
    return router
