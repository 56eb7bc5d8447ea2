"""Answers to the profile questions, shared by onboarding and settings.

During onboarding each answer leads to the next question; from settings, back to the summary.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.i18n import profile_locale
from bot.keyboards.callbacks import (
    NO_REGION,
    PickLanguage,
    PickRegion,
    PickRole,
    PickSubscription,
    Screen,
)
from bot.keyboards.common import main_menu, region_keyboard, role_keyboard, subscription_keyboard
from bot.screens.common import menu_text, show
from bot.screens.profile import show_settings
from bot.services.content import Library
from bot.services.users import UserService


def role_question() -> str:
    return _("Who are you? This helps me pick what to show you.")


def region_question() -> str:
    return _(
        "Which region are you in? Moderators see how prevention works in each region,"
        " counted without names. You can skip this."
    )


async def pick_language(
    callback: CallbackQuery,
    callback_data: PickLanguage,
    users: UserService,
    library: Library,
    i18n: I18n,
) -> None:
    profile = await users.choose_language(callback.from_user.id, callback_data.language)
    # The locale was chosen before this answer; speak the language just picked.
    with i18n.use_locale(profile_locale(profile)):
        if callback_data.onboarding:
            await show(callback, role_question(), role_keyboard(onboarding=True))
        else:
            await show_settings(callback, profile, library)


async def pick_role(
    callback: CallbackQuery,
    callback_data: PickRole,
    users: UserService,
    library: Library,
    i18n: I18n,
) -> None:
    profile = await users.set_role(callback.from_user.id, callback_data.role)
    # Speak as to the role just picked: an adult is addressed formally from here on.
    with i18n.use_locale(profile_locale(profile)):
        if callback_data.onboarding:
            markup = region_keyboard(library, profile.language, onboarding=True)
            await show(callback, region_question(), markup)
        else:
            await show_settings(callback, profile, library)


async def pick_region(
    callback: CallbackQuery, callback_data: PickRegion, users: UserService, library: Library
) -> None:
    region = None if callback_data.code == NO_REGION else callback_data.code
    profile = await users.set_region(callback.from_user.id, region)
    if callback_data.onboarding:
        question = _(
            "Would you like a few messages a month, for example on 26 June, the International "
            "Day against Drug Abuse? You can turn them off any time with /stop."
        )
        await show(callback, question, subscription_keyboard(onboarding=True))
    else:
        await show_settings(callback, profile, library)


async def pick_subscription(
    callback: CallbackQuery,
    callback_data: PickSubscription,
    users: UserService,
    library: Library,
    features: Sequence[Screen],
) -> None:
    if callback_data.onboarding:
        await users.finish_onboarding(callback.from_user.id, callback_data.on)
        done = _("All set! You can change this any time in /settings.")
        await show(callback, f"{done}\n\n{menu_text()}", main_menu(features))
        return
    profile: Profile = await users.set_subscribed(callback.from_user.id, callback_data.on)
    await show_settings(callback, profile, library)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(pick_language, PickLanguage.filter())
    router.callback_query.register(pick_role, PickRole.filter())
    router.callback_query.register(pick_region, PickRegion.filter())
    router.callback_query.register(pick_subscription, PickSubscription.filter())
    return router
