"""The command menu Telegram shows next to the input field, in each language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n

from bot.domain import Language
from bot.i18n import DEFAULT_LANGUAGE, N_

logger = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Main menu")),
    ("settings", N_("Language, role, region, messages")),
    ("language", N_("Change the language")),
    ("help", N_("What this bot can do")),
    ("privacy", N_("What the bot stores")),
    ("stop", N_("Stop campaign messages")),
    ("cancel", N_("Leave what you are doing")),
)


def bot_commands(i18n: I18n, language: Language) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=language.value))
        for name, text in COMMANDS
    ]


async def register_commands(bot: Bot, i18n: I18n) -> None:
    """Per-language lists, plus a default for every other Telegram language."""
    try:
        for language in Language:
            await bot.set_my_commands(bot_commands(i18n, language), language_code=language.value)
        await bot.set_my_commands(bot_commands(i18n, DEFAULT_LANGUAGE))
    except TelegramAPIError as exc:
        # The menu is a convenience; the bot works without it, so start anyway.
        logger.warning("Could not register the command menu: %s", exc)
