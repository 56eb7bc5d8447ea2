"""Showing a new tip's receipt code, of which there is no other copy.

The code is stored only as a hash, so a receipt that never reached the reporter would be lost
for good, and the reporter could never follow up. Until Telegram confirms it was shown, the
receipt is held in the chat's draft (in memory, with nothing else: DESIGN.md, drafts are
transient). A failed attempt is retried; if Telegram stays unreachable, the reporter is told to
press Send again, and any button of the form, /report or /cancel then shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.screens.common import show
from bot.services.drafts import DraftStore
from bot.telegram_session import paced_by_caller

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A 429 asking for longer than this is not waited out here: the reporter presses again.
LONGEST_WAIT_SECONDS = 5.0


async def show_receipt(
    target: Message | CallbackQuery, receipt: str, drafts: DraftStore, state: FSMContext
) -> bool:
    """Show the receipt (in place of the form, for a button); forget it once Telegram took
    it, or refused it for good (the chat blocked the bot, for one)."""
    chat_id = target.from_user.id if target.from_user else 0
    held = await drafts.held_receipt(chat_id)
    first = held.first_message_id if held is not None else None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # Idempotent: if an edit landed but its answer was lost, the retry finds the
            # message already showing the receipt ("not modified"), which counts as shown.
            with paced_by_caller():  # retried here, and the reporter told to press again
                shown = await show(target, receipt)
        except TelegramRetryAfter as exc:
            wait = min(float(exc.retry_after), LONGEST_WAIT_SECONDS)
        except (TelegramServerError, TelegramNetworkError):
            wait = BACKOFF_SECONDS * attempt
        except TelegramAPIError:
            await drafts.discard(chat_id)  # no retry can help: keep nothing about this chat
            await state.clear()
            raise
        else:
            await drafts.mark_sent(chat_id)
            await state.clear()
            if target.bot is not None and first is not None and shown is not None:
                await clear_the_form(target.bot, chat_id, first, shown)
            return True
        if attempt < ATTEMPTS:
            await asyncio.sleep(wait)
    logger.warning("A receipt could not be shown after %d attempts; it waits in memory", ATTEMPTS)
    if isinstance(target, CallbackQuery):
        with contextlib.suppress(TelegramAPIError):
            await target.answer(
                _(
                    "Your report is saved, but Telegram did not let me show its receipt code. "
                    "Press ✅ Send again in a moment to see it."
                ),
                show_alert=True,
            )
    return False


# deleteMessages takes up to 100 ids; a form is a few dozen messages, this bounds a long one.
DELETE_BATCH = 100
MOST_DELETED = 300


async def clear_the_form(bot: Bot, chat_id: int, first: int, receipt_id: int) -> None:
    """Delete the form's messages, the reporter's and the bot's, from the chat: everything
    from the form's first message up to the receipt, which stays. A phone that is looked at
    by someone else then shows a receipt, not the report (DESIGN.md)."""
    ids = list(range(max(first, receipt_id - MOST_DELETED), receipt_id))
    for start in range(0, len(ids), DELETE_BATCH):
        try:
            await bot.delete_messages(chat_id, ids[start : start + DELETE_BATCH])
        except TelegramAPIError as exc:  # too old, or already gone: the receipt matters more
            logger.warning("Could not clear a sent form: %s", type(exc).__name__)
            return


async def show_held_receipt(
    target: Message | CallbackQuery, drafts: DraftStore, state: FSMContext
) -> bool:
    """If a stored tip's receipt still waits to be seen in this chat, show it (True): before
    anything that would replace or discard the draft holding it."""
    chat_id = target.from_user.id if target.from_user else 0
    held = await drafts.held_receipt(chat_id)
    if held is None:
        return False
    await show_receipt(target, held.receipt, drafts, state)
    return True
