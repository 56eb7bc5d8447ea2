"""Filters shared by routers."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.domain import Profile


class Onboarded(Filter):
    """Passes for users who finished the first-run questions; others fall through to the
    fallback router, which starts onboarding for them."""

    async def __call__(self, event: TelegramObject, profile: Profile | None = None) -> bool:
        return profile is not None and profile.onboarded
