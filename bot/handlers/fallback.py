"""Last resort for anything no feature handled: every message and button gets an answer."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import Screen
from bot.keyboards.common import language_keyboard, main_menu
from bot.screens.common import menu_text
from bot.screens.profile import greeting


def _needs_onboarding(profile: Profile | None) -> bool:
    return profile is None or not profile.onboarded


async def unknown_message(
    message: Message, profile: Profile | None, i18n: I18n, features: Sequence[Screen]
) -> None:
    if _needs_onboarding(profile):
        await message.answer(greeting(i18n), reply_markup=language_keyboard(onboarding=True))
        return
    if message.text is not None and message.text.startswith("/"):
        notice = _("I don't know that command. Here is what I can do:")
    else:
        notice = _("I didn't understand that. Choose from the menu, or send /help.")
    await message.answer(f"{notice}\n\n{menu_text()}", reply_markup=main_menu(features))


async def stale_button(callback: CallbackQuery, profile: Profile | None, i18n: I18n) -> None:
    if _needs_onboarding(profile):
        await callback.answer()
        if callback.message is not None:
            await callback.message.answer(
                greeting(i18n), reply_markup=language_keyboard(onboarding=True)
            )
        return
    await callback.answer(
        _("This button is out of date. Send /start to open the menu."), show_alert=True
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unknown_message)
    router.callback_query.register(stale_button)
    return router
