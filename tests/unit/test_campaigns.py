"""The campaign calendar: when each campaign fires, idempotent occurrences across restarts,
the grace window, and switching a campaign off."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.db.repositories import broadcasts as repo
from bot.domain import BroadcastStatus
from bot.services.broadcasts import BroadcastService
from bot.services.campaigns import CampaignService
from bot.services.content import Library
from bot.services.roles import PermissionDeniedError, StaffMember, StaffRole
from tests.clock import Clock
from tests.engines import fetch

MODERATOR = StaffMember(7, StaffRole.MODERATOR, None)

ALMATY = ZoneInfo("Asia/Almaty")


def at(text: str) -> dt.datetime:
    """A moment given in Astana time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ALMATY)


def service(library: Library, db: Database, clock: Clock[dt.datetime]) -> CampaignService:
    return CampaignService(
        library, db, BroadcastService(db, clock), ALMATY, clock, grace=dt.timedelta(hours=6)
    )


async def rows(db: Database) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in await fetch(db, "SELECT idempotency_key, status FROM broadcasts ORDER BY id")
    ]


def test_june_26_fires_at_11_in_astana(library: Library, db: Database) -> None:
    campaigns = service(library, db, Clock(at("2027-06-25T12:00")))
    upcoming = campaigns.upcoming(days=3)
    assert [(m, c.id) for m, c in upcoming] == [(at("2027-06-26T11:00"), "june26_day")]
    assert upcoming[0][0].astimezone(dt.UTC).hour == 6


def test_safer_internet_day_is_the_tuesday_between_the_6th_and_the_12th_of_february(
    library: Library, db: Database
) -> None:
    campaigns = service(library, db, Clock(at("2027-01-01T00:00")))
    campaign = library.campaign("safer_internet_day")
    assert campaign is not None
    dates = [
        m.date()
        for m in campaigns.occurrences(campaign, at("2027-01-01T00:00"), at("2030-12-31T00:00"))
    ]
    assert all(d.weekday() == 1 and 6 <= d.day <= 12 and d.month == 2 for d in dates)
    assert len(dates) == 4


async def test_an_occurrence_fired_twice_is_sent_once(library: Library, db: Database) -> None:
    clock = Clock(at("2027-06-26T11:00"))
    campaigns = service(library, db, clock)
    first = await campaigns.fire("june26_day")
    clock.now += dt.timedelta(minutes=5)
    again = await campaigns.fire("june26_day")
    assert len(first) == 1 and again == []
    assert await rows(db) == [("campaign:june26_day:2027-06-26T11:00", "running")]


async def test_restart_within_the_grace_window_sends_late_once(
    library: Library, db: Database
) -> None:
    clock = Clock(at("2027-06-26T15:30"))  # the bot was down at 11:00
    created = await service(library, db, clock).catch_up()
    assert [b.idempotency_key for b in created] == ["campaign:june26_day:2027-06-26T11:00"]
    clock.now += dt.timedelta(minutes=10)
    assert await service(library, db, clock).catch_up() == []  # a second restart
    assert len(await rows(db)) == 1


async def test_outside_the_grace_window_it_is_skipped_and_logged_once(
    library: Library, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(at("2027-06-26T18:00"))  # 7 hours late
    with caplog.at_level(logging.WARNING):
        assert await service(library, db, clock).catch_up() == []
        await service(library, db, clock).catch_up()
    assert await rows(db) == [("campaign:june26_day:2027-06-26T11:00", "skipped")]
    assert len([r for r in caplog.records if "june26_day" in r.getMessage()]) == 1


async def test_a_switched_off_campaign_does_not_fire(library: Library, db: Database) -> None:
    clock = Clock(at("2027-06-26T11:00"))
    campaigns = service(library, db, clock)
    await campaigns.set_enabled("june26_day", False, MODERATOR)
    assert await campaigns.fire("june26_day") == []
    await campaigns.set_enabled("june26_day", True, MODERATOR)
    assert len(await campaigns.fire("june26_day")) == 1
    actions = await fetch(db, "SELECT action FROM audit_log ORDER BY id")
    assert [row[0] for row in actions] == ["campaign.disable", "campaign.enable"]


async def test_campaign_broadcasts_use_their_audience(library: Library, db: Database) -> None:
    clock = Clock(at("2027-09-01T19:00"))
    (broadcast,) = await service(library, db, clock).fire("school_start")
    campaign = library.campaign("school_start")
    assert campaign is not None
    assert broadcast.audience.roles == frozenset(campaign.audience.roles)
    assert broadcast.content.text_kk and broadcast.content.text_ru
    async with db.transaction() as conn:
        assert (await repo.get(conn, broadcast.id)) is not None
    assert broadcast.status is BroadcastStatus.RUNNING


async def test_only_moderators_of_every_region_switch_campaigns(
    library: Library, db: Database
) -> None:
    campaigns = service(library, db, Clock(at("2027-06-26T11:00")))
    for actor in (
        StaffMember(8, StaffRole.MODERATOR, "almaty"),
        StaffMember(9, StaffRole.VOLUNTEER, None),
    ):
        with pytest.raises(PermissionDeniedError):
            await campaigns.set_enabled("june26_day", False, actor)
    assert await campaigns.is_enabled("june26_day")
