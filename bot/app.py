"""Builds the bot, the dispatcher and everything they need, and runs them until stopped."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.i18n import I18n

from bot.commands import register_commands
from bot.config import Settings
from bot.db import Database
from bot.handlers import MENU_FEATURES, build_routers
from bot.i18n import create_i18n
from bot.logs import silence_identifying_loggers
from bot.middlewares import (
    InFlightMiddleware,
    LocaleMiddleware,
    ProfileMiddleware,
    ThrottlingMiddleware,
)
from bot.middlewares.throttling import FloodGate
from bot.scheduler import create_scheduler
from bot.services.content import Library, load_library
from bot.services.drafts import DraftStore
from bot.services.learning import LearningService
from bot.services.limits import DailyQuota, SlidingLimit
from bot.services.roles import RoleService
from bot.services.tips import TipService
from bot.services.users import UserService

logger = logging.getLogger(__name__)

# How long shutdown waits for updates being handled before closing the database.
SHUTDOWN_GRACE_SECONDS = 10.0
RECEIPT_GUESSES_PER_HOUR = 5


def create_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
    return Bot(
        token=settings.require_token().get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    settings: Settings, db: Database, library: Library, i18n: I18n, drafts: DraftStore
) -> tuple[Dispatcher, InFlightMiddleware]:
    tz = settings.tz

    def today() -> dt.date:
        return dt.datetime.now(tz).date()

    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    users = UserService(db, today, library.region_codes)
    # MemoryStorage on purpose: conversation state holds drafts that must not outlive the
    # process (DESIGN.md, drafts are transient).
    dp = Dispatcher(
        storage=MemoryStorage(),
        settings=settings,
        db=db,
        library=library,
        users=users,
        learning=LearningService(db, library, today),
        tips=TipService(db, now),
        roles=RoleService(db, settings.admin_ids),
        drafts=drafts,
        quota=DailyQuota(settings.tips_per_day, today),
        # Receipt guesses per chat: the code has 80 random bits; this only stops pestering.
        receipt_guesses=SlidingLimit(RECEIPT_GUESSES_PER_HOUR, 3600),
        features=MENU_FEATURES,
        i18n=i18n,
    )
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    dp.update.outer_middleware(ProfileMiddleware(users))
    dp.update.outer_middleware(
        LocaleMiddleware(i18n, settings.moderator_chat_id, settings.moderator_language)
    )
    dp.update.outer_middleware(ThrottlingMiddleware(FloodGate(settings.flood_limit)))
    dp.include_routers(*build_routers(settings.moderator_chat_id))
    return dp, in_flight


class Application:
    """One running bot: `run()` until `stop()` (or SIGTERM/SIGINT when handling signals)."""

    def __init__(self, settings: Settings) -> None:
        silence_identifying_loggers()
        self.settings = settings
        self.library = load_library()
        self.i18n = create_i18n()
        self.db = Database(settings.database_path)
        self.bot = create_bot(settings)
        self.drafts = DraftStore()
        self.dispatcher, self._in_flight = create_dispatcher(
            settings, self.db, self.library, self.i18n, self.drafts
        )
        self.tips: TipService = self.dispatcher["tips"]
        self.scheduler = create_scheduler(settings, self.tips, self.drafts)
        self.dispatcher.startup.register(self._on_startup)
        self.dispatcher.shutdown.register(self._on_shutdown)

    async def _on_startup(self, **_: Any) -> None:
        await register_commands(self.bot, self.i18n, self.settings)
        self.scheduler.start()
        if self.settings.moderator_chat_id is None:
            logger.warning("MODERATOR_CHAT_ID is not set: new tips wait in /tips only")
        logger.info("Qorgan is running")

    async def _on_shutdown(self, **_: Any) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if not await self._in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.warning("Stopping with %d updates still being handled", self._in_flight.count)

    async def run(self, *, handle_signals: bool = True, handle_as_tasks: bool = True) -> None:
        """Poll until stopped. `handle_as_tasks=False` handles updates one at a time, so that
        a test harness knows an update is done when the next getUpdates confirms it."""
        try:
            await self.db.open()
            applied = await self.db.migrate()
            if applied:
                logger.info("Applied migrations: %s", ", ".join(applied))
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
                handle_as_tasks=handle_as_tasks,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            await self.bot.session.close()
            await self.db.close()

    async def stop(self) -> None:
        await self.dispatcher.stop_polling()
