"""The delivery engine: sends each broadcast's queue at Telegram's pace and never loses a
message, and repeats almost none, across crashes.

Recipients are claimed from the durable queue in batches (about a second of sending), and each
is sent as its own request, started at the rate limiter's pace, so a slow answer holds nobody
else up. Outcomes are recorded by group commit: every answer joins a buffer written in one
transaction at most `flush_seconds` (50 ms) later. A crash repeats only what Telegram accepted
and the database did not record yet: the sends in flight and the answers of the last 50 ms,
at most about 3 messages at 30/s. What was claimed but not sent goes back to the queue at the
next start and is sent once.

A transient failure (a 5xx, a dropped connection, a timeout) does not hold the batch: the
recipient waits in a retry queue for its back-off while the rest of the audience is served,
and is tried again up to `max_attempts` times. A 429 pauses the limiter for everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.db import Database
from bot.db.repositories import broadcasts
from bot.domain import Broadcast, BroadcastContent, BroadcastStatus, Language
from bot.metrics import BROADCAST_MESSAGES, BROADCAST_QUEUE
from bot.services.pacing import QuietHours, RateLimiter

logger = logging.getLogger(__name__)

MAX_RETRY_AFTER_ROUNDS = 10  # 429s for one message before it is marked failed
ERROR_PAUSE_SECONDS = 5.0  # after a failed delivery run (a database error), before the next


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


def _unsent(broadcast: Broadcast) -> int:
    return max(0, broadcast.total - broadcast.sent - broadcast.failed - broadcast.blocked)


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
        flush_seconds: float = 0.05,
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
        self.idle_poll = idle_poll
        self._on_unreachable = on_unreachable
        self._flush_seconds = flush_seconds
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
            try:
                for broadcast in await self._deliverable():
                    if self._stopping:
                        return
                    await self.deliver(broadcast.id)
            except Exception:  # a database error: broadcasts go on after a pause
                logger.exception("Broadcast delivery failed; trying again shortly")
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_timeout())

    async def _deliverable(self) -> list[Broadcast]:
        async with self._db.transaction() as conn:
            running = await broadcasts.with_status(conn, BroadcastStatus.RUNNING)
        BROADCAST_QUEUE.set(sum(_unsent(b) for b in running))
        return [b for b in running if not self._held(b)]

    def _held(self, broadcast: Broadcast) -> bool:
        return not broadcast.urgent and self._quiet is not None and self._quiet.active(self._now())

    def _idle_timeout(self) -> float:
        if self._quiet is not None and self._quiet.active(self._now()):
            until = (self._quiet.ends_after(self._now()) - self._now()).total_seconds()
            return max(1.0, min(self.idle_poll, until))
        return self.idle_poll

    async def deliver(self, broadcast_id: int) -> Broadcast | None:
        """Send one broadcast until it is done, paused, cancelled or held by quiet hours."""
        run = _Delivery(self, broadcast_id)
        logger.info("Broadcast %d: sending", broadcast_id)
        flusher = asyncio.create_task(run.flush_regularly(), name="broadcast-outcomes")
        try:
            broadcast = await run.send_all()
        except asyncio.CancelledError:
            # A stop past its grace, or the process dying: what is claimed is released at
            # the next start. Nothing of this run may go on without it.
            run.abandon()
            raise
        finally:
            # Stopped before the last flush, so that no write of it is cut short.
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        await run.finish()
        if (final := run.broadcast) is not None:  # counts only: nobody is named
            logger.info(
                "Broadcast %d %s: %d sent, %d failed, %d blocked of %d",
                final.id,
                final.status.value,
                final.sent,
                final.failed,
                final.blocked,
                final.total,
            )
        return None if broadcast is None else run.broadcast  # as it stands after the finish

    async def _report(self, broadcast: Broadcast, sent_here: int, started: float) -> None:
        BROADCAST_QUEUE.set(_unsent(broadcast))
        if self._on_progress is None:
            return
        elapsed = max(time.monotonic() - started, 1e-6)
        try:
            await self._on_progress(broadcast, sent_here / elapsed)
        except Exception:  # progress is a courtesy; delivery must go on
            logger.exception("Could not show the progress of broadcast %s", broadcast.id)

    async def _send_one(self, item: _Recipient, content: BroadcastContent) -> _Result:
        """One attempt: the outcome to record, or the recipient back with a time to retry."""
        try:
            await self._sender.send(item.chat_id, item.language, content)
        except RetryAfterError as exc:
            # Telegram's limit is per bot: everyone waits, then this message is tried again.
            self._limiter.pause(exc.seconds)
            item.rounds_of_429 += 1
            if item.rounds_of_429 >= MAX_RETRY_AFTER_ROUNDS:
                return (item.chat_id, "failed", "too many 429 answers")
            return item.retry_after(0.0)
        except UnreachableError as exc:
            return (item.chat_id, "blocked", str(exc)[:200])
        except PermanentError as exc:
            return (item.chat_id, "failed", str(exc)[:200])
        except TransientError as exc:
            item.attempts += 1
            if item.attempts >= self._max_attempts:
                return (item.chat_id, "failed", str(exc)[:200])
            return item.retry_after(self._backoff * 2 ** (item.attempts - 1))
        return (item.chat_id, "sent", None)


@dataclass(slots=True)
class _Recipient:
    chat_id: int
    language: Language
    attempts: int = 0  # transient failures so far
    rounds_of_429: int = 0
    due: float = 0.0  # monotonic time before which it is not tried again

    def retry_after(self, seconds: float) -> _Recipient:
        self.due = time.monotonic() + seconds
        return self


Outcome = tuple[int, str, str | None]  # chat_id, 'sent' | 'failed' | 'blocked', error
_Result = Outcome | _Recipient


class _Delivery:
    """One run of `Broadcaster.deliver`: the claimed recipients, the retries waiting for
    their back-off, the sends in flight, and the outcomes not written yet."""

    def __init__(self, engine: Broadcaster, broadcast_id: int) -> None:
        self.engine = engine
        self.broadcast_id = broadcast_id
        self.claimed: deque[_Recipient] = deque()
        self.retries: list[_Recipient] = []
        self.in_flight: dict[asyncio.Task[_Result], _Recipient] = {}
        self.outcomes: list[Outcome] = []
        self.started = time.monotonic()
        self.sent_here = 0
        self.last_report = 0.0
        self.broadcast: Broadcast | None = None
        # The progress card is edited beside the sending: a slow edit (a 429 waited out)
        # must not delay the writing of outcomes.
        self.reporting: asyncio.Task[None] | None = None
        self.flushing = asyncio.Lock()

    async def send_all(self) -> Broadcast | None:
        engine = self.engine
        while not engine._stopping:
            if not self.claimed and not await self._claim_more():
                if self.broadcast is None or self.broadcast.status is not BroadcastStatus.RUNNING:
                    return self.broadcast
                if engine._held(self.broadcast):
                    return self.broadcast
            recipient = self._next_due()
            if recipient is None:
                if not (self.in_flight or self.retries or self.claimed):
                    return await self._complete()
                await self._wait_for_news()
                continue
            await engine._limiter.acquire()
            task = asyncio.create_task(engine._send_one(recipient, self._content()))
            self.in_flight[task] = recipient
            task.add_done_callback(self._answered)
            if len(self.in_flight) >= engine.batch_size:  # a bounded window in flight
                await self._wait_for_news()
        return None

    def _content(self) -> BroadcastContent:
        assert self.broadcast is not None
        return self.broadcast.content

    async def _claim_more(self) -> bool:
        """Claim the next batch, reading the broadcast's state on the way (a pause or a
        cancel is seen within a batch). False if nothing was claimed."""
        engine = self.engine
        async with engine._db.transaction() as conn:
            self.broadcast = await broadcasts.get(conn, self.broadcast_id)
            if self.broadcast is None or self.broadcast.status is not BroadcastStatus.RUNNING:
                return False
            if engine._held(self.broadcast):
                return False
            batch = await broadcasts.claim(conn, self.broadcast_id, engine.batch_size)
        self.claimed.extend(_Recipient(chat_id, language) for chat_id, language in batch)
        return bool(batch)

    def _next_due(self) -> _Recipient | None:
        now = time.monotonic()
        if self.retries and self.retries[0].due <= now:
            return self.retries.pop(0)
        return self.claimed.popleft() if self.claimed else None

    def _answered(self, task: asyncio.Task[_Result]) -> None:
        recipient = self.in_flight.pop(task)
        if task.cancelled():  # not answered: tried again like a transient failure
            recipient.attempts += 1
            if recipient.attempts >= self.engine._max_attempts:
                self.outcomes.append((recipient.chat_id, "failed", "cancelled"))
            else:
                self.claimed.appendleft(recipient)
            return
        if (error := task.exception()) is not None:
            logger.error("A broadcast send failed unexpectedly: %s", type(error).__name__)
            self.outcomes.append((recipient.chat_id, "failed", type(error).__name__))
            return
        result = task.result()
        if isinstance(result, _Recipient):
            self.retries.append(result)
            self.retries.sort(key=lambda r: r.due)
        else:
            self.outcomes.append(result)

    async def _wait_for_news(self) -> None:
        """Until a send is answered or a retry falls due."""
        timeout = None
        if self.retries:
            timeout = max(0.0, self.retries[0].due - time.monotonic())
        if self.in_flight:
            await asyncio.wait(
                set(self.in_flight), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        elif timeout is not None:
            await asyncio.sleep(timeout)

    async def _complete(self) -> Broadcast | None:
        """Nothing claimed, in flight or waiting: record what is left, and mark the broadcast
        done if the queue is empty."""
        await self.flush()
        async with self.engine._db.transaction() as conn:
            current = await broadcasts.get(conn, self.broadcast_id)
            # Still running (a cancel or pause may have come meanwhile) and nothing left.
            running = current is not None and current.status is BroadcastStatus.RUNNING
            if running and not await broadcasts.has_pending(conn, self.broadcast_id):
                await broadcasts.set_status(
                    conn, self.broadcast_id, BroadcastStatus.DONE, self.engine._now()
                )
            self.broadcast = await broadcasts.get(conn, self.broadcast_id)
        if self.broadcast is not None:
            await self._reported()  # the last figures must be the final ones
            await self.engine._report(self.broadcast, self.sent_here, self.started)
        return self.broadcast

    async def _reported(self) -> None:
        if self.reporting is not None:
            await self.reporting

    async def flush_regularly(self) -> None:
        while True:
            await asyncio.sleep(self.engine._flush_seconds)
            try:
                await self.flush()
            except Exception:  # kept, and written with the next flush
                logger.exception("Could not record broadcast outcomes; trying again")

    async def flush(self) -> None:
        """Group commit: every outcome answered since the last flush, in one transaction.
        One flush at a time; outcomes whose write failed or was cut short are kept for the
        next one."""
        async with self.flushing:
            if not self.outcomes:
                return
            outcomes, self.outcomes = self.outcomes, []
            try:
                async with self.engine._db.transaction() as conn:
                    await broadcasts.record(conn, self.broadcast_id, outcomes)
                    current = await broadcasts.get(conn, self.broadcast_id)
            except BaseException:
                self.outcomes[:0] = outcomes
                raise
        for _, state, _ in outcomes:
            BROADCAST_MESSAGES.labels(state).inc()
        blocked = [chat_id for chat_id, state, _ in outcomes if state == "blocked"]
        if blocked and self.engine._on_unreachable is not None:
            # record() unsubscribed them: profiles held in memory must learn it too.
            self.engine._on_unreachable(blocked)
        self.sent_here += sum(1 for _, state, _ in outcomes if state == "sent")
        every = self.engine._progress_every
        idle = self.reporting is None or self.reporting.done()
        if current is not None and idle and time.monotonic() - self.last_report >= every:
            self.last_report = time.monotonic()
            report = self.engine._report(current, self.sent_here, self.started)
            self.reporting = asyncio.create_task(report, name="broadcast-progress")

    async def finish(self) -> None:
        """On the way out (done, paused, held, stopping): let the sends in flight end and
        record them, and put the recipients not sent back in the queue."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight))
        await self.flush()
        unsent = [r.chat_id for r in (*self.claimed, *self.retries)]
        async with self.engine._db.transaction() as conn:
            if unsent:
                await broadcasts.release(conn, self.broadcast_id, unsent)
            current = await broadcasts.get(conn, self.broadcast_id)
        self.broadcast = current
        await self._reported()
        if current is not None and current.status in {
            BroadcastStatus.PAUSED,
            BroadcastStatus.CANCELLED,
        }:  # the card shows where it stopped, after any edit still on its way
            await self.engine._report(current, self.sent_here, self.started)

    def abandon(self) -> None:
        """The run is cut short: nothing it started may go on unseen."""
        for task in (*self.in_flight, self.reporting):
            if task is not None:
                task.cancel()
