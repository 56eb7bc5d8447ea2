"""Chooses the interface language: the saved choice, else Telegram's language_code."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from bot.domain import Profile
from bot.i18n import language_from_telegram


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        profile: Profile | None = data.get("profile")
        if profile is not None:
            return profile.language.value
        user: User | None = data.get("event_from_user")
        return language_from_telegram(user.language_code if user else None).value
