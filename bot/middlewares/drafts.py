"""Hands each report-form handler the chat's draft as `draft`, or says that the draft is gone
and stops there, so that no handler repeats it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.screens.common import show
from bot.screens.receipt import show_receipt
from bot.services.drafts import DraftStore, HeldReceipt, Sending, Sent, TipDraft


class DraftMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message | CallbackQuery)
        drafts: DraftStore = data["drafts"]
        state: FSMContext = data["state"]
        chat_id = event.from_user.id if event.from_user else 0
        match drafts.get(chat_id):
            case TipDraft() as draft:
                data["draft"] = draft
                return await handler(event, data)
            case HeldReceipt(receipt=receipt):
                # The tip is stored; its receipt never reached the reporter: show it now.
                await show_receipt(event, receipt, drafts, state)
            case Sending():
                await event.answer(_("Your report is being sent."))
            case Sent():
                await show(event, already_sent_text())
            case None:
                await state.clear()
                await show(event, draft_gone_text())
        return None


def draft_gone_text() -> str:
    return _(
        "This report draft no longer exists: drafts are deleted after 30 minutes "
        "without activity. Start again with /report."
    )


def already_sent_text() -> str:
    return _(
        "This report was already sent. To see what happened with it, send "
        "/status and your receipt code; to write a new one, /report."
    )
