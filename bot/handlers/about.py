"""/help and /privacy: what the bot does, what it stores and what it never stores; open to
everyone, before onboarding too."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.domain import Profile
from bot.keyboards.callbacks import OpenScreen, Screen
from bot.keyboards.common import main_menu, only_menu_button
from bot.screens.about import help_text, privacy_text
from bot.screens.common import show
from bot.services.content import Library


async def help_command(
    message: Message, profile: Profile | None, features: Sequence[Screen], library: Library
) -> None:
    # One message: the help, with the menu under it for those who have one.
    onboarded = profile is not None and profile.onboarded
    text = help_text().format(emergency=library.help.phone("emergency_112"))
    await message.answer(text, reply_markup=main_menu(features) if onboarded else None)


async def privacy_command(message: Message) -> None:
    await show(message, privacy_text(), only_menu_button())


async def privacy_button(callback: CallbackQuery) -> None:
    await show(callback, privacy_text(), only_menu_button())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.message.register(privacy_command, Command("privacy"))
    router.callback_query.register(privacy_button, OpenScreen.filter(F.screen == Screen.PRIVACY))
    return router
