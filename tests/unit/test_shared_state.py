"""Cluster mode's shared state in a real Redis: what one replica writes another reads, every
key expires, and no key or value names a chat."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis

from bot.domain import Link, TipCategory
from bot.services.drafts import IDLE_SECONDS, TipDraft
from bot.shared_state import KeyHasher, SharedState
from bot.webhook import Delivery

CHAT = 987_654_321
TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[SharedState, SharedState]]:
    """Two processes' views of one Redis."""
    one = SharedState(Redis.from_url(redis_url), KeyHasher(TOKEN))
    two = SharedState(Redis.from_url(redis_url), KeyHasher(TOKEN))
    yield one, two
    await one.close()
    await two.close()


async def everything(redis: Redis) -> dict[bytes, tuple[bytes, int]]:
    """Every key with its value (as stored) and its time to live in ms."""
    found: dict[bytes, tuple[bytes, int]] = {}
    async for key in redis.scan_iter():
        kind = await redis.type(key)
        value = await redis.get(key) if kind == b"string" else await redis.dump(key)
        found[key] = (
            value.encode() if isinstance(value, str) else value or b"",
            await redis.pttl(key),
        )
    return found


async def test_a_draft_started_on_one_replica_is_finished_on_the_other(
    replicas: tuple[SharedState, SharedState],
) -> None:
    one, two = replicas
    draft = await one.drafts().start(CHAT, first_message_id=7)
    draft.category = TipCategory.CHANNEL
    draft.links.append(Link("https://t.me/shop", "t.me/shop"))
    draft.photos.append(b"\xff\xd8 a jpeg")
    await one.drafts().save(CHAT, draft)
    there = await two.drafts().draft(CHAT)
    assert isinstance(there, TipDraft) and there == draft
    assert await two.drafts().claim(CHAT, there)
    assert not await one.drafts().claim(CHAT, draft)  # the other replica's Send came first


async def test_every_key_expires_and_none_names_the_chat(
    replicas: tuple[SharedState, SharedState],
) -> None:
    one, _ = replicas
    await one.drafts().start(CHAT)
    await one.follow_ups().grant(CHAT, 42)
    await one.daily_quota(5, lambda: dt.date(2026, 6, 26)).take(CHAT)
    await one.limit("receipt-guesses", 5, 3600).allow(CHAT)
    storage = one.conversation_storage()
    key = StorageKey(bot_id=123456, chat_id=CHAT, user_id=CHAT)
    await storage.set_state(key, "ReportForm:place")
    await storage.set_data(key, {"question": 3})
    await one.seen_updates().begin(1001)
    stored = await everything(one.redis)
    assert len(stored) == 7
    for name, (value, ttl_ms) in stored.items():
        assert 0 < ttl_ms <= 24 * 3600 * 1000 * 2, name  # nothing lives forever
        assert str(CHAT).encode() not in name and str(CHAT).encode() not in value, name
    draft_ttl = next(ttl for name, (_, ttl) in stored.items() if b":draft:" in name)
    assert IDLE_SECONDS * 1000 - 5000 < draft_ttl <= IDLE_SECONDS * 1000


async def test_the_key_hash_needs_the_token(redis_url: str) -> None:
    """Without the bot's token, a key cannot be matched to a chat id by trying them all."""
    assert KeyHasher(TOKEN)("draft", CHAT) == KeyHasher(TOKEN)("draft", CHAT)
    assert KeyHasher(TOKEN)("draft", CHAT) != KeyHasher("654321:OTHER")("draft", CHAT)


async def test_an_update_taken_by_one_replica_is_not_handled_by_another(
    replicas: tuple[SharedState, SharedState],
) -> None:
    one, two = replicas
    assert await one.seen_updates().begin(5) is Delivery.NEW
    assert await two.seen_updates().begin(5) is Delivery.BUSY  # Telegram is told to retry
    await one.seen_updates().finish(5)
    assert await two.seen_updates().begin(5) is Delivery.DONE
    assert await one.seen_updates().begin(6) is Delivery.NEW
    await one.seen_updates().forget(6)  # its handling failed: the redelivery is handled
    assert await two.seen_updates().begin(6) is Delivery.NEW


async def test_limits_hold_across_replicas(replicas: tuple[SharedState, SharedState]) -> None:
    one, two = replicas
    flood_one, flood_two = one.limit("flood", 2, 1.0), two.limit("flood", 2, 1.0)
    assert await flood_one.allow(CHAT) and await flood_two.allow(CHAT)
    assert not await flood_one.allow(CHAT) and not await flood_two.allow(CHAT)
    day = dt.date(2026, 6, 26)
    assert await one.daily_quota(1, lambda: day).take(CHAT)
    assert not await two.daily_quota(1, lambda: day).take(CHAT)
