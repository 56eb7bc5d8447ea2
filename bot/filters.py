"""Filters shared by routers."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import Chat, TelegramObject, User

from bot.domain import Profile
from bot.keyboards.callbacks import AdminAction, AdminOpen
from bot.services.roles import RoleService, StaffMember


class InChat(Filter):
    """The update comes from a chat of one of `types`, or from the chat `chat_id`.

    An async filter on purpose: aiogram runs plain callables (magic filters such as
    `F.chat.type == ...`) in a worker thread, which cost a thread hop on every update when used
    as router filters (measured in bench/updates.py)."""

    def __init__(self, *types: ChatType, chat_id: int | None = None) -> None:
        self.types = frozenset(types)
        self.chat_id = chat_id

    async def __call__(self, event: TelegramObject, event_chat: Chat | None = None) -> bool:
        if event_chat is None:
            return False
        return event_chat.type in self.types or event_chat.id == self.chat_id


class Onboarded(Filter):
    """Passes for users who finished the first-run questions; others fall through to the
    fallback router, which starts onboarding for them."""

    async def __call__(self, event: TelegramObject, profile: Profile | None = None) -> bool:
        return profile is not None and profile.onboarded


class IsStaff(Filter):
    """Passes for staff (owners and moderators; volunteers too unless `moderators_only`),
    handing the handler their `member` record. Anyone else falls through, so to them a staff
    command is just an unknown command."""

    def __init__(self, *, moderators_only: bool = False) -> None:
        self.moderators_only = moderators_only

    async def __call__(
        self, event: TelegramObject, roles: RoleService, event_from_user: User | None = None
    ) -> bool | dict[str, Any]:
        if event_from_user is None:
            return False
        member = await roles.member(event_from_user.id)
        if member is None or (self.moderators_only and not member.moderates):
            return False
        return {"member": member}


def IsModerator() -> IsStaff:  # noqa: N802 - reads as a filter class at the call site
    return IsStaff(moderators_only=True)


class IsOwner(Filter):
    """Passes for owners (ADMIN_IDS) only; the staff filter has put `member` in the data."""

    async def __call__(self, event: TelegramObject, member: StaffMember | None = None) -> bool:
        return member is not None and member.is_owner


def menu(*actions: AdminAction) -> Filter:
    """A button of the /admin menu, for these actions."""
    return AdminOpen.filter(F.action.in_(set(actions)))
