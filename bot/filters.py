"""Filters shared by routers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject, User

from bot.domain import Profile
from bot.services.roles import RoleService


class Onboarded(Filter):
    """Passes for users who finished the first-run questions; others fall through to the
    fallback router, which starts onboarding for them."""

    async def __call__(self, event: TelegramObject, profile: Profile | None = None) -> bool:
        return profile is not None and profile.onboarded


class IsModerator(Filter):
    """Passes for owners and moderators, handing the handler their `member` record; anyone
    else falls through, so to them a moderation command is just an unknown command."""

    async def __call__(
        self, event: TelegramObject, roles: RoleService, event_from_user: User | None = None
    ) -> bool | dict[str, Any]:
        if event_from_user is None:
            return False
        member = await roles.member(event_from_user.id)
        if member is None or not member.moderates:
            return False
        return {"member": member}
