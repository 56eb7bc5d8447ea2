"""The queue of updates waiting for the bot, served by ``getUpdates`` like Telegram does.

* ``offset`` confirms every update below it; confirmed updates are forgotten.  A negative
  offset keeps only the last ``-offset`` updates.
* ``timeout`` makes a long poll: the request waits until an update arrives, the timeout
  ends, the fake stops, or a newer ``getUpdates`` takes over (Telegram answers the older
  one ``409 Conflict``).
* ``allowed_updates`` filters update types and is remembered for later calls that omit
  it; an empty list means "all but chat_member, message_reaction, message_reaction_count".

An update is *settled* once the bot can no longer be expected to act on it: it was
confirmed by a later offset, or dropped because its type was not allowed.  Test drivers
wait for that before they look at what the bot did.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fake_telegram.errors import conflict

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CONFLICT = "conflict"
_CLOSED = "closed"
_NEW_UPDATE = "update"


@dataclass(slots=True)
class PendingUpdate:
    """An update not yet confirmed by the bot."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    delivered: bool = False
    # Webhook delivery: a POST of it is under way; no new attempt before `not_before`.
    in_flight: bool = False
    attempts: int = 0
    not_before: float = 0.0

    def json(self) -> dict[str, Any]:
        """The ``Update`` object."""
        return {"update_id": self.update_id, self.kind: self.payload}


class UpdateQueue:
    """Updates for the bot, with Telegram's confirmation and long-polling rules."""

    def __init__(self, first_update_id: int = 1, on_change: Callable[[], None] | None = None):
        self._ids = itertools.count(first_update_id)
        self._pending: list[PendingUpdate] = []
        self._confirmed_upto = first_update_id - 1
        self._dropped: set[int] = set()
        self._delivered: set[int] = set()
        self._acknowledged: set[int] = set()
        self._waiter: asyncio.Future[str] | None = None
        self._closed = False
        self._on_change = on_change or (lambda: None)
        #: The last ``allowed_updates`` a getUpdates passed (None: never passed).
        self.allowed_updates: list[str] | None = None
        #: Updates dropped because their type was not in ``allowed_updates``.
        self.filtered: list[PendingUpdate] = []

    # -- producer side -----------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update and wake a waiting long poll; return its ``update_id``."""
        update = PendingUpdate(next(self._ids), kind, payload)
        self._pending.append(update)
        self._wake(_NEW_UPDATE)
        self._on_change()
        return update.update_id

    @property
    def pending(self) -> list[PendingUpdate]:
        """Updates not confirmed yet (delivered or not)."""
        return list(self._pending)

    def settled(self, update_id: int) -> bool:
        """Whether the bot confirmed the update or it was filtered out."""
        return (
            update_id <= self._confirmed_upto
            or update_id in self._dropped
            or update_id in self._acknowledged
        )

    # -- webhook delivery -----------------------------------------------------------------

    def due_for_webhook(self, now: float, limit: int) -> list[PendingUpdate]:
        """Updates to POST now (not in flight, past their retry pause), oldest first; each
        is marked in flight."""
        due = [u for u in self._ready(len(self._pending) or 1) if not u.in_flight]
        due = [u for u in due if u.not_before <= now][: max(0, limit)]
        for update in due:
            update.in_flight = True
            update.delivered = True
            update.attempts += 1
            self._delivered.add(update.update_id)
        return due

    def acknowledge(self, update: PendingUpdate) -> None:
        """The webhook answered 2xx: the update is done."""
        self._pending = [u for u in self._pending if u is not update]
        self._acknowledged.add(update.update_id)
        self._on_change()

    def retry_later(self, update: PendingUpdate, not_before: float) -> None:
        """The webhook failed: try the update again after a pause."""
        update.in_flight, update.not_before = False, not_before
        self._on_change()

    def delivered(self, update_id: int) -> bool:
        """Whether a getUpdates answer carried the update."""
        return update_id in self._delivered

    def clear(self) -> None:
        """Forget pending updates (``deleteWebhook(drop_pending_updates=True)``)."""
        for update in self._pending:
            self._dropped.add(update.update_id)
        self._pending.clear()
        self._on_change()

    def open(self) -> None:
        """Serve long polls again after :meth:`close` (the fake was restarted)."""
        self._closed = False

    def close(self) -> None:
        """Release a waiting long poll with an empty answer; later polls answer at once."""
        self._closed = True
        self._wake(_CLOSED)

    # -- getUpdates ----------------------------------------------------------------------

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        wait: float,
        allowed_updates: Iterable[str] | None,
    ) -> list[dict[str, Any]]:
        """Answer one getUpdates call, long-polling ``wait`` seconds (its ``timeout``).

        Raises ``ApiError`` 409 when a newer call supersedes it.
        """
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        if offset is not None:
            self._confirm(offset)
        # Only one getUpdates may wait at a time: the newer one wins, like on Telegram.
        self._wake(_CONFLICT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait)
        while True:
            ready = self._ready(max(1, min(limit, 100)))
            if ready or self._closed:
                for update in ready:
                    update.delivered = True
                    self._delivered.add(update.update_id)
                return [update.json() for update in ready]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            if await self._sleep(remaining) == _CONFLICT:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )

    async def _sleep(self, seconds: float) -> str | None:
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            await asyncio.wait({waiter}, timeout=seconds)
        finally:
            if self._waiter is waiter:
                self._waiter = None
            if not waiter.done():
                waiter.cancel()
        return None if waiter.cancelled() else waiter.result()

    def _wake(self, reason: str) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(reason)

    def _confirm(self, offset: int) -> None:
        before = self._confirmed_upto
        if offset > 0:
            self._pending = [u for u in self._pending if u.update_id >= offset]
            self._confirmed_upto = max(self._confirmed_upto, offset - 1)
        elif offset < 0:
            # Keep the last -offset updates; all previous ones are forgotten.
            forgotten, self._pending = self._pending[:offset], self._pending[offset:]
            self._dropped.update(u.update_id for u in forgotten)
        if self._confirmed_upto != before or offset < 0:
            self._on_change()

    def _allowed(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed_updates

    def _ready(self, limit: int) -> list[PendingUpdate]:
        kept: list[PendingUpdate] = []
        for update in self._pending:
            if self._allowed(update.kind):
                kept.append(update)
            else:
                self._dropped.add(update.update_id)
                self.filtered.append(update)
        if len(kept) != len(self._pending):
            self._pending = kept
            self._on_change()
        return kept[:limit]
