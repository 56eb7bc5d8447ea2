"""Broadcasts and their per-recipient delivery queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import aiosqlite

from bot.db.repositories.tips import stamp
from bot.domain import (
    Audience,
    Broadcast,
    BroadcastContent,
    BroadcastStatus,
    ButtonKind,
    Language,
    Role,
)

COLUMNS = (
    "id, idempotency_key, created_by, text_kk, text_ru, photo_file_id, button_kind,"
    " button_target, roles, region, urgent, status, total, sent, failed, blocked, created_at,"
    " finished_at, progress_chat_id, progress_message_id"
)
SELECT_BROADCAST = f"SELECT {COLUMNS} FROM broadcasts"  # noqa: S608 - constant columns


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        created_by=row["created_by"],
        content=BroadcastContent(
            text_kk=row["text_kk"],
            text_ru=row["text_ru"],
            photo_file_id=row["photo_file_id"],
            button_kind=ButtonKind(row["button_kind"]) if row["button_kind"] else None,
            button_target=row["button_target"],
        ),
        audience=Audience(
            roles=frozenset(Role(r) for r in row["roles"].split(",") if r),
            region=row["region"],
        ),
        urgent=bool(row["urgent"]),
        status=BroadcastStatus(row["status"]),
        total=row["total"],
        sent=row["sent"],
        failed=row["failed"],
        blocked=row["blocked"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
        finished_at=dt.datetime.fromisoformat(row["finished_at"]) if row["finished_at"] else None,
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
    )


def _csv(values: Sequence[str]) -> str:
    return ",".join(sorted(values))


async def insert(
    conn: aiosqlite.Connection,
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
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO broadcasts (idempotency_key, created_by, text_kk, text_ru,"
        " photo_file_id, button_kind, button_target, roles, region, urgent, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            idempotency_key,
            created_by,
            content.text_kk,
            content.text_ru,
            content.photo_file_id,
            content.button_kind.value if content.button_kind else None,
            content.button_target,
            _csv([r.value for r in audience.roles]),
            audience.region,
            int(urgent),
            status.value,
            stamp(now),
        ),
    )
    return cursor.lastrowid if cursor.rowcount == 1 else None


AUDIENCE_FILTER = (
    " FROM users WHERE subscribed = 1 AND onboarded = 1"
    " AND instr(',' || :languages || ',', ',' || language || ',') > 0"
    " AND instr(',' || :roles || ',', ',' || role || ',') > 0"
    " AND (:region IS NULL OR region = :region)"
)


def _audience_params(languages: Sequence[Language], audience: Audience) -> dict[str, object]:
    return {
        "languages": _csv([language.value for language in languages]),
        "roles": _csv([role.value for role in audience.roles]),
        "region": audience.region,
    }


async def count_audience(
    conn: aiosqlite.Connection, languages: Sequence[Language], audience: Audience
) -> dict[Language, int]:
    async with conn.execute(
        "SELECT language, COUNT(*)" + AUDIENCE_FILTER + " GROUP BY language",
        _audience_params(languages, audience),
    ) as cursor:
        counts = {Language(row[0]): row[1] async for row in cursor}
    return {language: counts.get(language, 0) for language in languages}


async def enqueue(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    languages: Sequence[Language],
    audience: Audience,
) -> int:
    """One row per recipient, in one statement; returns how many."""
    cursor = await conn.execute(
        "INSERT INTO broadcast_deliveries (broadcast_id, chat_id, language)"
        " SELECT :broadcast, chat_id, language" + AUDIENCE_FILTER,
        {"broadcast": broadcast_id, **_audience_params(languages, audience)},
    )
    total = cursor.rowcount
    await conn.execute("UPDATE broadcasts SET total = ? WHERE id = ?", (total, broadcast_id))
    return total


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> Broadcast | None:
    async with conn.execute(SELECT_BROADCAST + " WHERE id = ?", (broadcast_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _broadcast(row)


async def with_status(conn: aiosqlite.Connection, status: BroadcastStatus) -> list[Broadcast]:
    async with conn.execute(
        SELECT_BROADCAST + " WHERE status = ? ORDER BY id", (status.value,)
    ) as cursor:
        return [_broadcast(row) async for row in cursor]


async def recent(
    conn: aiosqlite.Connection, limit: int, region: str | None = None
) -> list[Broadcast]:
    async with conn.execute(
        SELECT_BROADCAST + " WHERE status != 'skipped' AND (? IS NULL OR region = ?)"
        " ORDER BY id DESC LIMIT ?",
        (region, region, limit),
    ) as cursor:
        return [_broadcast(row) async for row in cursor]


async def exists(conn: aiosqlite.Connection, idempotency_key: str) -> bool:
    async with conn.execute(
        "SELECT 1 FROM broadcasts WHERE idempotency_key = ?", (idempotency_key,)
    ) as cursor:
        return await cursor.fetchone() is not None


async def claim(
    conn: aiosqlite.Connection, broadcast_id: int, limit: int
) -> list[tuple[int, Language]]:
    """Mark up to `limit` pending recipients as claimed and return them."""
    async with conn.execute(
        "UPDATE broadcast_deliveries SET state = 'claimed', attempts = attempts + 1"
        " WHERE broadcast_id = :id AND chat_id IN (SELECT chat_id FROM broadcast_deliveries"
        "  WHERE broadcast_id = :id AND state = 'pending' ORDER BY chat_id LIMIT :limit)"
        " RETURNING chat_id, language",
        {"id": broadcast_id, "limit": limit},
    ) as cursor:
        return [(row[0], Language(row[1])) async for row in cursor]


async def record(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    results: Sequence[tuple[int, str, str | None]],
) -> None:
    """Store each recipient's outcome ('sent', 'failed', 'blocked') and update the counts;
    a blocked chat is unsubscribed, so it is not addressed again."""
    await conn.executemany(
        "UPDATE broadcast_deliveries SET state = ?, error = ? WHERE broadcast_id = ?"
        " AND chat_id = ?",
        [(state, error, broadcast_id, chat_id) for chat_id, state, error in results],
    )
    counts = {
        state: sum(1 for _, s, _ in results if s == state)
        for state in ("sent", "failed", "blocked")
    }
    await conn.execute(
        "UPDATE broadcasts SET sent = sent + ?, failed = failed + ?, blocked = blocked + ?"
        " WHERE id = ?",
        (counts["sent"], counts["failed"], counts["blocked"], broadcast_id),
    )
    await conn.executemany(
        "UPDATE users SET subscribed = 0 WHERE chat_id = ?",
        [(chat_id,) for chat_id, state, _ in results if state == "blocked"],
    )


async def release(conn: aiosqlite.Connection, broadcast_id: int, chat_ids: Sequence[int]) -> None:
    """Recipients claimed but not sent (a pause, a stop): back to the queue."""
    await conn.executemany(
        "UPDATE broadcast_deliveries SET state = 'pending' WHERE broadcast_id = ?"
        " AND chat_id = ? AND state = 'claimed'",
        [(broadcast_id, chat_id) for chat_id in chat_ids],
    )


async def release_claimed(conn: aiosqlite.Connection) -> int:
    """After a crash: recipients claimed but never marked go back to the queue."""
    cursor = await conn.execute(
        "UPDATE broadcast_deliveries SET state = 'pending' WHERE state = 'claimed'"
    )
    return cursor.rowcount


async def has_pending(conn: aiosqlite.Connection, broadcast_id: int) -> bool:
    async with conn.execute(
        "SELECT 1 FROM broadcast_deliveries WHERE broadcast_id = ? AND state IN"
        " ('pending', 'claimed') LIMIT 1",
        (broadcast_id,),
    ) as cursor:
        return await cursor.fetchone() is not None


async def set_status(
    conn: aiosqlite.Connection, broadcast_id: int, status: BroadcastStatus, now: dt.datetime
) -> None:
    finished = stamp(now) if status in {BroadcastStatus.DONE, BroadcastStatus.CANCELLED} else None
    await conn.execute(
        "UPDATE broadcasts SET status = ?, finished_at = COALESCE(?, finished_at) WHERE id = ?",
        (status.value, finished, broadcast_id),
    )
    if finished is not None:
        # The counts stay; who got what is not kept once the broadcast is over.
        await conn.execute(
            "DELETE FROM broadcast_deliveries WHERE broadcast_id = ?", (broadcast_id,)
        )


async def set_progress_message(
    conn: aiosqlite.Connection, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
        (chat_id, message_id, broadcast_id),
    )


async def campaign_enabled(conn: aiosqlite.Connection, campaign_id: str) -> bool:
    async with conn.execute(
        "SELECT enabled FROM campaign_settings WHERE campaign_id = ?", (campaign_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return True if row is None else bool(row[0])


async def set_campaign_enabled(conn: aiosqlite.Connection, campaign_id: str, enabled: bool) -> None:
    await conn.execute(
        "INSERT INTO campaign_settings (campaign_id, enabled) VALUES (?, ?)"
        " ON CONFLICT (campaign_id) DO UPDATE SET enabled = excluded.enabled",
        (campaign_id, int(enabled)),
    )
