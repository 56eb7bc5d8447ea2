"""Broadcasts as moderators and campaigns see them: create (idempotently), count the
audience, pause, resume, cancel, list. Delivery itself is the Broadcaster's job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from bot.db import Database
from bot.db.repositories import audit, broadcasts
from bot.domain import Audience, Broadcast, BroadcastContent, BroadcastStatus, Language
from bot.services.roles import PermissionDeniedError, StaffMember


class BroadcastControl(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


# Which control applies to which status, and what it leads to.
CONTROLS: dict[BroadcastControl, tuple[set[BroadcastStatus], BroadcastStatus]] = {
    BroadcastControl.PAUSE: ({BroadcastStatus.RUNNING}, BroadcastStatus.PAUSED),
    BroadcastControl.RESUME: ({BroadcastStatus.PAUSED}, BroadcastStatus.RUNNING),
    BroadcastControl.CANCEL: (
        {BroadcastStatus.RUNNING, BroadcastStatus.PAUSED},
        BroadcastStatus.CANCELLED,
    ),
}


class BroadcastNotFoundError(LookupError):
    pass


class BroadcastStateError(ValueError):
    """The control doesn't apply any more (it finished, or someone else acted first)."""


class EmptyBroadcastError(ValueError):
    """Neither language has a text."""


class BroadcastService:
    def __init__(self, db: Database, now: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._now = now
        self._wake: Callable[[], None] = lambda: None

    def on_new_work(self, wake: Callable[[], None]) -> None:
        """Tell the delivery engine when there is something to send."""
        self._wake = wake

    async def audience_size(
        self, content: BroadcastContent, audience: Audience
    ) -> dict[Language, int]:
        async with self._db.transaction() as conn:
            return await broadcasts.count_audience(conn, content.languages, audience)

    async def start(
        self,
        content: BroadcastContent,
        audience: Audience,
        *,
        urgent: bool,
        actor: StaffMember | None,
        idempotency_key: str | None = None,
    ) -> Broadcast | None:
        """Queue a broadcast for everyone in the audience; None if the key was used before.
        `actor` None is the scheduler (a campaign); a person must moderate, and a regional
        moderator may address their own region only, whatever a handler checked."""
        if not content.languages:
            raise EmptyBroadcastError
        if actor is not None and not (
            actor.moderates and (actor.region is None or actor.region == audience.region)
        ):
            raise PermissionDeniedError(actor.user_id)
        actor_id = actor.user_id if actor is not None else None
        now = self._now()
        async with self._db.transaction() as conn:
            broadcast_id = await broadcasts.insert(
                conn,
                content,
                audience,
                urgent=urgent,
                created_by=actor_id,
                idempotency_key=idempotency_key,
                now=now,
            )
            if broadcast_id is None:
                return None
            await broadcasts.enqueue(conn, broadcast_id, content.languages, audience)
            if actor_id is not None:
                await audit.record(
                    conn, actor_id, "broadcast.start", f"broadcast:{broadcast_id}", now
                )
            broadcast = await broadcasts.get(conn, broadcast_id)
        self._wake()
        return broadcast

    async def record_skipped(self, content: BroadcastContent, audience: Audience, key: str) -> bool:
        """Remember an occurrence that was missed for too long, so it is reported once."""
        async with self._db.transaction() as conn:
            created = await broadcasts.insert(
                conn,
                content,
                audience,
                urgent=False,
                created_by=None,
                idempotency_key=key,
                now=self._now(),
                status=BroadcastStatus.SKIPPED,
            )
        return created is not None

    async def was_created(self, key: str) -> bool:
        async with self._db.transaction() as conn:
            return await broadcasts.exists(conn, key)

    async def attach_progress(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await broadcasts.set_progress_message(conn, broadcast_id, chat_id, message_id)

    async def get(self, broadcast_id: int) -> Broadcast:
        async with self._db.transaction() as conn:
            broadcast = await broadcasts.get(conn, broadcast_id)
        if broadcast is None:
            raise BroadcastNotFoundError(broadcast_id)
        return broadcast

    async def recent(self, limit: int = 10, region: str | None = None) -> list[Broadcast]:
        async with self._db.transaction() as conn:
            return await broadcasts.recent(conn, limit, region)

    async def get_as(self, broadcast_id: int, actor: StaffMember) -> Broadcast:
        """The broadcast, if it went to a region `actor` covers (PermissionDeniedError). A
        course's reminder is the course's: to a moderator it does not exist (its small counts
        would say how many were due a session that day)."""
        broadcast = await self.get(broadcast_id)
        if broadcast.content.course_id is not None:
            raise BroadcastNotFoundError(broadcast_id)
        if not actor.covers(broadcast.audience.region):
            raise PermissionDeniedError(actor.user_id)
        return broadcast

    async def recent_as(self, actor: StaffMember, limit: int = 10) -> list[Broadcast]:
        """The latest broadcasts `actor` may see: a regional moderator's region only."""
        return await self.recent(limit, actor.region)

    async def control(
        self, broadcast_id: int, control: BroadcastControl, actor: StaffMember
    ) -> Broadcast:
        allowed_from, target = CONTROLS[control]
        now = self._now()
        actor_id = actor.user_id
        async with self._db.transaction() as conn:
            broadcast = await broadcasts.get(conn, broadcast_id)
            if broadcast is None or broadcast.content.course_id is not None:
                raise BroadcastNotFoundError(broadcast_id)
            if not (actor.moderates and actor.covers(broadcast.audience.region)):
                raise PermissionDeniedError(actor_id)
            if broadcast.status not in allowed_from:
                raise BroadcastStateError(f"{broadcast.status} -> {target}")
            await broadcasts.set_status(conn, broadcast_id, target, now)
            await audit.record(
                conn, actor_id, f"broadcast.{control.value}", f"broadcast:{broadcast_id}", now
            )
            updated = await broadcasts.get(conn, broadcast_id)
        assert updated is not None
        if target is BroadcastStatus.RUNNING:
            self._wake()
        return updated
