"""Broadcasts and their per-recipient delivery queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.db import dialect
from bot.db.repositories.tips import stamp
from bot.db.schema import broadcast_deliveries, broadcasts, campaign_settings, users
from bot.domain import (
    Audience,
    Broadcast,
    BroadcastContent,
    BroadcastStatus,
    ButtonKind,
    Language,
    Role,
)

SELECT_BROADCAST = select(broadcasts)


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(
        id=row.id,
        idempotency_key=row.idempotency_key,
        created_by=row.created_by,
        content=BroadcastContent(
            text_kk=row.text_kk,
            text_ru=row.text_ru,
            photo_file_id=row.photo_file_id,
            button_kind=ButtonKind(row.button_kind) if row.button_kind else None,
            button_target=row.button_target,
            course_id=row.course_id,
        ),
        audience=Audience(
            roles=frozenset(Role(r) for r in row.roles.split(",") if r),
            region=row.region,
        ),
        urgent=row.urgent,
        status=BroadcastStatus(row.status),
        total=row.total,
        sent=row.sent,
        failed=row.failed,
        blocked=row.blocked,
        created_at=row.created_at,
        finished_at=row.finished_at,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
    )


def _csv(values: Sequence[str]) -> str:
    return ",".join(sorted(values))


async def insert(
    conn: AsyncConnection,
    content: BroadcastContent,
    audience: Audience,
    *,
    urgent: bool,
    created_by: int | None,
    idempotency_key: str | None,
    now: dt.datetime,
    status: BroadcastStatus = BroadcastStatus.RUNNING,
) -> int | None:
    """Create a broadcast; None if one with this idempotency key exists already."""
    statement = (
        dialect.insert(conn, broadcasts)
        .values(
            idempotency_key=idempotency_key,
            created_by=created_by,
            text_kk=content.text_kk,
            text_ru=content.text_ru,
            photo_file_id=content.photo_file_id,
            button_kind=content.button_kind.value if content.button_kind else None,
            button_target=content.button_target,
            course_id=content.course_id,
            roles=_csv([r.value for r in audience.roles]),
            region=audience.region,
            urgent=urgent,
            status=status.value,
            created_at=stamp(now),
        )
        .on_conflict_do_nothing()
        .returning(broadcasts.c.id)
    )
    broadcast_id: int | None = await conn.scalar(statement)
    return broadcast_id


def _audience(languages: Sequence[Language], audience: Audience) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        users.c.subscribed.is_(true()),
        users.c.onboarded.is_(true()),
        users.c.language.in_([language.value for language in languages]),
        users.c.role.in_([role.value for role in audience.roles]),
    ]
    if audience.region is not None:
        conditions.append(users.c.region == audience.region)
    return conditions


async def count_audience(
    conn: AsyncConnection, languages: Sequence[Language], audience: Audience
) -> dict[Language, int]:
    result = await conn.execute(
        select(users.c.language, func.count())
        .where(*_audience(languages, audience))
        .group_by(users.c.language)
    )
    counts = {Language(row[0]): row[1] for row in result}
    return {language: counts.get(language, 0) for language in languages}


async def enqueue(
    conn: AsyncConnection,
    broadcast_id: int,
    languages: Sequence[Language],
    audience: Audience,
) -> int:
    """One row per recipient, in one statement; returns how many."""
    recipients = select(
        bindparam("broadcast", broadcast_id, type_=broadcasts.c.id.type),
        users.c.chat_id,
        users.c.language,
    ).where(*_audience(languages, audience))
    result = await conn.execute(
        broadcast_deliveries.insert().from_select(
            ["broadcast_id", "chat_id", "language"], recipients
        )
    )
    total = int(result.rowcount)
    await conn.execute(
        update(broadcasts).where(broadcasts.c.id == broadcast_id).values(total=total)
    )
    return total


async def get(conn: AsyncConnection, broadcast_id: int) -> Broadcast | None:
    row = (await conn.execute(SELECT_BROADCAST.where(broadcasts.c.id == broadcast_id))).first()
    return None if row is None else _broadcast(row)


async def with_status(conn: AsyncConnection, status: BroadcastStatus) -> list[Broadcast]:
    result = await conn.execute(
        SELECT_BROADCAST.where(broadcasts.c.status == status.value).order_by(broadcasts.c.id)
    )
    return [_broadcast(row) for row in result]


async def recent(conn: AsyncConnection, limit: int, region: str | None = None) -> list[Broadcast]:
    # A course's reminders are the course's, not a moderator's: they are not listed.
    query = SELECT_BROADCAST.where(
        broadcasts.c.status != "skipped", broadcasts.c.course_id.is_(None)
    )
    if region is not None:
        query = query.where(broadcasts.c.region == region)
    result = await conn.execute(query.order_by(broadcasts.c.id.desc()).limit(limit))
    return [_broadcast(row) for row in result]


async def exists(conn: AsyncConnection, idempotency_key: str) -> bool:
    found = await conn.scalar(
        select(broadcasts.c.id).where(broadcasts.c.idempotency_key == idempotency_key)
    )
    return found is not None


_deliveries = broadcast_deliveries.c


async def claim(conn: AsyncConnection, broadcast_id: int, limit: int) -> list[tuple[int, Language]]:
    """Mark up to `limit` pending recipients as claimed and return them. On PostgreSQL the rows
    are locked with SKIP LOCKED, so two workers never claim the same recipient; SQLite has one
    writer at a time."""
    next_up = (
        select(_deliveries.chat_id)
        .where(_deliveries.broadcast_id == broadcast_id, _deliveries.state == "pending")
        .order_by(_deliveries.chat_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await conn.execute(
        update(broadcast_deliveries)
        .where(_deliveries.broadcast_id == broadcast_id, _deliveries.chat_id.in_(next_up))
        .values(state="claimed", attempts=_deliveries.attempts + 1)
        .returning(_deliveries.chat_id, _deliveries.language)
    )
    return sorted((row[0], Language(row[1])) for row in result)


_SET_OUTCOME = (
    update(broadcast_deliveries)
    .where(
        _deliveries.broadcast_id == bindparam("b_id"), _deliveries.chat_id == bindparam("b_chat")
    )
    .values(state=bindparam("b_state"), error=bindparam("b_error"))
)


async def record(
    conn: AsyncConnection,
    broadcast_id: int,
    results: Sequence[tuple[int, str, str | None]],
) -> None:
    """Store each recipient's outcome ('sent', 'failed', 'blocked') and update the counts;
    a blocked chat is unsubscribed, so it is not addressed again.

    Idempotent: an outcome already stored is not counted again. A flush whose COMMIT went
    through while its task was being cancelled is written again by the next one (the engine
    cannot know it committed); counting it twice made `sent` exceed the messages sent."""
    if not results:
        return
    still_open = set(
        await conn.scalars(
            select(_deliveries.chat_id)
            .where(
                _deliveries.broadcast_id == broadcast_id,
                _deliveries.chat_id.in_([chat_id for chat_id, _, _ in results]),
                _deliveries.state.in_(("claimed", "pending")),
            )
            .with_for_update()
        )
    )
    results = [outcome for outcome in results if outcome[0] in still_open]
    if not results:
        return
    await conn.execute(
        _SET_OUTCOME,
        [
            {"b_id": broadcast_id, "b_chat": chat_id, "b_state": state, "b_error": error}
            for chat_id, state, error in results
        ],
    )
    counts = {
        state: sum(1 for _, s, _ in results if s == state)
        for state in ("sent", "failed", "blocked")
    }
    await conn.execute(
        update(broadcasts)
        .where(broadcasts.c.id == broadcast_id)
        .values(
            sent=broadcasts.c.sent + counts["sent"],
            failed=broadcasts.c.failed + counts["failed"],
            blocked=broadcasts.c.blocked + counts["blocked"],
        )
    )
    blocked = [chat_id for chat_id, state, _ in results if state == "blocked"]
    if blocked:
        await conn.execute(
            update(users).where(users.c.chat_id.in_(blocked)).values(subscribed=False)
        )


async def release(conn: AsyncConnection, broadcast_id: int, chat_ids: Sequence[int]) -> None:
    """Recipients claimed but not sent (a pause, a stop): back to the queue."""
    if not chat_ids:
        return
    await conn.execute(
        update(broadcast_deliveries)
        .where(
            _deliveries.broadcast_id == broadcast_id,
            _deliveries.chat_id.in_(chat_ids),
            _deliveries.state == "claimed",
        )
        .values(state="pending")
    )


async def release_claimed(conn: AsyncConnection) -> int:
    """After a crash: recipients claimed but never marked go back to the queue."""
    result = await conn.execute(
        update(broadcast_deliveries).where(_deliveries.state == "claimed").values(state="pending")
    )
    return int(result.rowcount)


async def has_pending(conn: AsyncConnection, broadcast_id: int) -> bool:
    found = await conn.scalar(
        select(_deliveries.chat_id)
        .where(
            _deliveries.broadcast_id == broadcast_id,
            _deliveries.state.in_(("pending", "claimed")),
        )
        .limit(1)
    )
    return found is not None


async def set_status(
    conn: AsyncConnection, broadcast_id: int, status: BroadcastStatus, now: dt.datetime
) -> None:
    finished = status in {BroadcastStatus.DONE, BroadcastStatus.CANCELLED}
    values: dict[str, object] = {"status": status.value}
    if finished:
        values["finished_at"] = stamp(now)
    await conn.execute(update(broadcasts).where(broadcasts.c.id == broadcast_id).values(values))
    if finished:
        # The counts stay; who got what is not kept once the broadcast is over.
        await conn.execute(
            delete(broadcast_deliveries).where(_deliveries.broadcast_id == broadcast_id)
        )


async def set_progress_message(
    conn: AsyncConnection, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await conn.execute(
        update(broadcasts)
        .where(broadcasts.c.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
    )


async def campaign_enabled(conn: AsyncConnection, campaign_id: str) -> bool:
    enabled = await conn.scalar(
        select(campaign_settings.c.enabled).where(campaign_settings.c.campaign_id == campaign_id)
    )
    return True if enabled is None else bool(enabled)


async def set_campaign_enabled(conn: AsyncConnection, campaign_id: str, enabled: bool) -> None:
    statement = dialect.insert(conn, campaign_settings).values(
        campaign_id=campaign_id, enabled=enabled
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[campaign_settings.c.campaign_id],
            set_={"enabled": statement.excluded.enabled},
        )
    )
