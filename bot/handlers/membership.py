"""Someone blocked or unblocked the bot: stop campaign messages to a chat that can't get them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.types import ChatMemberUpdated

from bot.filters import InChat
from bot.services.users import UserService


async def blocked(event: ChatMemberUpdated, users: UserService) -> None:
    await users.unsubscribe_unreachable(event.chat.id)


async def unblocked(event: ChatMemberUpdated) -> None:
    """Nothing to do: campaign messages stay off until the user turns them on again."""


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.filter(InChat(ChatType.PRIVATE))
    router.my_chat_member.register(blocked, F.new_chat_member.status == ChatMemberStatus.KICKED)
    router.my_chat_member.register(unblocked)
    return router
