"""Tips, their links, origins, photos, notes and history. Nothing in these tables refers to a
reporter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.domain import (
    EventKind,
    Link,
    LinkSource,
    Origin,
    OriginKind,
    PlaceGroup,
    Tip,
    TipCategory,
    TipDraftData,
    TipEvent,
    TipStatus,
)

TIP_COLUMNS = (
    "id, category, region, address, latitude, longitude, description,"
    " status, duplicate_of, created_at, first_action_at, closed_at, purged"
)


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def stamp(moment: dt.datetime) -> str:
    """UTC, to the minute: for what moderators do."""
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0).isoformat()


def stamp_hour(moment: dt.datetime) -> str:
    """UTC, to the hour: for when a tip arrived, which its reporter's action set; nothing
    finer, so that it cannot be matched with a chat's activity."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class _Parts:
    links: tuple[Link, ...] = ()
    origins: tuple[Origin, ...] = ()
    photo_count: int = 0


def _tip(row: aiosqlite.Row, parts: _Parts) -> Tip:
    created = _time(row["created_at"])
    assert created is not None
    return Tip(
        id=row["id"],
        category=TipCategory(row["category"]),
        links=parts.links,
        origins=parts.origins,
        region=row["region"],
        address=row["address"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        description=row["description"],
        status=TipStatus(row["status"]),
        duplicate_of=row["duplicate_of"],
        created_at=created,
        first_action_at=_time(row["first_action_at"]),
        closed_at=_time(row["closed_at"]),
        purged=bool(row["purged"]),
        photo_count=parts.photo_count,
    )


async def insert(
    conn: aiosqlite.Connection, draft: TipDraftData, receipt_hash: str, now: dt.datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO tips (category, region, address, latitude, longitude, description,"
        " receipt_hash, created_at, changed_at, notice_pending)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        (
            draft.category,
            draft.region,
            draft.address,
            draft.latitude,
            draft.longitude,
            draft.description,
            receipt_hash,
            stamp_hour(now),
            stamp_hour(now),
        ),
    )
    tip_id = cursor.lastrowid
    assert tip_id is not None
    await conn.executemany(
        "INSERT INTO tip_links (tip_id, position, url, place_key, source) VALUES (?, ?, ?, ?, ?)",
        [
            (tip_id, position, link.url, link.key, link.source.value)
            for position, link in enumerate(draft.links)
        ],
    )
    await conn.executemany(
        "INSERT INTO tip_origins (tip_id, position, kind, title, ref_id) VALUES (?, ?, ?, ?, ?)",
        [
            (tip_id, position, origin.kind.value, origin.title, origin.ref_id)
            for position, origin in enumerate(draft.origins)
        ],
    )
    await add_photos(conn, tip_id, draft.photos)
    return tip_id


async def add_photos(
    conn: aiosqlite.Connection, tip_id: int, photos: Sequence[bytes], event_id: int | None = None
) -> None:
    """Append photos (JPEG bytes the bot re-encoded) to a tip, or to one of its answers."""
    async with conn.execute(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM tip_photos WHERE tip_id = ?", (tip_id,)
    ) as cursor:
        row = await cursor.fetchone()
    first = int(row[0]) if row else 0
    await conn.executemany(
        "INSERT INTO tip_photos (tip_id, position, data, event_id) VALUES (?, ?, ?, ?)",
        [(tip_id, first + n, data, event_id) for n, data in enumerate(photos)],
    )


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    position: int
    data: bytes | None  # None once purged, or for a photo stored before re-encoding existed
    file_id: str | None  # the bot's own upload of `data`, once made


async def photos(
    conn: aiosqlite.Connection, tip_id: int, event_id: int | None = None
) -> list[StoredPhoto]:
    """The tip's own photos (event_id None), or those of one answer."""
    async with conn.execute(
        "SELECT position, data, file_id FROM tip_photos WHERE tip_id = ?"
        " AND event_id IS ? ORDER BY position",
        (tip_id, event_id),
    ) as cursor:
        return [StoredPhoto(row[0], row[1], row[2]) async for row in cursor]


async def remember_upload(
    conn: aiosqlite.Connection, tip_id: int, position: int, file_id: str
) -> None:
    await conn.execute(
        "UPDATE tip_photos SET file_id = ? WHERE tip_id = ? AND position = ?",
        (file_id, tip_id, position),
    )


async def _parts(conn: aiosqlite.Connection, tip_id: int) -> _Parts:
    async with conn.execute(
        "SELECT url, place_key, source FROM tip_links WHERE tip_id = ? ORDER BY position",
        (tip_id,),
    ) as cursor:
        links = tuple([Link(r[0], r[1], LinkSource(r[2])) async for r in cursor])
    async with conn.execute(
        "SELECT kind, title, ref_id FROM tip_origins WHERE tip_id = ? ORDER BY position",
        (tip_id,),
    ) as cursor:
        origins = tuple([Origin(OriginKind(r[0]), r[1], r[2]) async for r in cursor])
    async with conn.execute(
        "SELECT COUNT(*) FROM tip_photos WHERE tip_id = ? AND event_id IS NULL", (tip_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return _Parts(links, origins, int(row[0]) if row else 0)


async def get(conn: aiosqlite.Connection, tip_id: int) -> Tip | None:
    async with conn.execute(f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ?", (tip_id,)) as cursor:  # noqa: S608 - constant column list
        row = await cursor.fetchone()
    return None if row is None else _tip(row, await _parts(conn, tip_id))


async def get_by_receipt(conn: aiosqlite.Connection, receipt_hash: str) -> Tip | None:
    async with conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE receipt_hash = ?",  # noqa: S608 - constant column list
        (receipt_hash,),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _tip(row, _Parts())


# Tips that share a place with a tip (itself included): any of its links' keys.
_JOIN_SAME_PLACE = " FROM tip_links mine JOIN tip_links other ON other.place_key = mine.place_key"
# How many tips share a place with `t`, for each row of a query over `tips t`.
GROUP_SIZE = (
    "(SELECT COUNT(DISTINCT other.tip_id)" + _JOIN_SAME_PLACE + " WHERE mine.tip_id = t.id)"
)
PLACE_GROUP = (
    "SELECT COUNT(*), MIN(created_at), MAX(created_at), MIN(id) FROM tips WHERE id IN"  # noqa: S608
    " (SELECT DISTINCT other.tip_id" + _JOIN_SAME_PLACE + " WHERE mine.tip_id = ?)"
)


async def place_group(conn: aiosqlite.Connection, tip_id: int) -> PlaceGroup | None:
    """All tips that share a link with this one; None when it has no link."""
    async with conn.execute(PLACE_GROUP, (tip_id,)) as cursor:
        row = await cursor.fetchone()
    if row is None or not row[0]:
        return None
    first, last = _time(row[1]), _time(row[2])
    assert first is not None
    assert last is not None
    return PlaceGroup(size=row[0], first_reported=first, last_reported=last, first_tip_id=row[3])


async def add_event(
    conn: aiosqlite.Connection,
    tip_id: int,
    kind: EventKind,
    today: dt.date,
    *,
    status: TipStatus | None = None,
    text: str | None = None,
    question_id: int | None = None,
) -> int:
    # A reporter's answer is owed to the moderators (posted after a delay, see notifier).
    pending = int(kind is EventKind.ANSWER)
    cursor = await conn.execute(
        "INSERT INTO tip_events (tip_id, kind, status, text, question_id, created_on,"
        " notice_pending) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (tip_id, kind.value, status, text, question_id, today.isoformat(), pending),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def events(
    conn: aiosqlite.Connection, tip_id: int, *, pending: bool = True
) -> list[TipEvent]:
    """The tip's history, oldest first; `pending=False` leaves out answers whose notice the
    moderators are still owed."""
    async with conn.execute(
        "SELECT e.id, e.kind, e.status, e.text, e.question_id, e.created_on,"
        " (SELECT COUNT(*) FROM tip_photos p WHERE p.event_id = e.id)"
        " FROM tip_events e WHERE e.tip_id = ? AND (? OR e.notice_pending = 0) ORDER BY e.id",
        (tip_id, pending),
    ) as cursor:
        return [
            TipEvent(
                id=r[0],
                tip_id=tip_id,
                kind=EventKind(r[1]),
                status=TipStatus(r[2]) if r[2] else None,
                text=r[3],
                question_id=r[4],
                created_on=dt.date.fromisoformat(r[5]),
                photo_count=r[6],
            )
            async for r in cursor
        ]


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: TipStatus | None = None
    category: TipCategory | None = None
    region: str | None = None


# A NULL filter matches everything, so each query is one fixed, parameterized statement.
# A tip whose notice is still owed is nobody's to see yet: listing it would date its arrival
# more finely than the random delay allows.
_QUEUE_WHERE = (
    " WHERE t.notice_pending = 0 AND (:status IS NULL OR t.status = :status)"
    " AND (:category IS NULL OR t.category = :category)"
    " AND (:region IS NULL OR t.region = :region)"
)
QUEUE_COUNT = "SELECT COUNT(*) FROM tips t" + _QUEUE_WHERE  # noqa: S608 - constants only
QUEUE_PAGE = (
    "SELECT t.id, t.category, t.status, t.region, t.created_at,"  # noqa: S608 - constants only
    " (SELECT url FROM tip_links l WHERE l.tip_id = t.id ORDER BY position LIMIT 1) AS place,"
    " " + GROUP_SIZE + " AS group_size FROM tips t" + _QUEUE_WHERE + " ORDER BY"
    " t.status IN ('new', 'in_review', 'confirmed') DESC, t.id DESC LIMIT :limit OFFSET :offset"
)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    category: TipCategory
    status: TipStatus
    region: str | None
    place: str | None  # the first link
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
                place=r["place"],
                group_size=max(r["group_size"], 1),
                created_at=dt.datetime.fromisoformat(r["created_at"]),
            )
            async for r in cursor
        ]
    return rows, total


@dataclass(frozen=True, slots=True)
class PendingNotices:
    tips: list[int]
    answers: list[tuple[int, int]]  # (tip id, answer id)


async def pending_notices(conn: aiosqlite.Connection) -> PendingNotices:
    """New tips and answers the moderators have not been shown yet."""
    async with conn.execute("SELECT id FROM tips WHERE notice_pending = 1 ORDER BY id") as c:
        new_tips = [row[0] async for row in c]
    async with conn.execute(
        "SELECT tip_id, id FROM tip_events WHERE notice_pending = 1 ORDER BY id"
    ) as cursor:
        answers = [(row[0], row[1]) async for row in cursor]
    return PendingNotices(new_tips, answers)


async def notice_owed(conn: aiosqlite.Connection, tip_id: int) -> bool:
    async with conn.execute("SELECT notice_pending FROM tips WHERE id = ?", (tip_id,)) as cursor:
        row = await cursor.fetchone()
    return bool(row and row[0])


async def notice_posted(
    conn: aiosqlite.Connection, tip_id: int, event_id: int | None = None
) -> None:
    if event_id is None:
        await conn.execute("UPDATE tips SET notice_pending = 0 WHERE id = ?", (tip_id,))
    else:
        await conn.execute("UPDATE tip_events SET notice_pending = 0 WHERE id = ?", (event_id,))


async def set_status(
    conn: aiosqlite.Connection,
    tip_id: int,
    status: TipStatus,
    now: dt.datetime,
    duplicate_of: int | None = None,
) -> None:
    await conn.execute(
        "UPDATE tips SET status = ?, duplicate_of = ?, changed_at = ?,"
        " first_action_at = COALESCE(first_action_at, ?),"
        " closed_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?",
        (
            status.value,
            duplicate_of,
            stamp(now),
            stamp(now),
            int(status.is_final),
            stamp(now),
            tip_id,
        ),
    )


async def mark_acted_on(conn: aiosqlite.Connection, tip_id: int, now: dt.datetime) -> None:
    await conn.execute(
        "UPDATE tips SET first_action_at = COALESCE(first_action_at, ?), changed_at = ?"
        " WHERE id = ?",
        (stamp(now), stamp(now), tip_id),
    )


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
    links: str  # every link, separated by spaces
    group_size: int
    status: str


EXPORT_ROWS = (
    "SELECT t.id, t.created_at, t.category, t.region, t.status,"  # noqa: S608 - constants only
    " (SELECT GROUP_CONCAT(url, ' ') FROM (SELECT url FROM tip_links l"
    "  WHERE l.tip_id = t.id ORDER BY position)) AS links,"
    " " + GROUP_SIZE + " AS group_size"
    " FROM tips t WHERE t.notice_pending = 0 AND t.created_at >= ? AND t.created_at < ?"
    " AND (? IS NULL OR t.status = ?) AND (? IS NULL OR t.region = ?) ORDER BY t.id"
)


async def export_rows(
    conn: aiosqlite.Connection,
    since: dt.datetime,
    until: dt.datetime,
    status: TipStatus | None,
    region: str | None,
) -> list[ExportRow]:
    async with conn.execute(
        EXPORT_ROWS,
        (stamp(since), stamp(until), status, status, region, region),
    ) as cursor:
        return [
            ExportRow(
                id=r["id"],
                created_at=r["created_at"],
                category=r["category"],
                region=r["region"],
                links=r["links"] or "",
                group_size=max(r["group_size"], 1),
                status=r["status"],
            )
            async for r in cursor
        ]


async def purge_unchanged_before(conn: aiosqlite.Connection, cutoff: dt.datetime) -> int:
    """Drop the free text, photos, origins, notes and follow-up texts of every tip nobody
    changed since `cutoff`, whatever its status; keep what statistics count (category, region,
    status, dates, the normalised links)."""
    cursor = await conn.execute(
        "UPDATE tips SET description = NULL, address = NULL, latitude = NULL, longitude = NULL,"
        " purged = 1 WHERE purged = 0 AND COALESCE(changed_at, created_at) < ?",
        (stamp(cutoff),),
    )
    purged = "SELECT id FROM tips WHERE purged = 1"
    await conn.execute(f"DELETE FROM tip_photos WHERE tip_id IN ({purged})")  # noqa: S608
    await conn.execute(f"DELETE FROM tip_origins WHERE tip_id IN ({purged})")  # noqa: S608
    await conn.execute(
        f"UPDATE tip_notes SET text = '' WHERE text != '' AND tip_id IN ({purged})"  # noqa: S608
    )
    await conn.execute(
        "UPDATE tip_events SET text = NULL WHERE text IS NOT NULL"  # noqa: S608
        f" AND tip_id IN ({purged})"
    )
    return cursor.rowcount


async def topic(conn: aiosqlite.Connection, region: str) -> int | None:
    """The forum topic of the moderators' group where a region's cards go."""
    async with conn.execute(
        "SELECT thread_id FROM moderator_topics WHERE region = ?", (region,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def set_topic(conn: aiosqlite.Connection, region: str, thread_id: int) -> None:
    await conn.execute(
        "INSERT INTO moderator_topics (region, thread_id) VALUES (?, ?)"
        " ON CONFLICT (region) DO UPDATE SET thread_id = excluded.thread_id",
        (region, thread_id),
    )
