"""Hands each report-form handler the chat's draft as `draft`, or says that the draft is gone
and stops there, so that no handler repeats it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.screens.common import show
from bot.screens.receipt import show_receipt
from bot.screens.report import already_sent_text, draft_gone_text, refusal_text
from bot.services.drafts import DraftStore, HeldReceipt, Sending, Sent, TipDraft
from bot.services.reporting import SendRefusal


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
        match await drafts.get(chat_id):
            case TipDraft() as draft:
                data["draft"] = draft
                result = await handler(event, data)
                await drafts.save(chat_id, draft)  # what the handler changed, if still a draft
                return result
            case HeldReceipt(receipt=receipt):
                # The tip is stored; its receipt never reached the reporter: show it now.
                await show_receipt(event, receipt, drafts, state)
            case Sending():
                await event.answer(refusal_text(SendRefusal.SENDING))
            case Sent():
                await show(event, already_sent_text())
            case None:
                await state.clear()
                await show(event, draft_gone_text())
        return None
