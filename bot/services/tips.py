"""Anonymous tips: submission with a receipt, the moderation queue, status, export, retention.

Nothing here takes or returns anything about a reporter: `submit` receives only what the tip
says, and the receipt code is the reporter's only way back to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database
from bot.db.repositories import audit, tips
from bot.db.repositories.tips import QueueFilter, QueueRow
from bot.domain import (
    TIP_TRANSITIONS,
    EventKind,
    PlaceGroup,
    Tip,
    TipCategory,
    TipDraftData,
    TipEvent,
    TipStatus,
)
from bot.metrics import TIPS_RECEIVED
from bot.services import receipts
from bot.services.links import extract
from bot.services.roles import PermissionDeniedError, StaffMember

MAX_DESCRIPTION = 1500
MAX_PHOTOS = 3
MAX_NOTE = 1000


class TipNotFoundError(LookupError):
    pass


class TransitionError(ValueError):
    """That status cannot follow the current one (a stale button, or two moderators at once)."""


class LinkInReplyError(ValueError):
    """A reply or question for the reporter holds a link or an @username."""


class OutOfRegionError(PermissionDeniedError):
    """The tip is in a region the staff member does not cover."""


class WallAdvertsOnlyError(PermissionDeniedError):
    """Volunteers see and handle wall adverts only."""


class QuestionClosedError(LookupError):
    """No open question with that id on this tip (answered already, or not this tip's)."""


@dataclass(frozen=True, slots=True)
class SubmittedTip:
    tip: Tip
    receipt_code: str  # shown to the reporter once, never stored


@dataclass(frozen=True, slots=True)
class TipView:
    """A tip with its place group, as moderators see it."""

    tip: Tip
    group: PlaceGroup | None
    events: tuple[TipEvent, ...] = ()

    @property
    def answers(self) -> list[TipEvent]:
        return [e for e in self.events if e.kind is EventKind.ANSWER]


def open_questions(events: Sequence[TipEvent]) -> list[TipEvent]:
    """Questions not answered yet, oldest first."""
    answered = {e.question_id for e in events if e.kind is EventKind.ANSWER}
    return [e for e in events if e.kind is EventKind.QUESTION and e.id not in answered]


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): the
# police open exports in Excel, and a link or a note is text someone else chose.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """The cell as plain text for a spreadsheet: a leading apostrophe stops a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def scope_for(where: QueueFilter, actor: StaffMember) -> QueueFilter:
    """Narrow a queue filter to what `actor` may see, whatever the buttons asked for."""
    return QueueFilter(
        status=where.status,
        # Volunteers handle wall adverts only.
        category=where.category if actor.moderates else TipCategory.WALL_ADVERT,
        # A regional moderator sees their region only.
        region=actor.region or where.region,
        words=where.words,
    )


class TipService:
    def __init__(self, db: Database, now: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._now = now

    async def submit(self, draft: TipDraftData) -> SubmittedTip:
        code = receipts.new_code()
        async with self._db.transaction() as conn:
            tip_id = await tips.insert(conn, draft, receipts.hash_code(code), self._now())
            tip = await tips.get(conn, tip_id)
        assert tip is not None
        # Out of the WAL at once: there, the tip's pages would sit next to whatever the
        # reporter's chat wrote just before (a profile, a quiz answer), in commit order.
        await self._db.checkpoint()
        return SubmittedTip(tip, code)

    async def view(self, tip_id: int, *, pending: bool = False) -> TipView:
        """The tip as staff see it. Until its notice is posted (after the random delay) it
        does not exist for them, nor does an answer still owed: reading it at once would date
        the reporter's action. `pending=True` is for the notifier itself."""
        async with self._db.transaction() as conn:
            tip = await tips.get(conn, tip_id)
            if tip is None or (not pending and await tips.notice_owed(conn, tip_id)):
                raise TipNotFoundError(tip_id)
            group = await tips.place_group(conn, tip_id) if tip.links else None
            events = await tips.events(conn, tip_id, pending=pending)
        return TipView(tip, group, tuple(events))

    async def view_as(self, tip_id: int, actor: StaffMember) -> TipView:
        """The tip, if `actor` may see it: in their region, and a wall advert for a
        volunteer (OutOfRegionError, WallAdvertsOnlyError otherwise)."""
        view = await self.view(tip_id)
        if not actor.covers(view.tip.region):
            raise OutOfRegionError(actor.user_id)
        if not actor.moderates and view.tip.category is not TipCategory.WALL_ADVERT:
            raise WallAdvertsOnlyError(actor.user_id)
        return view

    async def set_status_as(self, tip_id: int, status: TipStatus, actor: StaffMember) -> TipView:
        """A status button: any allowed status for a moderator; for a volunteer, "painted
        over" only (TransitionError for anything else, as for a status that can't follow)."""
        if actor.moderates:
            return await self.change_status(tip_id, status, actor)
        if status is TipStatus.PAINTED:
            return await self.mark_painted(tip_id, actor)
        raise TransitionError("volunteers only mark wall adverts painted over")

    async def by_receipt(self, code: str) -> TipView | None:
        """The tip and its history, for its reporter: nothing moderators keep to themselves."""
        if receipts.canonical(code) is None:
            return None
        async with self._db.transaction() as conn:
            tip = await tips.get_by_receipt(conn, receipts.hash_code(code))
            if tip is None:
                return None
            events = await tips.events(conn, tip.id)
        return TipView(tip, None, tuple(events))

    async def question(self, tip_id: int, question_id: int) -> TipEvent:
        """An open question of the tip, to answer: QuestionClosedError if it was answered,
        TipNotFoundError if the tip asked no such question (another report's button)."""
        async with self._db.transaction() as conn:
            events = await tips.events(conn, tip_id)
        if question_id not in {e.id for e in events if e.kind is EventKind.QUESTION}:
            raise TipNotFoundError(question_id)
        question = next((q for q in open_questions(events) if q.id == question_id), None)
        if question is None:
            raise QuestionClosedError(question_id)
        return question

    async def answer(
        self, tip_id: int, question_id: int, text: str, photos: Sequence[bytes] = ()
    ) -> TipEvent:
        """The reporter's answer to an open question; the caller has checked the receipt.
        Dated, not timed, and nothing in it names the chat it came from."""
        text = text.strip()[:MAX_DESCRIPTION]
        async with self._db.transaction() as conn:
            # One answer per question, also when two arrive at once on PostgreSQL.
            await tips.lock(conn, tip_id)
            events = await tips.events(conn, tip_id)
            if question_id not in {q.id for q in open_questions(events)}:
                raise QuestionClosedError(question_id)
            event_id = await tips.add_event(
                conn, tip_id, EventKind.ANSWER, self._today(), text=text, question_id=question_id
            )
            await tips.add_photos(conn, tip_id, photos[:1], event_id)
            answer = next(e for e in await tips.events(conn, tip_id) if e.id == event_id)
        await self._db.checkpoint()  # as after a tip: nothing next to a chat in the WAL
        return answer

    def _today(self) -> dt.date:
        return self._now().date()

    @staticmethod
    async def _changeable(
        conn: AsyncConnection, tip_id: int, actor: StaffMember, *, painting: bool = False
    ) -> Tip:
        """The tip, if this staff member may change it: in their region; a volunteer only
        paints over wall adverts. Checked here whatever a handler checked before."""
        # Locked until the change commits: two moderators pressing at once on PostgreSQL
        # take turns, and the second sees the first one's status (SQLite: one writer).
        await tips.lock(conn, tip_id)
        tip = await tips.get(conn, tip_id)
        if tip is None or await tips.notice_owed(conn, tip_id):
            raise TipNotFoundError(tip_id)  # not yet shown to anyone: not there for staff
        if not actor.covers(tip.region):
            raise PermissionDeniedError(actor.user_id)
        if not actor.moderates and not (painting and tip.category is TipCategory.WALL_ADVERT):
            raise PermissionDeniedError(actor.user_id)
        return tip

    async def queue(
        self, where: QueueFilter, page: int, actor: StaffMember, page_size: int = 10
    ) -> tuple[QueueFilter, list[QueueRow], int]:
        """One page of the queue as `actor` may see it, and the filter actually applied."""
        scoped = scope_for(where, actor)
        async with self._db.transaction() as conn:
            rows, total = await tips.queue(conn, scoped, page_size, page * page_size)
        return scoped, rows, total

    async def change_status(self, tip_id: int, status: TipStatus, actor: StaffMember) -> TipView:
        actor_id = actor.user_id
        async with self._db.transaction() as conn:
            tip = await self._changeable(conn, tip_id, actor)
            if status not in TIP_TRANSITIONS[tip.status]:
                raise TransitionError(f"{tip.status} -> {status}")
            duplicate_of = None
            if status is TipStatus.DUPLICATE:
                group = await tips.place_group(conn, tip_id) if tip.links else None
                if group is None or group.first_tip_id == tip.id:
                    raise TransitionError("no earlier tip about this place")
                duplicate_of = group.first_tip_id
            now = self._now()
            await tips.set_status(conn, tip_id, status, now, duplicate_of)
            await tips.add_event(conn, tip_id, EventKind.STATUS, now.date(), status=status)
            await audit.record(conn, actor_id, "tip.status", f"tip:{tip_id}", now, status.value)
        return await self.view(tip_id)

    async def mark_painted(self, tip_id: int, actor: StaffMember) -> TipView:
        """A volunteer painted over a wall advert: allowed while the tip is unresolved."""
        actor_id = actor.user_id
        async with self._db.transaction() as conn:
            tip = await self._changeable(conn, tip_id, actor, painting=True)
            if tip.category is not TipCategory.WALL_ADVERT or not tip.status.is_unresolved:
                raise TransitionError(f"{tip.category}/{tip.status} -> painted")
            now = self._now()
            await tips.set_status(conn, tip_id, TipStatus.PAINTED, now)
            await tips.add_event(
                conn, tip_id, EventKind.STATUS, now.date(), status=TipStatus.PAINTED
            )
            await audit.record(conn, actor_id, "tip.status", f"tip:{tip_id}", now, "painted")
        return await self.view(tip_id)

    async def add_note(self, tip_id: int, actor: StaffMember, text: str) -> None:
        text = text.strip()[:MAX_NOTE]
        actor_id = actor.user_id
        async with self._db.transaction() as conn:
            await self._changeable(conn, tip_id, actor)
            now = self._now()
            await tips.add_note(conn, tip_id, actor_id, text, now)
            await tips.mark_acted_on(conn, tip_id, now)
            await audit.record(conn, actor_id, "tip.note", f"tip:{tip_id}", now)

    async def tell_reporter(
        self, tip_id: int, actor: StaffMember, kind: EventKind, text: str
    ) -> TipEvent:
        """A public reply or a question, which the reporter reads with /status."""
        assert kind in (EventKind.REPLY, EventKind.QUESTION)
        text = text.strip()[:MAX_NOTE]
        if extract(text).links:
            # Opening a link could tell its owner who the reporter is.
            raise LinkInReplyError(tip_id)
        actor_id = actor.user_id
        async with self._db.transaction() as conn:
            await self._changeable(conn, tip_id, actor)
            now = self._now()
            event_id = await tips.add_event(conn, tip_id, kind, now.date(), text=text)
            await tips.mark_acted_on(conn, tip_id, now)
            await audit.record(conn, actor_id, f"tip.{kind.value}", f"tip:{tip_id}", now)
            return next(e for e in await tips.events(conn, tip_id) if e.id == event_id)

    async def photos(self, tip_id: int, event_id: int | None = None) -> list[tips.StoredPhoto]:
        async with self._db.transaction() as conn:
            return await tips.photos(conn, tip_id, event_id)

    async def remember_upload(self, tip_id: int, position: int, file_id: str) -> None:
        """The bot uploaded a tip's photo: reuse that file from now on."""
        async with self._db.transaction() as conn:
            await tips.remember_upload(conn, tip_id, position, file_id)

    async def export_csv(
        self,
        since: dt.date,
        until: dt.date,
        status: TipStatus | None,
        actor: StaffMember,
    ) -> tuple[bytes, int]:
        """CSV of tips created from `since` to `until` inclusive, of the actor's region;
        never receipts. Returns the file's bytes and the number of tips in it."""
        if not actor.moderates:
            raise PermissionDeniedError(actor.user_id)
        actor_id, region = actor.user_id, actor.region
        start = dt.datetime.combine(since, dt.time(), dt.UTC)
        # The day after `until`, except at the end of the calendar (9999-12-31 has no next day).
        end_day = until + dt.timedelta(days=1) if until < dt.date.max else until
        end = dt.datetime.combine(end_day, dt.time(), dt.UTC)
        async with self._db.transaction() as conn:
            rows = await tips.export_rows(conn, start, end, status, region)
            notes = await tips.notes(conn, [row.id for row in rows])
            await audit.record(
                conn,
                actor_id,
                "tips.export",
                f"{since}..{until}",
                self._now(),
                status.value if status else "all",
            )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["id", "date", "category", "region", "links", "group_size", "status", "notes"]
        )
        for row in rows:
            note = " | ".join(n for n in notes.get(row.id, []) if n)
            writer.writerow(
                [
                    row.id,
                    row.created_at.date().isoformat(),
                    row.category,
                    row.region or "",
                    inert(row.links),
                    row.group_size,
                    row.status,
                    inert(note),
                ]
            )
        # A BOM so that spreadsheet programs open the Cyrillic text correctly.
        return buffer.getvalue().encode("utf-8-sig"), len(rows)

    async def purge_unchanged(self, older_than_days: int) -> int:
        """Retention: the text of every tip unchanged for `older_than_days`, in any status,
        with its photos and follow-ups; then the WAL is truncated, so nothing deleted can be
        read back from it."""
        cutoff = self._now() - dt.timedelta(days=older_than_days)
        async with self._db.transaction() as conn:
            purged = await tips.purge_unchanged_before(conn, cutoff)
        if purged:
            await self._db.checkpoint()
        return purged

    async def topic(self, region: str) -> int | None:
        async with self._db.transaction() as conn:
            return await tips.topic(conn, region)

    async def set_topic(self, region: str, thread_id: int) -> None:
        async with self._db.transaction() as conn:
            await tips.set_topic(conn, region, thread_id)

    async def pending_notices(self) -> tips.PendingNotices:
        async with self._db.transaction() as conn:
            return await tips.pending_notices(conn)

    async def notice_posted(self, tip_id: int, event_id: int | None = None) -> None:
        async with self._db.transaction() as conn:
            await tips.notice_posted(conn, tip_id, event_id)
        if event_id is None:
            # Counted here, after the random delay, not at Send: a metric scraped every
            # few seconds would date the reporter's action as the card's delay must not.
            TIPS_RECEIVED.inc()
