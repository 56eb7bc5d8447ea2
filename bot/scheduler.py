"""Background jobs on APScheduler: expiring tip drafts and purging old tip texts.

Jobs are plain async functions that receive what they need; the scheduler lives as long as the
dispatcher (started on startup, stopped on shutdown).
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.services.drafts import DraftStore
from bot.services.follow_ups import FollowUpAccess
from bot.services.tips import TipService

logger = logging.getLogger(__name__)


async def sweep_drafts(drafts: DraftStore, follow_ups: FollowUpAccess) -> None:
    expired = await drafts.sweep()
    await follow_ups.sweep()
    if expired:
        logger.info("Deleted %d idle tip draft(s)", expired)


async def purge_old_tips(tips: TipService, retention_days: int) -> None:
    purged = await tips.purge_unchanged(retention_days)
    if purged:
        logger.info("Retention: purged the text and photos of %d tip(s)", purged)


def create_scheduler(
    settings: Settings, tips: TipService, drafts: DraftStore, follow_ups: FollowUpAccess
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.tz)
    scheduler.add_job(
        sweep_drafts, "interval", minutes=1, args=[drafts, follow_ups], id="sweep_drafts"
    )
    scheduler.add_job(
        purge_old_tips,
        "cron",
        hour=3,
        minute=30,
        args=[tips, settings.retention_days],
        id="purge_old_tips",
    )
    return scheduler
