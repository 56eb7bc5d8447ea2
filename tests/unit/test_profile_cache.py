"""Profiles held in memory: exact after every write, bounded, and batched on a miss."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.db import Database
from bot.domain import Audience, BroadcastContent, Language, Profile, Role
from bot.services.batch_loader import BatchLoader
from bot.services.broadcaster import Broadcaster, UnreachableError
from bot.services.broadcasts import BroadcastService
from bot.services.pacing import RateLimiter
from bot.services.profile_cache import MISSING, ProfileCache
from bot.services.roles import StaffMember, StaffRole
from bot.services.users import InvalidChoiceError, UnknownUserError, UserService
from tests.conftest import TODAY

# Whoever starts or steers a broadcast: a moderator of every region.
STAFF = StaffMember(1, StaffRole.MODERATOR, None)


def profile(chat_id: int, language: Language = Language.RU) -> Profile:
    return Profile(chat_id, language, None, None, False, False, TODAY)


def test_the_least_recently_used_profile_leaves_first() -> None:
    cache = ProfileCache(capacity=2)
    cache.put(1, profile(1))
    cache.put(2, profile(2))
    assert cache.get(1) == profile(1)  # 1 is now the most recently used
    cache.put(3, profile(3))
    assert cache.get(2) is MISSING
    assert cache.get(1) == profile(1) and cache.get(3) == profile(3)
    assert len(cache) == 2


def test_a_chat_without_a_profile_is_cached_as_none() -> None:
    cache = ProfileCache()
    cache.put(5, None)
    assert cache.get(5) is None
    assert cache.get(6) is MISSING


def test_a_read_older_than_a_write_does_not_replace_it() -> None:
    cache = ProfileCache()
    version = cache.version  # a read begins
    cache.put(1, profile(1, Language.KK))  # a write finishes meanwhile
    cache.fill(1, profile(1, Language.RU), version)  # the read's (stale) row arrives
    assert cache.get(1) == profile(1, Language.KK)
    cache.fill(2, profile(2), cache.version)  # an undisturbed read is kept
    assert cache.get(2) == profile(2)


async def test_reads_asked_for_together_share_one_query() -> None:
    batches: list[list[int]] = []

    async def fetch(keys: list[int]) -> dict[int, str]:
        batches.append(keys)
        await asyncio.sleep(0)
        return {key: f"v{key}" for key in keys if key != 3}

    loader: BatchLoader[int, str | None] = BatchLoader(fetch, None)
    results = await asyncio.gather(*(loader.load(key) for key in (1, 2, 3, 2)))
    assert results == ["v1", "v2", None, "v2"]
    assert batches == [[1, 2, 3]]
    assert await loader.load(4) == "v4"  # a later read starts a new query
    assert batches[-1] == [4]


async def test_a_failed_query_fails_every_reader_and_the_next_read_retries() -> None:
    calls = 0

    async def fetch(keys: list[int]) -> dict[int, int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk I/O error")
        return {key: key for key in keys}

    loader: BatchLoader[int, int | None] = BatchLoader(fetch, None)
    results = await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)
    assert all(isinstance(result, OSError) for result in results)
    assert await loader.load(1) == 1


async def test_a_reader_that_gives_up_does_not_cancel_the_others() -> None:
    release = asyncio.Event()

    async def fetch(keys: list[int]) -> dict[int, int]:
        await release.wait()
        return {key: key * 10 for key in keys}

    loader: BatchLoader[int, int | None] = BatchLoader(fetch, None)
    impatient = asyncio.create_task(loader.load(1))
    patient = asyncio.create_task(loader.load(1))
    await asyncio.sleep(0)
    impatient.cancel()
    release.set()
    assert await patient == 10
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_cancelled_query_leaves_no_reader_waiting_forever() -> None:
    async def fetch(keys: list[int]) -> dict[int, int]:
        raise asyncio.CancelledError  # as when the process shuts down mid-query

    loader: BatchLoader[int, int | None] = BatchLoader(fetch, None)
    reader = asyncio.create_task(loader.load(1))
    await asyncio.wait([reader], timeout=2)
    assert reader.done() and reader.cancelled()


async def test_a_profile_read_that_overlaps_a_write_does_not_cache_the_old_row(
    users: UserService,
) -> None:
    await users.choose_language(3, Language.RU)
    users.cache.evict([3])
    read_rows = users._read_many

    async def read_then_a_write_lands(chat_ids: list[int]) -> dict[int, Profile]:
        rows = await read_rows(chat_ids)  # the old row...
        await users.choose_language(3, Language.KK)  # ...and a write commits meanwhile
        return rows

    users._loader = BatchLoader(read_then_a_write_lands, None)
    stale = await users.get(3)
    assert stale is not None and stale.language is Language.RU  # what that read saw
    fresh = await users.get(3)
    assert fresh is not None and fresh.language is Language.KK  # the cache kept the write


async def test_every_write_is_seen_by_the_next_read(users: UserService, db: Database) -> None:
    assert await users.get(9) is None  # cached: no profile yet
    await users.choose_language(9, Language.KK)
    assert (await users.get(9)).language is Language.KK  # type: ignore[union-attr]
    await users.set_role(9, Role.PARENT)
    await users.set_region(9, "astana")
    await users.finish_onboarding(9, subscribed=True)
    cached = await users.get(9)
    assert cached is not None and cached.onboarded and cached.region == "astana"
    # The cache agrees with a fresh service reading the database itself.
    assert await UserService(db, lambda: TODAY, frozenset()).get(9) == cached
    await users.unsubscribe_unreachable(9)
    assert (await users.get(9)).subscribed is False  # type: ignore[union-attr]
    await users.forget(9)
    assert await users.get(9) is None


async def test_a_failed_write_leaves_the_cached_profile_as_it_was(users: UserService) -> None:
    assert await users.get(4) is None
    with pytest.raises(UnknownUserError):  # raised inside the transaction: rolled back
        await users.set_role(4, Role.TEEN)
    assert await users.get(4) is None
    await users.choose_language(4, Language.RU)
    before = await users.get(4)
    with pytest.raises(InvalidChoiceError):
        await users.set_region(4, "atlantis")
    assert await users.get(4) == before


async def test_the_broadcaster_s_blocked_mark_reaches_the_cached_profile(
    users: UserService, db: Database
) -> None:
    await users.choose_language(11, Language.RU)
    await users.set_role(11, Role.TEEN)
    await users.finish_onboarding(11, subscribed=True)
    assert (await users.get(11)).subscribed  # type: ignore[union-attr]

    class BlockedSender:
        async def send(self, *_: object) -> None:
            raise UnreachableError("Forbidden: bot was blocked by the user")

    service = BroadcastService(db, lambda: dt.datetime(2026, 6, 26, 7, tzinfo=dt.UTC))
    broadcast = await service.start(
        BroadcastContent(text_kk="Сәлем", text_ru="Привет"), Audience(), urgent=False, actor=STAFF
    )
    assert broadcast is not None
    engine = Broadcaster(
        db,
        BlockedSender(),
        RateLimiter(None),
        now=lambda: dt.datetime(2026, 6, 26, 7, tzinfo=dt.UTC),
        on_unreachable=users.cache.evict,
    )
    done = await engine.deliver(broadcast.id)
    assert done is not None and done.blocked == 1
    assert (await users.get(11)).subscribed is False  # type: ignore[union-attr]
