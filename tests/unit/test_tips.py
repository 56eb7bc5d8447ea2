"""TipService: submission, grouping, statuses, receipts, notes, export, retention, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy.exc import DBAPIError

from bot.db import Database
from bot.db.repositories.tips import QueueFilter
from bot.domain import (
    EventKind,
    Origin,
    OriginKind,
    TipCategory,
    TipDraftData,
    TipStatus,
    search_words,
)
from bot.metrics import REGISTRY
from bot.services.links import normalise
from bot.services.roles import PermissionDeniedError, StaffMember, StaffRole
from bot.services.tips import (
    OutOfRegionError,
    QuestionClosedError,
    SubmittedTip,
    TipNotFoundError,
    TipService,
    TransitionError,
    WallAdvertsOnlyError,
    open_questions,
)
from tests.clock import Clock
from tests.engines import fetch, run

MODERATOR = StaffMember(777, StaffRole.MODERATOR, None)


@pytest.fixture
def clock() -> Clock[dt.datetime]:
    return Clock(dt.datetime(2026, 6, 20, 10, 30, 15, tzinfo=dt.UTC))


class PostedTips(TipService):
    """A TipService whose new tips have had their notice posted, as the notifier does after
    the random delay: until then staff cannot see them (tested on its own below)."""

    async def submit(self, draft: TipDraftData) -> SubmittedTip:
        submitted = await super().submit(draft)
        await self.notice_posted(submitted.tip.id)
        return submitted


@pytest.fixture
def tips(db: Database, clock: Clock[dt.datetime]) -> TipService:
    return PostedTips(db, clock)


def channel(link: str = "t.me/shop_x", region: str | None = "astana", *more: str) -> TipDraftData:
    return TipDraftData(
        category=TipCategory.CHANNEL,
        links=tuple(normalise(each) for each in (link, *more)),
        region=region,
        description="Sells «соль» to pupils",
    )


async def test_submit_returns_a_receipt_that_finds_the_tip(tips: TipService) -> None:
    submitted = await tips.submit(channel())
    found = await tips.by_receipt(submitted.receipt_code)
    assert found is not None and found.tip.id == submitted.tip.id
    assert found.tip.status is TipStatus.NEW
    assert await tips.by_receipt("0000-0000-0000-0000") is None
    assert await tips.by_receipt("garbage") is None


async def test_receipt_is_stored_only_as_a_hash(tips: TipService, db: Database) -> None:
    submitted = await tips.submit(channel())
    code = submitted.receipt_code
    rows = await fetch(db, "SELECT * FROM tips")
    flat = " ".join(map(str, rows))
    assert code not in flat and code.replace("-", "") not in flat


async def test_arrival_time_is_kept_to_the_hour(tips: TipService) -> None:
    tip = (await tips.submit(channel())).tip
    assert tip.created_at == dt.datetime(2026, 6, 20, 10, 0, tzinfo=dt.UTC)


async def test_tips_about_one_place_are_grouped(
    tips: TipService, clock: Clock[dt.datetime]
) -> None:
    first = (await tips.submit(channel())).tip
    clock.now += dt.timedelta(days=3)
    await tips.submit(channel(region=None))
    await tips.submit(channel("t.me/other"))
    view = await tips.view(first.id)
    assert view.group is not None
    assert view.group.size == 2
    assert view.group.first_reported.date() == dt.date(2026, 6, 20)
    assert view.group.last_reported.date() == dt.date(2026, 6, 23)


async def test_a_tip_about_two_places_groups_with_tips_about_either(tips: TipService) -> None:
    both = (await tips.submit(channel("t.me/shop_one", None, "t.me/shop_two/15"))).tip
    await tips.submit(channel("t.me/shop_two"))
    await tips.submit(channel("@shop_one"))
    await tips.submit(channel("t.me/shop_three"))
    view = await tips.view(both.id)
    assert [link.url for link in view.tip.links] == ["t.me/shop_one", "t.me/shop_two/15"]
    assert view.group is not None and view.group.size == 3
    lone = await tips.view(4)
    assert lone.group is not None and lone.group.size == 1


async def test_status_flow_and_audit(tips: TipService, db: Database) -> None:
    tip = (await tips.submit(channel())).tip
    await tips.change_status(tip.id, TipStatus.IN_REVIEW, MODERATOR)
    await tips.change_status(tip.id, TipStatus.CONFIRMED, MODERATOR)
    await tips.change_status(tip.id, TipStatus.POLICE, MODERATOR)
    view = await tips.change_status(tip.id, TipStatus.CLOSED, MODERATOR)
    assert view.tip.status is TipStatus.CLOSED
    assert view.tip.closed_at is not None and view.tip.first_action_at is not None
    with pytest.raises(TransitionError):
        await tips.change_status(tip.id, TipStatus.POLICE, MODERATOR)
    entries = await fetch(db, "SELECT actor_id, action, target, details FROM audit_log ORDER BY id")
    assert entries == [
        (MODERATOR.user_id, "tip.status", f"tip:{tip.id}", status)
        for status in ("in_review", "confirmed", "police", "closed")
    ]


async def test_audit_log_is_append_only(tips: TipService, db: Database) -> None:
    tip = (await tips.submit(channel())).tip
    await tips.change_status(tip.id, TipStatus.IN_REVIEW, MODERATOR)
    for statement in ("UPDATE audit_log SET actor_id = 1", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            await run(db, statement)


async def test_duplicate_points_to_the_first_tip(tips: TipService) -> None:
    first = (await tips.submit(channel())).tip
    second = (await tips.submit(channel())).tip
    with pytest.raises(TransitionError):
        await tips.change_status(first.id, TipStatus.DUPLICATE, MODERATOR)
    view = await tips.change_status(second.id, TipStatus.DUPLICATE, MODERATOR)
    assert view.tip.duplicate_of == first.id


async def test_notes_and_public_reply(tips: TipService) -> None:
    tip = (await tips.submit(channel())).tip
    await tips.add_note(tip.id, MODERATOR, "checked, channel is live")
    await tips.tell_reporter(tip.id, MODERATOR, EventKind.REPLY, "Thank you, we passed it on.")
    view = await tips.view(tip.id)
    replies = [e.text for e in view.events if e.kind is EventKind.REPLY]
    assert replies == ["Thank you, we passed it on."]
    assert view.tip.first_action_at is not None
    with pytest.raises(TipNotFoundError):
        await tips.add_note(999, MODERATOR, "x")


async def test_questions_and_answers_make_a_dated_history(
    tips: TipService, clock: Clock[dt.datetime]
) -> None:
    submitted = await tips.submit(channel())
    tip_id = submitted.tip.id
    await tips.change_status(tip_id, TipStatus.IN_REVIEW, MODERATOR)
    question = await tips.tell_reporter(tip_id, MODERATOR, EventKind.QUESTION, "Which entrance?")
    clock.now += dt.timedelta(days=1, hours=3, seconds=7)
    answer = await tips.answer(tip_id, question.id, "The second one", [b"\xff\xd8jpeg"])
    assert answer.photo_count == 1 and answer.created_on == dt.date(2026, 6, 21)
    with pytest.raises(QuestionClosedError):
        await tips.answer(tip_id, question.id, "again")
    view = await tips.by_receipt(submitted.receipt_code)
    assert view is not None
    assert [e.kind for e in view.events] == [EventKind.STATUS, EventKind.QUESTION, EventKind.ANSWER]
    assert open_questions(view.events) == []
    # Another tip's question cannot be answered through this tip.
    other = (await tips.submit(channel("t.me/other"))).tip
    foreign = await tips.tell_reporter(other.id, MODERATOR, EventKind.QUESTION, "Where?")
    with pytest.raises(QuestionClosedError):
        await tips.answer(tip_id, foreign.id, "nope")


async def test_queue_puts_unresolved_first_and_filters(tips: TipService) -> None:
    a = (await tips.submit(channel())).tip
    b = (await tips.submit(channel("t.me/shop_b", region="almaty"))).tip
    c = (
        await tips.submit(
            TipDraftData(category=TipCategory.STASH, region="almaty", address="Abay 10")
        )
    ).tip
    await tips.change_status(c.id, TipStatus.REJECTED, MODERATOR)
    _, rows, total = await tips.queue(QueueFilter(), page=0, actor=MODERATOR)
    assert total == 3
    assert [r.id for r in rows] == [b.id, a.id, c.id]
    _, rows, total = await tips.queue(QueueFilter(region="almaty"), page=0, actor=MODERATOR)
    assert {r.id for r in rows} == {b.id, c.id}
    _, rows, _ = await tips.queue(QueueFilter(category=TipCategory.STASH), page=0, actor=MODERATOR)
    assert [r.id for r in rows] == [c.id]
    _, rows, _ = await tips.queue(
        QueueFilter(status=TipStatus.NEW), page=0, actor=MODERATOR, page_size=1
    )
    assert len(rows) == 1


async def test_export_has_no_receipts(tips: TipService) -> None:
    submitted = await tips.submit(channel())
    await tips.submit(channel())
    await tips.add_note(submitted.tip.id, MODERATOR, "first note")
    content, count = await tips.export_csv(
        dt.date(2026, 6, 1), dt.date(2026, 6, 30), None, MODERATOR
    )
    assert count == 2
    text = content.decode("utf-8-sig")
    assert submitted.receipt_code not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "id": str(submitted.tip.id),
        "date": "2026-06-20",
        "category": "channel",
        "region": "astana",
        "links": "t.me/shop_x",
        "group_size": "2",
        "status": "new",
        "notes": "first note",
    }
    _, none = await tips.export_csv(dt.date(2026, 7, 1), dt.date(2026, 7, 31), None, MODERATOR)
    assert none == 0
    _, confirmed = await tips.export_csv(
        dt.date(2026, 6, 1), dt.date(2026, 6, 30), TipStatus.CONFIRMED, MODERATOR
    )
    assert confirmed == 0


async def test_retention_purges_the_text_of_tips_unchanged_for_long(
    tips: TipService, clock: Clock[dt.datetime], db: Database
) -> None:
    old = (
        await tips.submit(
            TipDraftData(
                category=TipCategory.STASH,
                region="almaty",
                address="Abay 10",
                latitude=43.2,
                longitude=76.9,
                description="a stash",
                photos=(b"\xff\xd8jpeg",),
            )
        )
    ).tip
    forgotten = (await tips.submit(channel("t.me/never_looked_at"))).tip
    await tips.change_status(old.id, TipStatus.REJECTED, MODERATOR)
    clock.now += dt.timedelta(days=91)
    fresh = (await tips.submit(channel())).tip
    # Every status: a closed tip and one nobody ever looked at.
    assert await tips.purge_unchanged(90) == 2
    assert (await tips.view(forgotten.id)).tip.description is None
    purged = (await tips.view(old.id)).tip
    assert purged.purged
    assert (purged.description, purged.address, purged.latitude, purged.photo_count) == (
        None,
        None,
        None,
        0,
    )
    assert purged.category is TipCategory.STASH and purged.region == "almaty"
    assert (await tips.view(fresh.id)).tip.description == "Sells «соль» to pupils"
    assert await tips.purge_unchanged(90) == 0


async def test_the_service_checks_who_changes_a_tip(tips: TipService) -> None:
    """Whatever a handler checked: a regional moderator changes their region's tips only, a
    volunteer only paints over wall adverts, and only moderators export."""
    astana = (await tips.submit(channel(region="astana"))).tip
    almaty_moderator = StaffMember(10, StaffRole.MODERATOR, "almaty")
    volunteer = StaffMember(11, StaffRole.VOLUNTEER, "astana")
    for change in (
        tips.change_status(astana.id, TipStatus.IN_REVIEW, almaty_moderator),
        tips.add_note(astana.id, almaty_moderator, "x"),
        tips.tell_reporter(astana.id, almaty_moderator, EventKind.QUESTION, "x"),
        tips.change_status(astana.id, TipStatus.IN_REVIEW, volunteer),
        tips.mark_painted(astana.id, volunteer),  # a channel is not a wall
        tips.add_note(astana.id, volunteer, "x"),
        tips.export_csv(dt.date(2026, 6, 1), dt.date(2026, 6, 30), None, volunteer),
    ):
        with pytest.raises(PermissionDeniedError):
            await change
    assert (await tips.view(astana.id)).tip.status is TipStatus.NEW


async def test_staff_open_and_paint_only_what_their_role_covers(tips: TipService) -> None:
    astana_channel = (await tips.submit(channel(region="astana"))).tip
    wall = TipDraftData(category=TipCategory.WALL_ADVERT, region="astana", address="Abay 1")
    astana_wall = (await tips.submit(wall)).tip
    with pytest.raises(OutOfRegionError):
        await tips.view_as(astana_wall.id, StaffMember(10, StaffRole.MODERATOR, "almaty"))
    volunteer = StaffMember(11, StaffRole.VOLUNTEER, "astana")
    with pytest.raises(WallAdvertsOnlyError):
        await tips.view_as(astana_channel.id, volunteer)
    assert (await tips.view_as(astana_wall.id, volunteer)).tip.id == astana_wall.id
    with pytest.raises(TransitionError):
        await tips.set_status_as(astana_wall.id, TipStatus.REJECTED, volunteer)
    painted = await tips.set_status_as(astana_wall.id, TipStatus.PAINTED, volunteer)
    assert painted.tip.status is TipStatus.PAINTED


async def test_the_queue_shows_staff_what_their_role_covers(tips: TipService) -> None:
    """Whatever filter the buttons carry: a regional moderator sees their region, a volunteer
    wall adverts only."""
    await tips.submit(channel(region="astana"))
    wall = TipDraftData(category=TipCategory.WALL_ADVERT, region="almaty", address="Abay 1")
    await tips.submit(wall)
    almaty_moderator = StaffMember(10, StaffRole.MODERATOR, "almaty")
    volunteer = StaffMember(11, StaffRole.VOLUNTEER, None)
    asked = QueueFilter(region="astana", category=TipCategory.CHANNEL)
    applied, rows, _ = await tips.queue(asked, page=0, actor=almaty_moderator)
    assert applied.region == "almaty" and rows == []
    applied, rows, _ = await tips.queue(asked, page=0, actor=volunteer)
    assert applied.category is TipCategory.WALL_ADVERT and rows == []
    _, rows, _ = await tips.queue(QueueFilter(), page=0, actor=volunteer)
    assert [row.category for row in rows] == [TipCategory.WALL_ADVERT]


async def test_a_tip_is_nobodys_to_see_until_its_notice_is_posted(
    db: Database, clock: Clock[dt.datetime]
) -> None:
    """Listing or opening a tip at once would date its reporter's action more finely than the
    random delay of its card allows."""
    service = TipService(db, clock)
    tip = (await service.submit(channel())).tip
    with pytest.raises(TipNotFoundError):
        await service.view(tip.id)
    with pytest.raises(TipNotFoundError):
        await service.change_status(tip.id, TipStatus.IN_REVIEW, MODERATOR)
    assert (await service.queue(QueueFilter(), page=0, actor=MODERATOR))[2] == 0
    _, count = await service.export_csv(dt.date(2026, 6, 1), dt.date(2026, 6, 30), None, MODERATOR)
    assert count == 0
    assert (await service.view(tip.id, pending=True)).tip.id == tip.id  # the notifier's view
    await service.notice_posted(tip.id)
    assert (await service.view(tip.id)).tip.id == tip.id
    assert (await service.queue(QueueFilter(), page=0, actor=MODERATOR))[2] == 1


async def found(tips: TipService, text: str, actor: StaffMember = MODERATOR) -> list[int]:
    _, rows, _ = await tips.queue(QueueFilter(words=search_words(text)), 0, actor)
    return sorted(row.id for row in rows)


async def test_search_folds_kazakh_and_russian_the_same_on_both_engines(
    tips: TipService, clock: Clock[dt.datetime]
) -> None:
    """SQLite's lower() folds ASCII only and PostgreSQL's follows the server's locale: the
    words and the stored text are folded by Python, so both engines find the same tips."""
    advert = TipDraftData(
        category=TipCategory.WALL_ADVERT,
        region="almaty",
        address="ӘЛ-ФАРАБИ даңғылы 77, Ёлка подъезд",
        description="Трафарет «РАБОТА 100%_ДОХОД»",
    )
    wall = (await tips.submit(advert)).tip
    shop = (await tips.submit(channel("t.me/Kazak_Shop"))).tip
    assert await found(tips, "әл-фараби") == [wall.id]
    assert await found(tips, "ДАҢҒЫЛЫ") == [wall.id]
    assert await found(tips, "елка") == [wall.id]  # ё is read as е
    assert await found(tips, "работа доход") == [wall.id]  # every word, in any order
    assert await found(tips, "работа шоп") == []
    assert await found(tips, "100%_") == [wall.id]  # LIKE's wildcards are literal here
    assert await found(tips, "%") == [wall.id]
    assert await found(tips, "_x") == []
    assert await found(tips, "kazak_shop") == [shop.id]  # links too
    assert await found(tips, "СОЛЬ") == [shop.id]  # the description
    # The search keeps the queue's scope: an Astana moderator finds no Almaty advert.
    assert await found(tips, "даңғылы", StaffMember(5, StaffRole.MODERATOR, "astana")) == []
    # After retention only the links are left to find.
    clock.now += dt.timedelta(days=91)
    assert await tips.purge_unchanged(90) == 2
    assert await found(tips, "даңғылы") == []
    assert await found(tips, "kazak_shop") == [shop.id]


async def test_search_keeps_hidden_what_the_queue_hides(
    db: Database, clock: Clock[dt.datetime]
) -> None:
    """A volunteer finds wall adverts only; a tip whose card is still owed is found by nobody
    and counts in no "×N" group; a forward's person or private group is not searchable."""
    service = TipService(db, clock)  # notices not posted: as right after Send
    volunteer = StaffMember(6, StaffRole.VOLUNTEER, None)
    shown = (await service.submit(channel("t.me/grouped_shop"))).tip
    await service.notice_posted(shown.id)
    hidden = (await service.submit(channel("t.me/grouped_shop"))).tip
    assert await found(service, "grouped_shop") == [shown.id]
    assert await found(service, "grouped_shop", volunteer) == []
    group = (await service.view(shown.id)).group
    assert group is not None and group.size == 1  # the hidden second tip is not counted
    forwarded = TipDraftData(
        category=TipCategory.RECRUITING,
        origins=(
            Origin(OriginKind.USER, "Aigerim Sultanova", None),
            Origin(OriginKind.PRIVATE_CHAT, "11Б мектеп 5", None),
            Origin(OriginKind.PRIVATE_CHANNEL, "Быстрые Деньги KZ", None),
        ),
    )
    tip = (await service.submit(forwarded)).tip
    await service.notice_posted(tip.id)
    await service.notice_posted(hidden.id)
    assert await found(service, "aigerim") == []
    assert await found(service, "мектеп") == []
    assert await found(service, "быстрые деньги") == [tip.id]


async def test_the_tips_metric_moves_when_the_card_is_posted_not_at_send(
    db: Database, clock: Clock[dt.datetime]
) -> None:
    """A counter scraped every few seconds must not date the reporter's Send."""
    service = TipService(db, clock)
    before = REGISTRY.get_sample_value("qorgan_tips_received_total") or 0.0
    tip = (await service.submit(channel())).tip
    assert REGISTRY.get_sample_value("qorgan_tips_received_total") == before
    await service.notice_posted(tip.id)
    assert REGISTRY.get_sample_value("qorgan_tips_received_total") == before + 1
