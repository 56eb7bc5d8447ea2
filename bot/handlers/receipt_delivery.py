"""Showing a new tip's receipt code, of which there is no other copy.

The code is stored only as a hash, so a receipt that never reached the reporter would be lost
for good, and the reporter could never follow up. Until Telegram confirms it was shown, the
receipt is held in the chat's draft (in memory, with nothing else: DESIGN.md, drafts are
transient). A failed attempt is retried; if Telegram stays unreachable, the reporter is told to
press Send again, and any button of the form then shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.handlers.common import show
from bot.services.drafts import DraftStore

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A 429 asking for longer than this is not waited out here: the reporter presses again.
LONGEST_WAIT_SECONDS = 5.0


async def show_receipt(
    callback: CallbackQuery, receipt: str, drafts: DraftStore, state: FSMContext
) -> bool:
    """Show the receipt in place of the form; forget it only once Telegram took it."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            # Idempotent: if an edit landed but its answer was lost, the retry finds the
            # message already showing the receipt ("not modified"), which counts as shown.
            await show(callback, receipt)
        except TelegramRetryAfter as exc:
            wait = min(float(exc.retry_after), LONGEST_WAIT_SECONDS)
        except (TelegramServerError, TelegramNetworkError):
            wait = BACKOFF_SECONDS * attempt
        else:
            drafts.discard(callback.from_user.id)
            await state.clear()
            return True
        if attempt < ATTEMPTS:
            await asyncio.sleep(wait)
    logger.warning("A receipt could not be shown after %d attempts; it waits in memory", ATTEMPTS)
    with contextlib.suppress(TelegramAPIError):
        await callback.answer(
            _(
                "Your report is saved, but Telegram did not let me show its receipt code. "
                "Press ✅ Send again in a moment to see it."
            ),
            show_alert=True,
        )
    return False
