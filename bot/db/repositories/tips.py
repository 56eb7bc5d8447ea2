"""Tips, their links, origins, photos, notes and history. Nothing in these tables refers to a
reporter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, false, func, literal, or_, select, true, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.db import dialect
from bot.db.schema import (
    UtcTime,
    moderator_topics,
    tip_events,
    tip_links,
    tip_notes,
    tip_origins,
    tip_photos,
    tips,
)
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
    fold,
)

_SELECT_TIP = select(
    tips.c.id,
    tips.c.category,
    tips.c.region,
    tips.c.address,
    tips.c.latitude,
    tips.c.longitude,
    tips.c.description,
    tips.c.status,
    tips.c.duplicate_of,
    tips.c.created_at,
    tips.c.first_action_at,
    tips.c.closed_at,
    tips.c.purged,
)


# A private channel's title names the shop; a person's name or a private group's title
# ("11B, school 5") could gather the tips of one circle of friends: not searchable.
SEARCHABLE_ORIGINS = frozenset({OriginKind.PRIVATE_CHANNEL})


def search_text(
    address: str | None,
    description: str | None,
    urls: Iterable[str] = (),
    titles: Iterable[str | None] = (),
) -> str:
    """What `/tips WORDS` looks in: everything a moderator reads on the tip, folded."""
    return fold(" ".join(part for part in (address, description, *urls, *titles) if part))


def stamp(moment: dt.datetime) -> dt.datetime:
    """UTC, to the minute: for what moderators do."""
    return moment.astimezone(dt.UTC).replace(second=0, microsecond=0)


def stamp_hour(moment: dt.datetime) -> dt.datetime:
    """UTC, to the hour: for when a tip arrived, which its reporter's action set; nothing
    finer, so that it cannot be matched with a chat's activity."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class _Parts:
    links: tuple[Link, ...] = ()
    origins: tuple[Origin, ...] = ()
    photo_count: int = 0


def _tip(row: Any, parts: _Parts) -> Tip:
    return Tip(
        id=row.id,
        category=TipCategory(row.category),
        links=parts.links,
        origins=parts.origins,
        region=row.region,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        description=row.description,
        status=TipStatus(row.status),
        duplicate_of=row.duplicate_of,
        created_at=row.created_at,
        first_action_at=row.first_action_at,
        closed_at=row.closed_at,
        purged=row.purged,
        photo_count=parts.photo_count,
    )


async def insert(
    conn: AsyncConnection, draft: TipDraftData, receipt_hash: str, now: dt.datetime
) -> int:
    arrived = stamp_hour(now)
    tip_id: int = await conn.scalar(
        sql_insert(tips)
        .values(
            category=draft.category,
            region=draft.region,
            address=draft.address,
            latitude=draft.latitude,
            longitude=draft.longitude,
            description=draft.description,
            receipt_hash=receipt_hash,
            created_at=arrived,
            changed_at=arrived,
            notice_pending=True,
            search_text=search_text(
                draft.address,
                draft.description,
                (link.url for link in draft.links),
                (o.title for o in draft.origins if o.kind in SEARCHABLE_ORIGINS),
            ),
        )
        .returning(tips.c.id)
    )
    if draft.links:
        await conn.execute(
            sql_insert(tip_links),
            [
                {
                    "tip_id": tip_id,
                    "position": position,
                    "url": link.url,
                    "place_key": link.key,
                    "source": link.source.value,
                }
                for position, link in enumerate(draft.links)
            ],
        )
    if draft.origins:
        await conn.execute(
            sql_insert(tip_origins),
            [
                {
                    "tip_id": tip_id,
                    "position": position,
                    "kind": origin.kind.value,
                    "title": origin.title,
                    "ref_id": origin.ref_id,
                }
                for position, origin in enumerate(draft.origins)
            ],
        )
    await add_photos(conn, tip_id, draft.photos)
    return tip_id


async def add_photos(
    conn: AsyncConnection, tip_id: int, photos: Sequence[bytes], event_id: int | None = None
) -> None:
    """Append photos (JPEG bytes the bot re-encoded) to a tip, or to one of its answers."""
    if not photos:
        return
    first = await conn.scalar(
        select(func.coalesce(func.max(tip_photos.c.position) + 1, 0)).where(
            tip_photos.c.tip_id == tip_id
        )
    )
    await conn.execute(
        sql_insert(tip_photos),
        [
            {"tip_id": tip_id, "position": first + n, "data": data, "event_id": event_id}
            for n, data in enumerate(photos)
        ],
    )


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    position: int
    data: bytes | None  # None once purged, or for a photo stored before re-encoding existed
    file_id: str | None  # the bot's own upload of `data`, once made


async def photos(
    conn: AsyncConnection, tip_id: int, event_id: int | None = None
) -> list[StoredPhoto]:
    """The tip's own photos (event_id None), or those of one answer."""
    result = await conn.execute(
        select(tip_photos.c.position, tip_photos.c.data, tip_photos.c.file_id)
        .where(tip_photos.c.tip_id == tip_id, tip_photos.c.event_id.is_not_distinct_from(event_id))
        .order_by(tip_photos.c.position)
    )
    return [StoredPhoto(*row) for row in result]


async def remember_upload(conn: AsyncConnection, tip_id: int, position: int, file_id: str) -> None:
    await conn.execute(
        update(tip_photos)
        .where(tip_photos.c.tip_id == tip_id, tip_photos.c.position == position)
        .values(file_id=file_id)
    )


async def _parts(conn: AsyncConnection, tip_id: int) -> _Parts:
    links = await conn.execute(
        select(tip_links.c.url, tip_links.c.place_key, tip_links.c.source)
        .where(tip_links.c.tip_id == tip_id)
        .order_by(tip_links.c.position)
    )
    origins = await conn.execute(
        select(tip_origins.c.kind, tip_origins.c.title, tip_origins.c.ref_id)
        .where(tip_origins.c.tip_id == tip_id)
        .order_by(tip_origins.c.position)
    )
    photo_count = await conn.scalar(
        select(func.count())
        .select_from(tip_photos)
        .where(tip_photos.c.tip_id == tip_id, tip_photos.c.event_id.is_(None))
    )
    return _Parts(
        tuple(Link(r.url, r.place_key, LinkSource(r.source)) for r in links),
        tuple(Origin(OriginKind(r.kind), r.title, r.ref_id) for r in origins),
        int(photo_count or 0),
    )


async def get(conn: AsyncConnection, tip_id: int) -> Tip | None:
    row = (await conn.execute(_SELECT_TIP.where(tips.c.id == tip_id))).first()
    return None if row is None else _tip(row, await _parts(conn, tip_id))


async def lock(conn: AsyncConnection, tip_id: int) -> None:
    """Hold the tip's row until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already admits one writer at a time and renders no FOR UPDATE)."""
    await conn.execute(select(tips.c.id).where(tips.c.id == tip_id).with_for_update())


async def get_by_receipt(conn: AsyncConnection, receipt_hash: str) -> Tip | None:
    row = (await conn.execute(_SELECT_TIP.where(tips.c.receipt_hash == receipt_hash))).first()
    return None if row is None else _tip(row, _Parts())


def _same_place_tips(tip_id: Any) -> Any:
    """The ids of the tips that share a place with a tip (itself included): any of its links'
    keys."""
    mine, other, shown = tip_links.alias("mine"), tip_links.alias("other"), tips.alias("shown")
    return (
        select(other.c.tip_id)
        .distinct()
        .select_from(
            mine.join(other, other.c.place_key == mine.c.place_key).join(
                shown, shown.c.id == other.c.tip_id
            )
        )
        # Another tip whose notice is still owed is nobody's to count yet: "×3" turning "×4"
        # before its card arrives would date it. (Its own card counts itself.)
        .where(
            mine.c.tip_id == tip_id,
            or_(shown.c.notice_pending.is_(false()), other.c.tip_id == tip_id),
        )
    )


def _group_size(tip_id: Any) -> Any:
    """How many tips share a place with the tip, as a scalar subquery."""
    return select(func.count()).select_from(_same_place_tips(tip_id).subquery()).scalar_subquery()


async def place_group(conn: AsyncConnection, tip_id: int) -> PlaceGroup | None:
    """All tips that share a link with this one; None when it has no link."""
    row = (
        await conn.execute(
            select(
                func.count(),
                func.min(tips.c.created_at),
                func.max(tips.c.created_at),
                func.min(tips.c.id),
            ).where(tips.c.id.in_(_same_place_tips(tip_id)))
        )
    ).first()
    if row is None or not row[0]:
        return None
    return PlaceGroup(size=row[0], first_reported=row[1], last_reported=row[2], first_tip_id=row[3])


async def add_event(
    conn: AsyncConnection,
    tip_id: int,
    kind: EventKind,
    today: dt.date,
    *,
    status: TipStatus | None = None,
    text: str | None = None,
    question_id: int | None = None,
) -> int:
    event_id: int = await conn.scalar(
        sql_insert(tip_events)
        .values(
            tip_id=tip_id,
            kind=kind.value,
            status=status,
            text=text,
            question_id=question_id,
            created_on=today,
            # A reporter's answer is owed to the moderators (posted after a delay, see notifier).
            notice_pending=kind is EventKind.ANSWER,
        )
        .returning(tip_events.c.id)
    )
    return event_id


async def events(conn: AsyncConnection, tip_id: int, *, pending: bool = True) -> list[TipEvent]:
    """The tip's history, oldest first; `pending=False` leaves out answers whose notice the
    moderators are still owed."""
    photo_count = (
        select(func.count())
        .select_from(tip_photos)
        .where(tip_photos.c.event_id == tip_events.c.id)
        .scalar_subquery()
    )
    query = select(
        tip_events.c.id,
        tip_events.c.kind,
        tip_events.c.status,
        tip_events.c.text,
        tip_events.c.question_id,
        tip_events.c.created_on,
        photo_count,
    ).where(tip_events.c.tip_id == tip_id)
    if not pending:
        query = query.where(tip_events.c.notice_pending.is_(false()))
    return [
        TipEvent(
            id=r[0],
            tip_id=tip_id,
            kind=EventKind(r[1]),
            status=TipStatus(r[2]) if r[2] else None,
            text=r[3],
            question_id=r[4],
            created_on=r[5],
            photo_count=r[6],
        )
        for r in await conn.execute(query.order_by(tip_events.c.id))
    ]


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: TipStatus | None = None
    category: TipCategory | None = None
    region: str | None = None
    words: tuple[str, ...] = ()  # folded (bot.domain.search_words); a tip holds every one


def _queue_where(where: QueueFilter) -> list[ColumnElement[bool]]:
    # A tip whose notice is still owed is nobody's to see yet: listing it would date its
    # arrival more finely than the random delay allows.
    conditions: list[ColumnElement[bool]] = [tips.c.notice_pending.is_(false())]
    if where.status is not None:
        conditions.append(tips.c.status == where.status.value)
    if where.category is not None:
        conditions.append(tips.c.category == where.category.value)
    if where.region is not None:
        conditions.append(tips.c.region == where.region)
    # Both sides folded by Python: LIKE then compares the same bytes on both engines.
    conditions.extend(tips.c.search_text.contains(word, autoescape=True) for word in where.words)
    return conditions


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    category: TipCategory
    status: TipStatus
    region: str | None
    place: str | None  # the first link
    group_size: int
    created_at: dt.datetime


_UNRESOLVED = ("new", "in_review", "confirmed")


async def queue(
    conn: AsyncConnection, where: QueueFilter, limit: int, offset: int
) -> tuple[list[QueueRow], int]:
    """A page of tips, unresolved first, newest first within each; and the total count."""
    conditions = _queue_where(where)
    total = await conn.scalar(select(func.count()).select_from(tips).where(*conditions))
    first_link = (
        select(tip_links.c.url)
        .where(tip_links.c.tip_id == tips.c.id)
        .order_by(tip_links.c.position)
        .limit(1)
        .scalar_subquery()
    )
    page = (
        select(
            tips.c.id,
            tips.c.category,
            tips.c.status,
            tips.c.region,
            tips.c.created_at,
            first_link.label("place"),
            _group_size(tips.c.id).label("group_size"),
        )
        .where(*conditions)
        .order_by(case((tips.c.status.in_(_UNRESOLVED), 0), else_=1), tips.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [
        QueueRow(
            id=r.id,
            category=TipCategory(r.category),
            status=TipStatus(r.status),
            region=r.region,
            place=r.place,
            group_size=max(r.group_size, 1),
            created_at=r.created_at,
        )
        for r in await conn.execute(page)
    ]
    return rows, int(total or 0)


@dataclass(frozen=True, slots=True)
class PendingNotices:
    tips: list[int]
    answers: list[tuple[int, int]]  # (tip id, answer id)


async def pending_notices(conn: AsyncConnection) -> PendingNotices:
    """New tips and answers the moderators have not been shown yet."""
    new_tips = await conn.scalars(
        select(tips.c.id).where(tips.c.notice_pending.is_(true())).order_by(tips.c.id)
    )
    answers = await conn.execute(
        select(tip_events.c.tip_id, tip_events.c.id)
        .where(tip_events.c.notice_pending.is_(true()))
        .order_by(tip_events.c.id)
    )
    return PendingNotices(list(new_tips), [(row[0], row[1]) for row in answers])


async def notice_owed(conn: AsyncConnection, tip_id: int) -> bool:
    return bool(await conn.scalar(select(tips.c.notice_pending).where(tips.c.id == tip_id)))


async def notice_posted(conn: AsyncConnection, tip_id: int, event_id: int | None = None) -> None:
    if event_id is None:
        await conn.execute(update(tips).where(tips.c.id == tip_id).values(notice_pending=False))
    else:
        await conn.execute(
            update(tip_events).where(tip_events.c.id == event_id).values(notice_pending=False)
        )


async def set_status(
    conn: AsyncConnection,
    tip_id: int,
    status: TipStatus,
    now: dt.datetime,
    duplicate_of: int | None = None,
) -> None:
    await conn.execute(
        update(tips)
        .where(tips.c.id == tip_id)
        .values(
            status=status.value,
            duplicate_of=duplicate_of,
            changed_at=stamp(now),
            first_action_at=func.coalesce(tips.c.first_action_at, literal(stamp(now), UtcTime())),
            closed_at=stamp(now) if status.is_final else None,
        )
    )


async def mark_acted_on(conn: AsyncConnection, tip_id: int, now: dt.datetime) -> None:
    await conn.execute(
        update(tips)
        .where(tips.c.id == tip_id)
        .values(
            first_action_at=func.coalesce(tips.c.first_action_at, literal(stamp(now), UtcTime())),
            changed_at=stamp(now),
        )
    )


async def add_note(
    conn: AsyncConnection, tip_id: int, author_id: int, text: str, now: dt.datetime
) -> None:
    await conn.execute(
        sql_insert(tip_notes).values(
            tip_id=tip_id, author_id=author_id, text=text, created_at=stamp(now)
        )
    )


async def notes(conn: AsyncConnection, tip_ids: Sequence[int]) -> dict[int, list[str]]:
    if not tip_ids:
        return {}
    result: dict[int, list[str]] = {}
    for row in await conn.execute(
        select(tip_notes.c.tip_id, tip_notes.c.text)
        .where(tip_notes.c.tip_id.in_(tip_ids))
        .order_by(tip_notes.c.id)
    ):
        result.setdefault(row[0], []).append(row[1])
    return result


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    created_at: dt.datetime
    category: str
    region: str | None
    links: str  # every link, separated by spaces
    group_size: int
    status: str


async def export_rows(
    conn: AsyncConnection,
    since: dt.datetime,
    until: dt.datetime,
    status: TipStatus | None,
    region: str | None,
) -> list[ExportRow]:
    query = select(
        tips.c.id,
        tips.c.created_at,
        tips.c.category,
        tips.c.region,
        tips.c.status,
        _group_size(tips.c.id).label("group_size"),
    ).where(
        tips.c.notice_pending.is_(false()),
        tips.c.created_at >= stamp(since),
        tips.c.created_at < stamp(until),
    )
    if status is not None:
        query = query.where(tips.c.status == status.value)
    if region is not None:
        query = query.where(tips.c.region == region)
    rows = list(await conn.execute(query.order_by(tips.c.id)))
    links: dict[int, list[str]] = {}
    if rows:
        for link in await conn.execute(
            select(tip_links.c.tip_id, tip_links.c.url)
            .where(tip_links.c.tip_id.in_([r.id for r in rows]))
            .order_by(tip_links.c.tip_id, tip_links.c.position)
        ):
            links.setdefault(link.tip_id, []).append(link.url)
    return [
        ExportRow(
            id=r.id,
            created_at=r.created_at,
            category=r.category,
            region=r.region,
            links=" ".join(links.get(r.id, ())),
            group_size=max(r.group_size, 1),
            status=r.status,
        )
        for r in rows
    ]


async def purge_unchanged_before(conn: AsyncConnection, cutoff: dt.datetime) -> int:
    """Drop the free text, photos, origins, notes and follow-up texts of every tip nobody
    changed since `cutoff`, whatever its status; keep what statistics count (category, region,
    status, dates, the normalised links)."""
    just_purged = list(
        await conn.scalars(
            update(tips)
            .where(
                tips.c.purged.is_(false()),
                func.coalesce(tips.c.changed_at, tips.c.created_at) < stamp(cutoff),
            )
            .values(description=None, address=None, latitude=None, longitude=None, purged=True)
            .returning(tips.c.id)
        )
    )
    await _search_links_only(conn, just_purged)
    purged = select(tips.c.id).where(tips.c.purged.is_(true()))
    await conn.execute(delete(tip_photos).where(tip_photos.c.tip_id.in_(purged)))
    await conn.execute(delete(tip_origins).where(tip_origins.c.tip_id.in_(purged)))
    await conn.execute(
        update(tip_notes)
        .where(tip_notes.c.text != "", tip_notes.c.tip_id.in_(purged))
        .values(text="")
    )
    await conn.execute(
        update(tip_events)
        .where(tip_events.c.text.is_not(None), tip_events.c.tip_id.in_(purged))
        .values(text=None)
    )
    return len(just_purged)


async def _search_links_only(conn: AsyncConnection, tip_ids: Sequence[int]) -> None:
    """A purged tip stays findable by its links, the only text it keeps."""
    if not tip_ids:
        return
    urls: dict[int, list[str]] = {tip_id: [] for tip_id in tip_ids}
    for row in await conn.execute(
        select(tip_links.c.tip_id, tip_links.c.url)
        .where(tip_links.c.tip_id.in_(tip_ids))
        .order_by(tip_links.c.tip_id, tip_links.c.position)
    ):
        urls[row.tip_id].append(row.url)
    await conn.execute(
        update(tips).where(tips.c.id == bindparam("b_id")).values(search_text=bindparam("b_text")),
        [
            {"b_id": tip_id, "b_text": search_text(None, None, found)}
            for tip_id, found in urls.items()
        ],
    )


async def topic(conn: AsyncConnection, region: str) -> int | None:
    """The forum topic of the moderators' group where a region's cards go."""
    thread = await conn.scalar(
        select(moderator_topics.c.thread_id).where(moderator_topics.c.region == region)
    )
    return None if thread is None else int(thread)


async def set_topic(conn: AsyncConnection, region: str, thread_id: int) -> None:
    statement = dialect.insert(conn, moderator_topics).values(region=region, thread_id=thread_id)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[moderator_topics.c.region],
            set_={"thread_id": statement.excluded.thread_id},
        )
    )
