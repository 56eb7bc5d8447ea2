"""Tips, their photos and notes. Nothing in these tables refers to a reporter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.domain import PlaceGroup, Tip, TipCategory, TipDraftData, TipStatus

TIP_COLUMNS = (
    "id, category, place_key, place_label, region, address, latitude, longitude, description,"
    " status, duplicate_of, public_reply, created_at, first_action_at, closed_at, purged"
)


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def stamp(moment: dt.datetime) -> str:
    """UTC, to the minute: enough for moderators, nothing finer to correlate."""
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0).isoformat()


def _tip(row: aiosqlite.Row, photos: tuple[str, ...]) -> Tip:
    created = _time(row["created_at"])
    assert created is not None
    return Tip(
        id=row["id"],
        category=TipCategory(row["category"]),
        place_key=row["place_key"],
        place_label=row["place_label"],
        region=row["region"],
        address=row["address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        description=row["description"],
        status=TipStatus(row["status"]),
        duplicate_of=row["duplicate_of"],
        public_reply=row["public_reply"],
        created_at=created,
        first_action_at=_time(row["first_action_at"]),
        closed_at=_time(row["closed_at"]),
        purged=bool(row["purged"]),
        photo_file_ids=photos,
    )


async def insert(
    conn: aiosqlite.Connection, draft: TipDraftData, receipt_hash: str, now: dt.datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO tips (category, place_key, place_label, region, address, latitude,"
        " longitude, description, receipt_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            draft.category,
            draft.place_key,
            draft.place_label,
            draft.region,
            draft.address,
            draft.latitude,
            draft.longitude,
            draft.description,
            receipt_hash,
            stamp(now),
        ),
    )
    tip_id = cursor.lastrowid
    assert tip_id is not None
    await conn.executemany(
        "INSERT INTO tip_photos (tip_id, position, file_id) VALUES (?, ?, ?)",
        [(tip_id, position, file_id) for position, file_id in enumerate(draft.photo_file_ids)],
    )
    return tip_id


async def _photos(conn: aiosqlite.Connection, tip_id: int) -> tuple[str, ...]:
    async with conn.execute(
        "SELECT file_id FROM tip_photos WHERE tip_id = ? ORDER BY position", (tip_id,)
    ) as cursor:
        return tuple([row[0] async for row in cursor])


async def get(conn: aiosqlite.Connection, tip_id: int) -> Tip | None:
    async with conn.execute(f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ?", (tip_id,)) as cursor:  # noqa: S608 - constant column list
        row = await cursor.fetchone()
    return None if row is None else _tip(row, await _photos(conn, tip_id))


async def get_by_receipt(conn: aiosqlite.Connection, receipt_hash: str) -> Tip | None:
    async with conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE receipt_hash = ?",  # noqa: S608 - constant column list
        (receipt_hash,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _tip(row, ())


async def place_group(conn: aiosqlite.Connection, place_key: str) -> PlaceGroup | None:
    async with conn.execute(
        "SELECT COUNT(*), MIN(created_at), MAX(created_at), MIN(id) FROM tips WHERE place_key = ?",
        (place_key,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None or not row[0]:
        return None
    first, last = _time(row[1]), _time(row[2])
    assert first is not None
    assert last is not None
    return PlaceGroup(size=row[0], first_reported=first, last_reported=last, first_tip_id=row[3])


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: TipStatus | None = None
    category: TipCategory | None = None
    region: str | None = None


# A NULL filter matches everything, so each query is one fixed, parameterized statement.
_QUEUE_WHERE = (
    " WHERE (:status IS NULL OR t.status = :status)"
    " AND (:category IS NULL OR t.category = :category)"
    " AND (:region IS NULL OR t.region = :region)"
)
QUEUE_COUNT = "SELECT COUNT(*) FROM tips t" + _QUEUE_WHERE  # noqa: S608 - constants only
QUEUE_PAGE = (
    "SELECT t.id, t.category, t.status, t.region, t.place_key, t.created_at,"  # noqa: S608
    " (SELECT COUNT(*) FROM tips g WHERE g.place_key = t.place_key) AS group_size"
    " FROM tips t" + _QUEUE_WHERE + " ORDER BY t.status IN ('new', 'in_review', 'confirmed') DESC,"
    " t.id DESC LIMIT :limit OFFSET :offset"
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    category: TipCategory
    status: TipStatus
    region: str | None
    place_key: str | None
    group_size: int
    created_at: dt.datetime


async def queue(
    conn: aiosqlite.Connection, where: QueueFilter, limit: int, offset: int
) -> tuple[list[QueueRow], int]:
    """A page of tips, unresolved first, newest first within each; and the total count."""
    params: dict[str, object] = {
        "status": where.status,
        "category": where.category,
        "region": where.region,
        "limit": limit,
        "offset": offset,
    }
    async with conn.execute(QUEUE_COUNT, params) as cursor:
        row = await cursor.fetchone()
        total = row[0] if row else 0
    async with conn.execute(QUEUE_PAGE, params) as cursor:
        rows = [
            QueueRow(
                id=r["id"],
                category=TipCategory(r["category"]),
                status=TipStatus(r["status"]),
                region=r["region"],
                place_key=r["place_key"],
                group_size=r["group_size"] if r["place_key"] else 1,
                created_at=dt.datetime.fromisoformat(r["created_at"]),
            )
            async for r in cursor
        ]
    return rows, total


async def set_status(
    conn: aiosqlite.Connection,
    tip_id: int,
    status: TipStatus,
    now: dt.datetime,
    duplicate_of: int | None = None,
) -> None:
    await conn.execute(
        "UPDATE tips SET status = ?, duplicate_of = ?,"
        " first_action_at = COALESCE(first_action_at, ?),"
        " closed_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
        (status.value, duplicate_of, stamp(now), int(status.is_final), stamp(now), tip_id),
    )


async def mark_acted_on(conn: aiosqlite.Connection, tip_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE tips SET first_action_at = COALESCE(first_action_at, ?) WHERE id = ?",
        (stamp(now), tip_id),
    )


async def set_public_reply(conn: aiosqlite.Connection, tip_id: int, text: str) -> None:
    await conn.execute("UPDATE tips SET public_reply = ? WHERE id = ?", (text, tip_id))


async def add_note(
    conn: aiosqlite.Connection, tip_id: int, author_id: int, text: str, now: dt.datetime
) -> None:
    await conn.execute(
        "INSERT INTO tip_notes (tip_id, author_id, text, created_at) VALUES (?, ?, ?, ?)",
        (tip_id, author_id, text, stamp(now)),
    )


async def notes(conn: aiosqlite.Connection, tip_ids: Sequence[int]) -> dict[int, list[str]]:
    if not tip_ids:
        return {}
    marks = ",".join("?" * len(tip_ids))
    async with conn.execute(
        f"SELECT tip_id, text FROM tip_notes WHERE tip_id IN ({marks}) ORDER BY id",  # noqa: S608
        list(tip_ids),
    ) as cursor:
        result: dict[int, list[str]] = {}
        async for row in cursor:
            result.setdefault(row[0], []).append(row[1])
    return result


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    created_at: str
    category: str
    region: str | None
    place_key: str | None
    group_size: int
    status: str


async def export_rows(
    conn: aiosqlite.Connection,
    since: dt.datetime,
    until: dt.datetime,
    status: TipStatus | None,
    region: str | None,
) -> list[ExportRow]:
    async with conn.execute(
        "SELECT t.id, t.created_at, t.category, t.region, t.place_key, t.status,"
        " (SELECT COUNT(*) FROM tips g WHERE g.place_key = t.place_key) AS group_size"
        " FROM tips t WHERE t.created_at >= ? AND t.created_at < ?"
        " AND (? IS NULL OR t.status = ?) AND (? IS NULL OR t.region = ?) ORDER BY t.id",
        (stamp(since), stamp(until), status, status, region, region),
    ) as cursor:
        return [
            ExportRow(
                id=r["id"],
                created_at=r["created_at"],
                category=r["category"],
                region=r["region"],
                place_key=r["place_key"],
                group_size=r["group_size"] if r["place_key"] else 1,
                status=r["status"],
            )
            async for r in cursor
        ]


async def purge_closed_before(conn: aiosqlite.Connection, cutoff: dt.datetime) -> int:
    """Drop the free text and photos of tips closed before `cutoff`; keep what statistics
    count (category, region, status, dates, the normalised place)."""
    cursor = await conn.execute(
        "UPDATE tips SET description = NULL, address = NULL, latitude = NULL, longitude = NULL,"
        " place_label = NULL, purged = 1"
        " WHERE purged = 0 AND closed_at IS NOT NULL AND closed_at < ?",
        (stamp(cutoff),),
    )
    await conn.execute(
        "DELETE FROM tip_photos WHERE tip_id IN (SELECT id FROM tips WHERE purged = 1)"
    )
    await conn.execute(
        "UPDATE tip_notes SET text = '' WHERE tip_id IN (SELECT id FROM tips WHERE purged = 1)"
    )
    return cursor.rowcount
