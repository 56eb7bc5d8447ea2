"""/start: the bilingual greeting for newcomers, the menu for everyone who has onboarded."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import PickSubscription, Screen
from bot.keyboards.common import language_keyboard
from bot.screens.common import show_menu
from bot.screens.profile import greeting

router = Router(name=__name__)


def _subscribe_offer() -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("🔔 Turn on campaign messages"),
        callback_data=PickSubscription(on=True, onboarding=False),
    )
    return builder.as_markup()


async def start(
    message: Message,
    profile: Profile | None,
    state: FSMContext,
    i18n: I18n,
    features: Sequence[Screen],
) -> None:
    await state.clear()
    if profile is None or not profile.onboarded:
        await message.answer(greeting(i18n), reply_markup=language_keyboard(onboarding=True))
        return
    if not profile.subscribed:
        await message.answer(
            _(
                "Welcome back! Campaign messages are off. "
                "You can turn them on here or in /settings."
            ),
            reply_markup=_subscribe_offer(),
        )
    await show_menu(message, features)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    return router
