"""Chooses the interface language: the saved choice, else Telegram's language_code, in the
formal register for adults (parents, teachers, the moderators' chat). Handlers get the
language once, as `language: Language`, instead of rebuilding it from the i18n context."""

from __future__ import annotations

from typing import Any

from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.domain import Language, Profile
from bot.i18n import is_adult, language_from_telegram, locale_of


class LocaleMiddleware(I18nMiddleware):
    def __init__(
        self, i18n: I18n, moderator_chat_id: int | None, moderator_language: Language
    ) -> None:
        super().__init__(i18n)
        self._moderator_chat_id = moderator_chat_id
        self._moderator_language = moderator_language

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        language, formal = self._reader(data)
        data["language"] = language
        return locale_of(language, formal)

    def _reader(self, data: dict[str, Any]) -> tuple[Language, bool]:
        """The reader's language, and whether they are addressed formally (an adult)."""
        chat: Chat | None = data.get("event_chat")
        profile: Profile | None = data.get("profile")
        if chat is not None and chat.id == self._moderator_chat_id:
            # One language for the shared moderators' chat, whoever presses a button.
            return self._moderator_language, True
        if profile is not None:
            return profile.language, is_adult(profile)
        user: User | None = data.get("event_from_user")
        return language_from_telegram(user.language_code if user else None), False
