"""The main menu."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.keyboards.callbacks import OpenScreen, Screen
from bot.screens.common import show_menu


async def menu_command(message: Message, features: Sequence[Screen]) -> None:
    await show_menu(message, features)


async def menu_button(callback: CallbackQuery, features: Sequence[Screen]) -> None:
    await show_menu(callback, features)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(menu_command, Command("menu"))
    router.callback_query.register(menu_button, OpenScreen.filter(F.screen == Screen.MENU))
    return router
