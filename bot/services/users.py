"""Onboarding and settings of a user: language, role, region, campaign subscription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database
from bot.db.repositories import users
from bot.domain import Language, Profile, Role
from bot.services.batch_loader import BatchLoader
from bot.services.profile_cache import Missing, ProfileCache


class UnknownUserError(Exception):
    """The chat has no profile yet (it never chose a language)."""


class InvalidChoiceError(ValueError):
    """A choice that no screen offers (a stale or forged button)."""


class UserService:
    def __init__(
        self,
        db: Database,
        today: Callable[[], dt.date],
        regions: frozenset[str],
        cache: ProfileCache | None = None,
    ):
        self._db = db
        self._today = today
        self._regions = regions
        # Every write below goes through the cache after its commit (see ProfileCache).
        self.cache = cache or ProfileCache()
        self._loader: BatchLoader[int, Profile | None] = BatchLoader(self._read_many, None)

    async def get(self, chat_id: int) -> Profile | None:
        cached = self.cache.get(chat_id)
        if not isinstance(cached, Missing):
            return cached
        version = self.cache.version
        profile = await self._loader.load(chat_id)
        self.cache.fill(chat_id, profile, version)
        return profile

    async def _read_many(self, chat_ids: list[int]) -> dict[int, Profile]:
        async with self._db.statement() as conn:
            return await users.get_many(conn, chat_ids)

    async def choose_language(self, chat_id: int, language: Language) -> Profile:
        """Save the language; creates the profile on a chat's first choice."""
        async with self._db.transaction() as conn:
            if await users.get(conn, chat_id) is None:
                await users.insert(conn, chat_id, language, self._today())
            else:
                await users.set_language(conn, chat_id, language)
            profile = await self._load(conn, chat_id)
        return self._written(profile)

    async def set_role(self, chat_id: int, role: Role) -> Profile:
        async with self._db.transaction() as conn:
            await self._load(conn, chat_id)
            await users.set_role(conn, chat_id, role)
            profile = await self._load(conn, chat_id)
        return self._written(profile)

    async def set_region(self, chat_id: int, region: str | None) -> Profile:
        if region is not None and region not in self._regions:
            raise InvalidChoiceError(f"unknown region {region!r}")
        async with self._db.transaction() as conn:
            await self._load(conn, chat_id)
            await users.set_region(conn, chat_id, region)
            profile = await self._load(conn, chat_id)
        return self._written(profile)

    async def set_subscribed(self, chat_id: int, subscribed: bool) -> Profile:
        async with self._db.transaction() as conn:
            await self._load(conn, chat_id)
            await users.set_subscribed(conn, chat_id, subscribed)
            profile = await self._load(conn, chat_id)
        return self._written(profile)

    async def finish_onboarding(self, chat_id: int, subscribed: bool) -> Profile:
        async with self._db.transaction() as conn:
            await self._load(conn, chat_id)
            await users.set_subscribed(conn, chat_id, subscribed)
            await users.mark_onboarded(conn, chat_id)
            profile = await self._load(conn, chat_id)
        return self._written(profile)

    async def forget(self, chat_id: int) -> None:
        """Delete everything kept about this chat. Anonymous tips are untouched: they hold
        nothing about anyone."""
        async with self._db.transaction() as conn:
            await users.delete(conn, chat_id)
        self.cache.evict([chat_id])

    async def checkpoint(self) -> None:
        """Truncate the WAL, so that deleted rows survive in no file."""
        await self._db.checkpoint()

    async def unsubscribe_unreachable(self, chat_id: int) -> None:
        """The user blocked the bot: stop campaign messages, keep nothing else changed."""
        async with self._db.transaction() as conn:
            await users.set_subscribed(conn, chat_id, False)
            profile = await users.get(conn, chat_id)
        self.cache.put(chat_id, profile)

    def _written(self, profile: Profile) -> Profile:
        self.cache.put(profile.chat_id, profile)
        return profile

    @staticmethod
    async def _load(conn: AsyncConnection, chat_id: int) -> Profile:
        profile = await users.get(conn, chat_id)
        if profile is None:
            raise UnknownUserError(chat_id)
        return profile
