"""Screens about the user themself: the bilingual greeting before a language is chosen, and
their settings."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Profile
from bot.i18n import N_
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import OpenSetting, PickSubscription, SettingsField
from bot.keyboards.common import describe_profile, menu_button
from bot.screens.common import show
from bot.services.content import Library

GREETING = N_(
    'Hi! I\'m Qorgan. I help you stay safe from drugs and from online "easy money" traps. '
    "Choose your language:"
)


def greeting(i18n: I18n) -> str:
    """Shown before a language is chosen, so it speaks both."""
    return "\n\n".join(i18n.gettext(GREETING, locale=language.value) for language in Language)


def settings_keyboard(profile: Profile) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("🌐 Language"), callback_data=OpenSetting(field=SettingsField.LANGUAGE))
    builder.button(text=_("👤 Who I am"), callback_data=OpenSetting(field=SettingsField.ROLE))
    builder.button(text=_("📍 Region"), callback_data=OpenSetting(field=SettingsField.REGION))
    toggle = (
        _("🔕 Turn off campaign messages")
        if profile.subscribed
        else _("🔔 Turn on campaign messages")
    )
    builder.button(
        text=toggle, callback_data=PickSubscription(on=not profile.subscribed, onboarding=False)
    )
    builder.adjust(2, 1, 1)
    builder.row(menu_button())
    return builder.as_markup()


async def show_settings(
    target: Message | CallbackQuery, profile: Profile, library: Library
) -> None:
    text = _("Your settings:") + "\n\n" + describe_profile(profile, library)
    await show(target, text, settings_keyboard(profile))
