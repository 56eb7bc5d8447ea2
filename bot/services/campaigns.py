"""The campaign calendar: APScheduler fires each occurrence, which becomes a broadcast with an
idempotency key (campaign id + occurrence time), so firing twice — or again after a restart —
sends once. An occurrence missed while the bot was down is sent late within a grace window,
otherwise recorded as skipped and logged once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from html import escape
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.db import Database
from bot.db.repositories import audit, broadcasts
from bot.domain import Audience, Broadcast, BroadcastContent
from bot.services.broadcasts import BroadcastService
from bot.services.content import Library
from bot.services.content.models import Campaign
from bot.services.roles import PermissionDeniedError, StaffMember

logger = logging.getLogger(__name__)

# How far back a start-up looks for occurrences missed beyond the grace window, to log them.
LOOKBACK = dt.timedelta(days=7)


class UnknownCampaignError(LookupError):
    pass


def occurrence_key(campaign: Campaign, moment: dt.datetime, tz: ZoneInfo) -> str:
    return f"campaign:{campaign.id}:{moment.astimezone(tz):%Y-%m-%dT%H:%M}"


def campaign_content(campaign: Campaign) -> BroadcastContent:
    """Campaign texts are plain text in the content file; broadcasts carry HTML."""
    return BroadcastContent(
        text_kk=escape(campaign.text.kk, quote=False),
        text_ru=escape(campaign.text.ru, quote=False),
        button_kind=campaign.button.kind if campaign.button else None,
        button_target=campaign.button.target if campaign.button else None,
    )


def campaign_audience(campaign: Campaign) -> Audience:
    return Audience(roles=frozenset(campaign.audience.roles), region=campaign.audience.region)


class CampaignService:
    def __init__(
        self,
        library: Library,
        db: Database,
        broadcasts_service: BroadcastService,
        tz: ZoneInfo,
        now: Callable[[], dt.datetime],
        grace: dt.timedelta = dt.timedelta(hours=6),
    ) -> None:
        self._library = library
        self._db = db
        self._broadcasts = broadcasts_service
        self._tz = tz
        self._now = now
        self.grace = grace

    @property
    def campaigns(self) -> tuple[Campaign, ...]:
        return self._library.campaigns

    def _campaign(self, campaign_id: str) -> Campaign:
        campaign = self._library.campaign(campaign_id)
        if campaign is None:
            raise UnknownCampaignError(campaign_id)
        return campaign

    def trigger(self, campaign: Campaign) -> CronTrigger:
        return CronTrigger(timezone=self._tz, **campaign.schedule.fields())

    def occurrences(
        self, campaign: Campaign, after: dt.datetime, until: dt.datetime
    ) -> Iterator[dt.datetime]:
        """Fire times in (after, until]."""
        trigger = self.trigger(campaign)
        moment = trigger.get_next_fire_time(None, after + dt.timedelta(seconds=1))
        while moment is not None and moment <= until:
            yield moment
            moment = trigger.get_next_fire_time(moment, moment + dt.timedelta(seconds=1))

    def upcoming(self, days: int = 30) -> list[tuple[dt.datetime, Campaign]]:
        now = self._now()
        until = now + dt.timedelta(days=days)
        found = [(m, c) for c in self.campaigns for m in self.occurrences(c, now, until)]
        return sorted(found, key=lambda pair: pair[0])

    async def fire(self, campaign_id: str) -> list[Broadcast]:
        """Create the broadcast of every occurrence due within the grace window, once."""
        campaign = self._campaign(campaign_id)
        if not await self.is_enabled(campaign.id):
            return []
        now = self._now()
        created = []
        for moment in self.occurrences(campaign, now - self.grace, now):
            broadcast = await self._broadcasts.start(
                campaign_content(campaign),
                campaign_audience(campaign),
                urgent=campaign.urgent,
                actor=None,
                idempotency_key=occurrence_key(campaign, moment, self._tz),
            )
            if broadcast is not None:
                logger.info("Campaign %s: occurrence %s queued", campaign.id, moment.isoformat())
                created.append(broadcast)
        return created

    async def catch_up(self) -> list[Broadcast]:
        """At start-up: send what is due within the grace window; log what is too late."""
        created = []
        now = self._now()
        for campaign in self.campaigns:
            created += await self.fire(campaign.id)
            for moment in self.occurrences(campaign, now - LOOKBACK, now - self.grace):
                key = occurrence_key(campaign, moment, self._tz)
                if await self._broadcasts.record_skipped(
                    campaign_content(campaign), campaign_audience(campaign), key
                ):
                    logger.warning(
                        "Campaign %s: occurrence %s was missed by more than %s and is skipped",
                        campaign.id,
                        moment.isoformat(),
                        self.grace,
                    )
        return created

    def schedule(self, scheduler: BaseScheduler) -> None:
        for campaign in self.campaigns:
            scheduler.add_job(
                self.fire,
                self.trigger(campaign),
                args=[campaign.id],
                id=f"campaign:{campaign.id}",
                # APScheduler's default grace is one second: a busy loop would drop the send.
                misfire_grace_time=int(self.grace.total_seconds()),
                coalesce=True,
                replace_existing=True,
            )

    async def is_enabled(self, campaign_id: str) -> bool:
        async with self._db.transaction() as conn:
            return await broadcasts.campaign_enabled(conn, campaign_id)

    async def set_enabled(self, campaign_id: str, enabled: bool, actor: StaffMember) -> None:
        """Campaigns go to every region: only moderators of every region switch them."""
        if not actor.moderates or actor.region is not None:
            raise PermissionDeniedError(actor.user_id)
        actor_id = actor.user_id
        campaign = self._campaign(campaign_id)
        async with self._db.transaction() as conn:
            await broadcasts.set_campaign_enabled(conn, campaign.id, enabled)
            action = "campaign.enable" if enabled else "campaign.disable"
            await audit.record(conn, actor_id, action, f"campaign:{campaign.id}", self._now())
