"""/settings, /language and /stop: look at and change what the bot knows about you."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import OpenScreen, OpenSetting, Screen, SettingsField
from bot.keyboards.common import (
    language_keyboard,
    region_keyboard,
    role_keyboard,
)
from bot.screens.common import show
from bot.screens.profile import show_settings
from bot.services.content import Library
from bot.services.users import UserService


async def settings_command(message: Message, profile: Profile, library: Library) -> None:
    await show_settings(message, profile, library)


async def settings_button(callback: CallbackQuery, profile: Profile, library: Library) -> None:
    await show_settings(callback, profile, library)


async def language_command(message: Message) -> None:
    await show(message, _("Choose your language:"), language_keyboard(onboarding=False))


async def open_setting(
    callback: CallbackQuery, callback_data: OpenSetting, profile: Profile, library: Library
) -> None:
    if callback_data.field is SettingsField.LANGUAGE:
        await show(callback, _("Choose your language:"), language_keyboard(onboarding=False))
    elif callback_data.field is SettingsField.ROLE:
        await show(callback, _("Who are you?"), role_keyboard(onboarding=False))
    else:
        markup = region_keyboard(library, profile.language, onboarding=False)
        await show(callback, _("Which region are you in?"), markup)


async def stop_command(message: Message, profile: Profile, users: UserService) -> None:
    await users.set_subscribed(profile.chat_id, False)
    await message.answer(
        _(
            "Done: you won't get campaign messages any more. Everything else works as before. "
            "To turn them back on, send /start or open /settings."
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(settings_command, Command("settings"))
    router.callback_query.register(settings_button, OpenScreen.filter(F.screen == Screen.SETTINGS))
    router.message.register(language_command, Command("language"))
    router.callback_query.register(open_setting, OpenSetting.filter())
    router.message.register(stop_command, Command("stop"))
    return router
