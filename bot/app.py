"""The composition root: builds the bot, the services, the dispatcher and the background work,
and runs them until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n
from aiohttp import web

from bot.commands import register_commands
from bot.config import EXPECTATIONS, Settings, SettingsError
from bot.db import Database
from bot.delivery import ProgressReporter, TelegramSender
from bot.handlers import MENU_FEATURES, build_routers
from bot.i18n import create_i18n
from bot.leader import LeadershipLostError, WorkerLock
from bot.logs import silence_identifying_loggers
from bot.middlewares import (
    InFlightMiddleware,
    LocaleMiddleware,
    ProfileMiddleware,
    ThrottlingMiddleware,
)
from bot.middlewares.fresh import FreshScreenMiddleware
from bot.middlewares.throttling import FloodGate
from bot.notifier import TipNotifier
from bot.polling import Poller
from bot.scheduler import create_scheduler
from bot.services.audit import AuditService
from bot.services.broadcaster import Broadcaster
from bot.services.broadcasts import BroadcastService
from bot.services.campaigns import CampaignService
from bot.services.content import Library, load_library
from bot.services.courses import CourseService
from bot.services.drafts import DraftStore
from bot.services.follow_ups import FollowUpAccess
from bot.services.learning import LearningService
from bot.services.limits import AttemptLimit, DailyQuota, SlidingLimit
from bot.services.pacing import RateLimiter
from bot.services.practice import PracticeService
from bot.services.practice_stats import PracticeStatsService
from bot.services.privacy import PrivacyService
from bot.services.profile_cache import ProfileCache
from bot.services.reporting import ReportSender
from bot.services.roles import RoleService
from bot.services.stats import StatsService
from bot.services.tips import TipService
from bot.services.users import UserService
from bot.shared_state import SharedState
from bot.telegram_session import PatientRequests, TelegramSession
from bot.webhook import SeenUpdates, UpdateLedger, create_monitoring_app, create_webhook_app

logger = logging.getLogger(__name__)

# How long shutdown waits for updates being handled, and for a broadcast batch in flight.
SHUTDOWN_GRACE_SECONDS = 10.0
RECEIPT_GUESSES_PER_HOUR = 5
# How old the staff list may grow in a replica before it is read again: a moderator removed
# on one replica loses their role on the others within this.
TEAM_MAX_AGE_SECONDS = 2.0
# How soon the worker notices a broadcast or a tip notice that a webhook replica queued.
WORKER_POLL_SECONDS = 2.0


def create_bot(settings: Settings) -> Bot:
    session = TelegramSession(settings.bot_api_url)
    session.middleware(PatientRequests())
    return Bot(
        token=settings.require_token().get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


@dataclass(frozen=True, slots=True)
class Services:
    """Everything handlers and jobs need, built once; handlers get each as a keyword."""

    users: UserService
    learning: LearningService
    tips: TipService
    roles: RoleService
    drafts: DraftStore
    follow_ups: FollowUpAccess
    quota: DailyQuota
    reports: ReportSender
    receipt_guesses: AttemptLimit
    broadcasts: BroadcastService
    campaigns: CampaignService
    audit: AuditService
    stats: StatsService
    privacy: PrivacyService
    practice: PracticeService
    courses: CourseService
    practice_stats: PracticeStatsService

    def as_kwargs(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


# getMe at start: network errors are retried by the session (about 8 s in all), then this.
STARTUP_CHECK_SECONDS = 30.0


async def check_telegram(bot: Bot, settings: Settings) -> None:
    """Before anything else starts, one getMe: a token the Bot API refuses, or a Bot API that
    does not answer, is the operator's to fix, and gets one line naming the setting (exit
    status 2) instead of a traceback."""
    try:
        await asyncio.wait_for(bot.get_me(), STARTUP_CHECK_SECONDS)
    except TelegramUnauthorizedError:
        raise SettingsError(
            "BOT_TOKEN was refused by the Bot API (401 Unauthorized): copy the token from"
            " @BotFather again"
        ) from None
    except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
        raise SettingsError(
            f"BOT_API_URL does not answer ({settings.bot_api_url}): {type(exc).__name__};"
            " expected " + EXPECTATIONS["BOT_API_URL"]
        ) from None


async def delete_leftover_webhook(bot: Bot) -> None:
    """Polling cannot start while a webhook is set (a cluster ran before): delete it, keeping
    the updates Telegram holds."""
    if (await bot.get_webhook_info()).url:
        await bot.delete_webhook(drop_pending_updates=False)
        logger.info("Deleted the webhook left from webhook mode, to poll; pending updates kept")


def build_services(
    settings: Settings, db: Database, library: Library, shared: SharedState | None = None
) -> Services:
    """`shared` (REDIS_URL): drafts, follow-ups and limits in Redis, for all replicas."""
    tz = settings.tz

    def today() -> dt.date:
        return dt.datetime.now(tz).date()

    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    broadcasts = BroadcastService(db, now)
    grace = dt.timedelta(hours=settings.campaign_grace_hours)
    users = UserService(db, today, library.region_codes)
    # In memory (or Redis) only, never in the database: a quota on disk would need its key
    # (the chat), and with it a database holder would learn who reported today.
    # Receipt guesses per chat: a code has 80 random bits; the limit only stops pestering.
    drafts: DraftStore
    receipt_guesses: AttemptLimit
    if shared is None:
        drafts, follow_ups = DraftStore(), FollowUpAccess()
        quota = DailyQuota(settings.tips_per_day, today)
        receipt_guesses = SlidingLimit(RECEIPT_GUESSES_PER_HOUR, 3600)
    else:
        drafts, follow_ups = shared.drafts(), shared.follow_ups()
        quota = shared.daily_quota(settings.tips_per_day, today)
        receipt_guesses = shared.limit("receipt-guesses", RECEIPT_GUESSES_PER_HOUR, 3600)
    tips = TipService(db, now)
    practice = PracticeService(db, library, today)
    return Services(
        users=users,
        learning=LearningService(db, library, today),
        tips=tips,
        roles=RoleService(db, settings.admin_ids, now),
        drafts=drafts,
        follow_ups=follow_ups,
        quota=quota,
        reports=ReportSender(drafts, quota, tips),
        receipt_guesses=receipt_guesses,
        broadcasts=broadcasts,
        campaigns=CampaignService(library, db, broadcasts, tz, now, grace),
        audit=AuditService(db),
        stats=StatsService(db, today, tz),
        privacy=PrivacyService(users, drafts, follow_ups, quota, receipt_guesses),
        practice=practice,
        courses=CourseService(db, library, practice, today, now, tz),
        practice_stats=PracticeStatsService(db, library),
    )


def create_dispatcher(
    settings: Settings,
    db: Database,
    library: Library,
    i18n: I18n,
    services: Services,
    notifier: TipNotifier,
    shared: SharedState | None = None,
) -> tuple[Dispatcher, InFlightMiddleware]:
    # Conversation state lives with the drafts, in memory or in Redis without persistence
    # (DESIGN.md, drafts are transient); in Redis one update of a chat runs at a time across
    # the replicas, as in one process.
    storage = MemoryStorage() if shared is None else shared.conversation_storage()
    dp = Dispatcher(
        storage=storage,
        events_isolation=None if shared is None else shared.conversation_isolation(storage),
        settings=settings,
        db=db,
        library=library,
        features=MENU_FEATURES,
        i18n=i18n,
        notifier=notifier,
        **services.as_kwargs(),
    )
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    dp.update.outer_middleware(ProfileMiddleware(services.users))
    dp.update.outer_middleware(
        LocaleMiddleware(i18n, settings.moderator_chat_id, settings.moderator_language)
    )
    flood_window = None if shared is None else shared.limit("flood", settings.flood_limit, 1.0)
    gate = FloodGate(settings.flood_limit, window=flood_window)
    dp.update.outer_middleware(ThrottlingMiddleware(gate))
    dp.callback_query.outer_middleware(FreshScreenMiddleware())
    dp.include_routers(*build_routers(settings.moderator_chat_id))
    return dp, in_flight


class Application:
    """One running bot: `run()` until `stop()` (or SIGTERM/SIGINT when handling signals)."""

    def __init__(self, settings: Settings) -> None:
        silence_identifying_loggers()
        self.settings = settings
        self.library = load_library()
        self.i18n = create_i18n()
        self.db = Database(settings.database)
        self.bot = create_bot(settings)
        self.shared = None if settings.redis_url is None else SharedState.connect(settings)
        self.services = build_services(settings, self.db, self.library, self.shared)
        self.notifier = TipNotifier(self.bot, settings, self.services.tips, self.library, self.i18n)
        self.dispatcher, self._in_flight = create_dispatcher(
            settings, self.db, self.library, self.i18n, self.services, self.notifier, self.shared
        )
        self.update_ledger: UpdateLedger = (
            SeenUpdates() if self.shared is None else self.shared.seen_updates()
        )
        self.broadcaster = Broadcaster(
            self.db,
            TelegramSender(self.bot, self.i18n, self.library),
            RateLimiter(settings.broadcast_rate),
            now=lambda: dt.datetime.now(dt.UTC),
            quiet_hours=settings.quiet_window,
            # About a second of sending: the most a crash can repeat (see Broadcaster).
            batch_size=max(1, round(settings.broadcast_rate)),
            on_progress=ProgressReporter(self.bot, self.i18n, self.db, settings.moderator_language),
            on_unreachable=self.services.users.cache.evict,
        )
        self.services.broadcasts.on_new_work(self.broadcaster.wake)
        self.services.courses.on_new_work(self.broadcaster.wake)
        self.scheduler = create_scheduler(
            settings, self.services.tips, self.services.drafts, self.services.follow_ups
        )
        self.services.campaigns.schedule(self.scheduler)
        self.services.courses.schedule(self.scheduler)
        self._delivery: asyncio.Task[None] | None = None
        self.poller = Poller(self.dispatcher, self.bot)
        self._stop_requested: asyncio.Event | None = None
        self.dispatcher.startup.register(self._on_startup)
        self.dispatcher.shutdown.register(self._on_shutdown)

    # Shortcuts used by tests and the demo.
    @property
    def drafts(self) -> DraftStore:
        return self.services.drafts

    @property
    def tips(self) -> TipService:
        return self.services.tips

    async def _on_startup(self, **_: Any) -> None:
        await register_commands(self.bot, self.i18n, self.settings)
        await self.broadcaster.recover()
        owed = await self.notifier.recover()
        if owed:
            logger.info("Posting %d tip notice(s) a stop left owed, after a random delay", owed)
        await self.services.campaigns.catch_up()
        await self.services.courses.send_reminders()
        self.scheduler.start()
        self._delivery = asyncio.create_task(self.broadcaster.run(), name="broadcast-delivery")
        # Everything loaded so far (aiogram's models, the content) lives as long as the
        # process: keep it out of the garbage collector's full passes, whose pauses showed
        # as latency spikes in bench/updates.py.
        gc.freeze()
        if self.settings.moderator_chat_id is None:
            logger.warning("MODERATOR_CHAT_ID is not set: new tips wait in /tips only")
        logger.info("Qorgan is running")

    async def _on_shutdown(self, **_: Any) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._delivery is not None:
            await self.broadcaster.stop(self._delivery, SHUTDOWN_GRACE_SECONDS)
        if not await self._in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.warning("Stopping with %d updates still being handled", self._in_flight.count)
        await self.notifier.stop()

    async def run(self, *, handle_signals: bool = True, handle_as_tasks: bool = True) -> None:
        """Poll until stopped. `handle_as_tasks=False` handles updates one at a time, so that
        a test harness knows an update is done when the next getUpdates confirms it."""
        try:
            await check_telegram(self.bot, self.settings)
            await delete_leftover_webhook(self.bot)
            await self._open_database()
            await self.poller.run(
                allowed_updates=self.dispatcher.resolve_used_update_types(),
                handle_as_tasks=handle_as_tasks,
                handle_signals=handle_signals,
            )
        finally:
            if self._delivery is not None and not self._delivery.done():
                self._delivery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._delivery
            await self._close_connections()

    async def serve_webhook(self, host: str, port: int, *, handle_signals: bool = True) -> None:
        """Serve updates posted by Telegram (bot/webhook.py) until stopped. A replica only
        handles updates: the worker sets the webhook and runs the scheduled work."""
        self._stop_requested = asyncio.Event()
        self._beside_other_processes()
        self.notifier.left_to_worker = True
        runner = web.AppRunner(create_webhook_app(self), handle_signals=False)
        try:
            await check_telegram(self.bot, self.settings)
            await self._open_database()
            await runner.setup()
            await web.TCPSite(runner, host, port).start()
            logger.info(
                "Serving webhook updates at http://%s:%d%s", host, port, self.settings.webhook_path
            )
            if handle_signals:
                self._stop_on_signals(self._stop_requested)
            await self._stop_requested.wait()
        finally:
            await runner.cleanup()  # stops taking updates, lets those in flight finish
            await self.notifier.stop()
            await self._close_connections()
            logger.info("Stopped serving webhook updates")

    async def serve_worker(
        self, host: str = "127.0.0.1", port: int | None = None, *, handle_signals: bool = True
    ) -> None:
        """The scheduled work beside webhook replicas (campaigns, broadcasts, retention, owed
        tip cards), in one active worker at a time (bot/leader.py); a second one stands by
        and takes over when the first dies. Once active it points Telegram at WEBHOOK_URL.
        With `port`, it serves /healthz and /metrics (broadcast counts are counted here)."""
        self._stop_requested = asyncio.Event()
        self._beside_other_processes()
        lock, active = WorkerLock(self.db), False
        monitoring = web.AppRunner(create_monitoring_app(self), handle_signals=False)
        try:
            await check_telegram(self.bot, self.settings)
            await self._open_database()
            await monitoring.setup()
            if port is not None:
                await web.TCPSite(monitoring, host, port).start()
            if handle_signals:
                self._stop_on_signals(self._stop_requested)
            if not await self._until_stopped(lock.acquire()):
                return
            active = True
            logger.info("This worker is active")
            await self.bot.set_webhook(
                url=self.settings.require_webhook_url(),
                secret_token=self.settings.require_webhook_secret(),
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
            logger.info("Webhook set")
            await self._on_startup()
            self._watch_replicas_work()
            await self._until_stopped(lock.hold())
        except LeadershipLostError:
            logger.error("Lost the worker lock's connection: stopping, another worker takes over")
        finally:
            if active:
                await self._on_shutdown()
            await monitoring.cleanup()
            await lock.release()
            await self._close_connections()
            logger.info("Worker stopped")

    def _watch_replicas_work(self) -> None:
        """Replicas leave tip notices owed and broadcasts queued in the database; the worker
        looks for both regularly (a query each, on indexed columns)."""
        self.broadcaster.idle_poll = WORKER_POLL_SECONDS
        self.scheduler.add_job(
            self.notifier.recover,
            "interval",
            seconds=WORKER_POLL_SECONDS,
            id="owed_notices",
            max_instances=1,
        )

    def health_checks(self) -> dict[str, Callable[[], Awaitable[object]]]:
        """What /healthz asks: the database, and Redis when the replicas share it."""
        checks: dict[str, Callable[[], Awaitable[object]]] = {"database": self.db.ping}
        if self.shared is not None:
            checks["redis"] = self.shared.ping
        return checks

    async def _close_connections(self) -> None:
        await self.bot.session.close()
        await self.db.close()
        if self.shared is not None:
            await self.shared.close()

    async def _open_database(self) -> None:
        """Open it, creating the schema of an empty one; one behind the code is refused."""
        await self.db.open()
        if await self.db.create_schema_if_empty():
            logger.info("Created the database schema")

    @staticmethod
    def _stop_on_signals(stop: asyncio.Event) -> None:
        """SIGTERM (docker stop, systemd) and SIGINT end serve_webhook() and serve_worker()."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)

    def _beside_other_processes(self) -> None:
        """Caches exact only while one process writes the database: the profile cache is
        switched off (every read goes to the database; misses of one turn of the event loop
        still share one query), and the staff list is read again every few seconds."""
        self.services.users.cache = ProfileCache(capacity=0)
        self.services.roles.team_max_age = TEAM_MAX_AGE_SECONDS

    async def _until_stopped(self, work: Coroutine[Any, Any, None]) -> bool:
        """Run `work` until it ends (True) or stop() is called first (False)."""
        assert self._stop_requested is not None
        task = asyncio.create_task(work)
        stopping = asyncio.create_task(self._stop_requested.wait())
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if task.done():
            task.result()  # raises what the work raised
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False

    async def stop(self) -> None:
        """Ask `run()`, `serve_webhook()` or `serve_worker()` to stop; it returns once
        shutdown is complete."""
        if self._stop_requested is not None:
            self._stop_requested.set()
        self.poller.stop()
