"""The main menu and /help."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show_menu
from bot.keyboards.callbacks import OpenScreen, Screen


async def menu_command(message: Message, features: Sequence[Screen]) -> None:
    await show_menu(message, features)


async def menu_button(callback: CallbackQuery, features: Sequence[Screen]) -> None:
    await show_menu(callback, features)


def help_text() -> str:
    return "\n".join(
        (
            _(
                "I'm Qorgan, a bot about staying safe from drugs, "
                "for teenagers, parents and teachers."
            ),
            "",
            _("/start: main menu"),
            _("/help: this message"),
            _("/settings: language, who you are, region, campaign messages"),
            _("/language: change the language"),
            _("/privacy: what I store and what I never store"),
            _("/stop: stop campaign messages"),
            _("/cancel: leave what you are doing"),
            "",
            _("If you are in danger right now, call 112."),
        )
    )


async def help_command(message: Message, features: Sequence[Screen]) -> None:
    await message.answer(help_text())
    await show_menu(message, features)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(menu_command, Command("menu"))
    router.callback_query.register(menu_button, OpenScreen.filter(F.screen == Screen.MENU))
    router.message.register(help_command, Command("help"))
    return router
