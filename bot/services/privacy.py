"""/forget: everything the bot keeps about one chat goes, on disk and in memory.

On disk, the profile and what hangs on it are deleted and the WAL is truncated, so that with
`secure_delete` no page of the database or its WAL holds the chat's id afterwards. In memory,
the chat's draft, follow-up access, tip quota and receipt-guess count go too.
"""

from __future__ import annotations

from bot.services.drafts import DraftStore
from bot.services.follow_ups import FollowUpAccess
from bot.services.limits import AttemptLimit, DailyQuota
from bot.services.users import UserService


class PrivacyService:
    def __init__(
        self,
        users: UserService,
        drafts: DraftStore,
        follow_ups: FollowUpAccess,
        quota: DailyQuota,
        receipt_guesses: AttemptLimit,
    ) -> None:
        self._users = users
        self._drafts = drafts
        self._follow_ups = follow_ups
        self._quota = quota
        self._receipt_guesses = receipt_guesses

    async def forget(self, chat_id: int) -> None:
        await self._users.forget(chat_id)
        await self._users.checkpoint()
        await self._drafts.discard(chat_id)
        await self._follow_ups.revoke(chat_id)
        await self._quota.forget(chat_id)
        await self._receipt_guesses.forget(chat_id)
