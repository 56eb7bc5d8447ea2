"""The command menu Telegram shows next to the input field, in each language; moderators see
their commands too, in the moderators' chat and in the owners' private chats."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.domain import Language
from bot.i18n import DEFAULT_LANGUAGE, N_

logger = logging.getLogger(__name__)

USER_COMMANDS = (
    ("start", N_("Main menu")),
    ("learn", N_("Prevention topics")),
    ("quiz", N_("Quizzes")),
    ("practice", N_("Practise what to say: chat situations")),
    ("report", N_("Report a drug shop anonymously")),
    ("status", N_("Check a report with its code")),
    ("settings", N_("Language, role, region, messages")),
    ("language", N_("Change the language")),
    ("help", N_("What this bot can do")),
    ("privacy", N_("What the bot stores")),
    ("stop", N_("Stop campaign messages")),
    ("forget", N_("Delete everything the bot keeps about you")),
    ("cancel", N_("Leave what you are doing")),
)
MODERATOR_COMMANDS = (
    ("admin", N_("Staff menu")),
    ("tips", N_("Queue of tips")),
    ("export", N_("Export tips as CSV")),
    ("broadcast", N_("Send a message to subscribers")),
    ("broadcasts", N_("Recent broadcasts and their progress")),
    ("campaigns", N_("Scheduled campaign messages")),
    ("stats", N_("Statistics")),
)
OWNER_COMMANDS = (
    ("audit", N_("Audit trail of moderator actions")),
    ("addstaff", N_("Add a moderator or volunteer by id")),
)


def bot_commands(
    i18n: I18n, language: Language, commands: Sequence[tuple[str, str]] = USER_COMMANDS
) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=language.value))
        for name, text in commands
    ]


async def _set(bot: Bot, commands: list[BotCommand], **scope: object) -> None:
    try:
        await bot.set_my_commands(commands, **scope)  # type: ignore[arg-type]
    except TelegramAPIError as exc:
        # The menu is a convenience (an owner may not have opened the bot yet): start anyway.
        logger.warning("Could not register a command menu: %s", exc)


async def register_commands(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """Per-language lists, plus a default for every other Telegram language."""
    for language in Language:
        await _set(bot, bot_commands(i18n, language), language_code=language.value)
    await _set(bot, bot_commands(i18n, DEFAULT_LANGUAGE), scope=BotCommandScopeDefault())
    everything = (*USER_COMMANDS, *MODERATOR_COMMANDS, *OWNER_COMMANDS)
    for owner_id in sorted(settings.admin_ids):
        for language in Language:
            await _set(
                bot,
                bot_commands(i18n, language, everything),
                scope=BotCommandScopeChat(chat_id=owner_id),
                language_code=language.value,
            )
    if settings.moderator_chat_id is not None:
        await _set(
            bot,
            bot_commands(i18n, settings.moderator_language, MODERATOR_COMMANDS),
            scope=BotCommandScopeChat(chat_id=settings.moderator_chat_id),
        )
