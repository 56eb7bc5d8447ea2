"""The shared moderators' chat sees what all its members may see (DESIGN.md): the queue and
the export list links and places, so they open in a staff member's private chat only."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _


async def private_only(message: Message) -> None:
    await message.answer(
        _("Everyone in this chat would see that. Send the command in your private chat with me.")
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(private_only, Command("tips", "export"))
    return router
