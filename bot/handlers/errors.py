"""Turns exceptions into answers: known domain errors into a translated reply, anything else
into a logged traceback and an apology. The bot keeps running either way."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.i18n import language_from_telegram, profile_locale, speaking
from bot.logs import where_it_failed
from bot.services.learning import UnknownContentError
from bot.services.users import InvalidChoiceError, UnknownUserError, UserService

logger = logging.getLogger(__name__)


def _locale(profile: Profile | None, user: User | None) -> str:
    if profile is not None:
        return profile_locale(profile)
    return language_from_telegram(user.language_code if user else None).value


async def _reply(update: Update, text: str) -> None:
    """Say it where the user is: as a button's pop-up, or as a message in a private chat."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None and update.message.chat.type == "private":
        await update.message.answer(text)


async def stale_choice(event: ErrorEvent, i18n: I18n, **data: Any) -> None:
    with speaking(i18n, _locale(data.get("profile"), data.get("event_from_user"))):
        await _reply(event.update, _("This button is out of date. Send /start to open the menu."))


async def unknown_user(event: ErrorEvent, i18n: I18n, **data: Any) -> None:
    with speaking(i18n, _locale(data.get("profile"), data.get("event_from_user"))):
        await _reply(event.update, _("Let's start from the beginning: send /start."))


async def unreachable_user(event: ErrorEvent, users: UserService, **data: Any) -> None:
    """Telegram refused delivery (the user blocked the bot): there is nobody to apologise to."""
    chat = data.get("event_chat")
    if chat is not None and chat.type == "private":
        await users.unsubscribe_unreachable(chat.id)
    logger.info("Update %s: the chat cannot be reached any more", event.update.update_id)


async def unexpected_error(event: ErrorEvent, i18n: I18n, **data: Any) -> None:
    # The update id, not the user: log lines must not tie anyone to what they did.
    logger.error("Update %s failed: %s", event.update.update_id, where_it_failed(event.exception))
    with speaking(i18n, _locale(data.get("profile"), data.get("event_from_user"))):
        try:
            await _reply(
                event.update,
                _("Sorry, something went wrong on my side. Please try again in a minute."),
            )
        except Exception:  # noqa: BLE001 - the apology is best effort; the error is logged above
            logger.warning("Could not send the apology for update %s", event.update.update_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(
        stale_choice, ExceptionTypeFilter(InvalidChoiceError, UnknownContentError)
    )
    router.errors.register(unknown_user, ExceptionTypeFilter(UnknownUserError))
    router.errors.register(unreachable_user, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(unexpected_error)
    return router
