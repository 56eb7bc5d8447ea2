"""Sending a finished report: once, within the chat's daily quota, and never half-way."""

from __future__ import annotations

from enum import StrEnum

from bot.services.drafts import DraftStore, TipDraft
from bot.services.limits import DailyQuota
from bot.services.tips import SubmittedTip, TipService


class SendRefusal(StrEnum):
    INCOMPLETE = "incomplete"  # neither a place nor a description
    SENDING = "sending"  # another press of Send took the draft first
    OVER_QUOTA = "over_quota"  # TIPS_PER_DAY reached


class ReportSender:
    def __init__(self, drafts: DraftStore, quota: DailyQuota, tips: TipService) -> None:
        self._drafts, self._quota, self._tips = drafts, quota, tips

    async def send(self, chat_id: int, draft: TipDraft) -> SubmittedTip | SendRefusal:
        """Store `draft` as a tip; a draft that could not be stored stays in the form."""
        if not (draft.has_place or draft.description):
            return SendRefusal.INCOMPLETE
        # Claimed before anything is awaited: of several presses at once, one sends the draft.
        if not await self._drafts.claim(chat_id, draft):
            return SendRefusal.SENDING
        if not await self._quota.take(chat_id):
            await self._drafts.restore(chat_id, draft)
            return SendRefusal.OVER_QUOTA
        try:
            return await self._tips.submit(draft.to_data())
        except BaseException:
            await self._drafts.restore(chat_id, draft)  # nothing was stored: Send works again
            await self._quota.refund(chat_id)
            raise
