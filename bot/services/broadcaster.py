"""The delivery engine: sends each broadcast's queue at Telegram's pace and never loses or
repeats a message across crashes beyond the in-flight window.

A batch of recipients is claimed in one transaction, sent concurrently under the global rate
limiter, and its outcomes recorded in one transaction. A crash between the two leaves the batch
claimed; at the next start it is released and sent again: duplicates are bounded by one batch
(`batch_size`, about a second of sending at the configured rate), and nothing is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.db import Database
from bot.db.repositories import broadcasts
from bot.domain import Broadcast, BroadcastContent, BroadcastStatus, Language
from bot.services.pacing import QuietHours, RateLimiter

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_ROUNDS = 10  # 429s for one message before it is marked failed


class RetryAfterError(Exception):
    """Telegram asked to slow down (429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class UnreachableError(Exception):
    """The chat can't receive messages (blocked the bot, deactivated, not found)."""


class TransientError(Exception):
    """A network error or a 5xx: worth trying again."""


class PermanentError(Exception):
    """Telegram refused this message for good (e.g. a 400 other than chat not found)."""


class Sender(Protocol):
    async def send(self, chat_id: int, language: Language, content: BroadcastContent) -> None:
        """Deliver one message or raise one of the errors above."""


ProgressCallback = Callable[[Broadcast, float], Awaitable[None]]


class Broadcaster:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        limiter: RateLimiter,
        *,
        now: Callable[[], dt.datetime],
        quiet_hours: QuietHours | None = None,
        batch_size: int = 30,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
        progress_every: float = 2.0,
        on_progress: ProgressCallback | None = None,
        idle_poll: float = 30.0,
        on_unreachable: Callable[[list[int]], None] | None = None,
    ) -> None:
        self._db = db
        self._sender = sender
        self._limiter = limiter
        self._now = now
        self._quiet = quiet_hours
        self.batch_size = batch_size
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._progress_every = progress_every
        self._on_progress = on_progress
        self._idle_poll = idle_poll
        self._on_unreachable = on_unreachable
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """A broadcast was created or resumed: look at the queue now."""
        self._wake.set()

    async def recover(self) -> int:
        """At start-up: put recipients claimed before a crash back in the queue."""
        async with self._db.transaction() as conn:
            released = await broadcasts.release_claimed(conn)
        if released:
            logger.info("Resending %d message(s) that were in flight at the last stop", released)
        return released

    async def stop(self, task: asyncio.Task[None], grace_seconds: float) -> None:
        """Let the batch in flight finish and be recorded, then end `task` (the run loop)."""
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Deliver running broadcasts, oldest first, until stopped or cancelled."""
        while not self._stopping:
            self._wake.clear()
            for broadcast in await self._deliverable():
                if self._stopping:
                    return
                await self.deliver(broadcast.id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_timeout())

    async def _deliverable(self) -> list[Broadcast]:
        async with self._db.transaction() as conn:
            running = await broadcasts.with_status(conn, BroadcastStatus.RUNNING)
        return [b for b in running if not self._held(b)]

    def _held(self, broadcast: Broadcast) -> bool:
        return not broadcast.urgent and self._quiet is not None and self._quiet.active(self._now())

    def _idle_timeout(self) -> float:
        if self._quiet is not None and self._quiet.active(self._now()):
            until = (self._quiet.ends_after(self._now()) - self._now()).total_seconds()
            return max(1.0, min(self._idle_poll, until))
        return self._idle_poll

    async def deliver(self, broadcast_id: int) -> Broadcast | None:
        """Send one broadcast until it is done, paused, cancelled or held by quiet hours."""
        started = time.monotonic()
        sent_here = 0
        last_report = 0.0
        while not self._stopping:
            async with self._db.transaction() as conn:
                broadcast = await broadcasts.get(conn, broadcast_id)
                if broadcast is None or broadcast.status is not BroadcastStatus.RUNNING:
                    return broadcast
                if self._held(broadcast):
                    return broadcast
                batch = await broadcasts.claim(conn, broadcast_id, self.batch_size)
                if not batch and not await broadcasts.has_pending(conn, broadcast_id):
                    await broadcasts.set_status(
                        conn, broadcast_id, BroadcastStatus.DONE, self._now()
                    )
                    broadcast = await broadcasts.get(conn, broadcast_id)
            assert broadcast is not None
            if not batch:
                await self._report(broadcast, sent_here, started)
                return broadcast
            results = await asyncio.gather(
                *(
                    self._send_one(chat_id, language, broadcast.content)
                    for chat_id, language in batch
                )
            )
            async with self._db.transaction() as conn:
                await broadcasts.record(conn, broadcast_id, results)
                current = await broadcasts.get(conn, broadcast_id)
            blocked = [chat_id for chat_id, state, _ in results if state == "blocked"]
            if blocked and self._on_unreachable is not None:
                # record() unsubscribed them: profiles held in memory must learn it too.
                self._on_unreachable(blocked)
            sent_here += sum(1 for _, state, _ in results if state == "sent")
            if current is not None and time.monotonic() - last_report >= self._progress_every:
                last_report = time.monotonic()
                await self._report(current, sent_here, started)
        return None

    async def _report(self, broadcast: Broadcast, sent_here: int, started: float) -> None:
        if self._on_progress is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        try:
            await self._on_progress(broadcast, sent_here / elapsed)
        except Exception:  # progress is a courtesy; delivery must go on
            logger.exception("Could not show the progress of broadcast %s", broadcast.id)

    async def _send_one(
        self, chat_id: int, language: Language, content: BroadcastContent
    ) -> tuple[int, str, str | None]:
        attempt = 0
        rounds_of_429 = 0
        while True:
            await self._limiter.acquire()
            try:
                await self._sender.send(chat_id, language, content)
            except RetryAfterError as exc:
                # Telegram's limit is per bot: everyone waits, then this message is retried.
                self._limiter.pause(exc.seconds)
                rounds_of_429 += 1
                if rounds_of_429 >= MAX_RETRY_AFTER_ROUNDS:
                    return chat_id, "failed", "too many 429 answers"
            except UnreachableError as exc:
                return chat_id, "blocked", str(exc)[:200]
            except PermanentError as exc:
                return chat_id, "failed", str(exc)[:200]
            except TransientError as exc:
                attempt += 1
                if attempt >= self._max_attempts:
                    return chat_id, "failed", str(exc)[:200]
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            else:
                return chat_id, "sent", None
