"""Cluster mode (REDIS_URL): the transient state that one process keeps in memory, shared in
Redis by the replicas behind a load balancer, so that a report started on one replica finishes
on another and a limit holds whichever replica an update reaches.

Each class here has the methods of its in-memory counterpart (DraftStore, FollowUpAccess,
DailyQuota, SlidingLimit, SeenUpdates) and the same promise (DESIGN.md): nothing outlives its
purpose, because every key carries a TTL, and no key names a chat. Keys hold a keyed hash of
the chat id (KeyHasher), so a copy of Redis's memory without the bot's token does not say
whose draft, quota or conversation state a key is. Redis must not write these to disk
(docs/deploy.md: `save ""`, `appendonly no`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, KeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

from bot.services.drafts import (
    IDLE_SECONDS,
    DraftStore,
    FormPhase,
    HeldReceipt,
    Sending,
    Sent,
    TipDraft,
)
from bot.services.follow_ups import FollowUpAccess
from bot.services.limits import DailyQuota
from bot.webhook import LEASE_SECONDS, Delivery

if TYPE_CHECKING:
    from bot.config import Settings

PREFIX = "qorgan"


class KeyHasher:
    """A chat id as it appears in Redis keys: an HMAC under a secret the replicas share (a
    hash of the bot token), so the key is stable across replicas but says nothing to whoever
    reads Redis without the token."""

    def __init__(self, bot_token: str) -> None:
        self._secret = hashlib.sha256(b"qorgan redis keys\0" + bot_token.encode()).digest()

    def __call__(self, *parts: object) -> str:
        message = ":".join(str(part) for part in parts).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]


class PseudonymousKeyBuilder(KeyBuilder):
    """aiogram's conversation state and locks, keyed by the hash of (bot, chat, user, thread)
    instead of the ids themselves."""

    def __init__(self, hasher: KeyHasher) -> None:
        self._hash = hasher

    def build(self, key: StorageKey, part: Literal["data", "state", "lock"] | None = None) -> str:
        who = self._hash(
            key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id
        )
        return ":".join(filter(None, (PREFIX, "fsm", key.destiny, who, part)))


async def renew_every(period: float, renew: Callable[[], Awaitable[object]]) -> None:
    """Call `renew` every `period` seconds until cancelled."""
    while True:
        await asyncio.sleep(period)
        await renew()


class ConversationLock(BaseEventIsolation):
    """aiogram's Redis event isolation with a lease that is renewed while the update is
    handled: a slow update keeps its chat's lock, and a killed replica's lock expires soon."""

    def __init__(self, redis: Redis, key_builder: KeyBuilder) -> None:
        self._redis, self._key_builder = redis, key_builder

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        name = self._key_builder.build(key, "lock")
        lock = self._redis.lock(name, timeout=LEASE_SECONDS, blocking_timeout=None)
        async with lock:
            renewing = asyncio.create_task(renew_every(LEASE_SECONDS / 3, lock.reacquire))
            try:
                yield
            finally:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing

    async def close(self) -> None:
        pass  # the connection is SharedState's


class _Phase(StrEnum):
    DRAFT = "D"
    SENDING = "S"
    RECEIPT = "R"
    SENT = "T"


class _StoredPhase(BaseModel):
    """A form's phase as JSON; photos as base64."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")
    draft: TipDraft | None = None
    sending: Sending | None = None
    receipt: HeldReceipt | None = None
    sent: Sent | None = None


def _encode(phase: FormPhase) -> bytes:
    match phase:
        case TipDraft():
            kind, box = _Phase.DRAFT, _StoredPhase(draft=phase)
        case Sending():
            kind, box = _Phase.SENDING, _StoredPhase(sending=phase)
        case HeldReceipt():
            kind, box = _Phase.RECEIPT, _StoredPhase(receipt=phase)
        case Sent():
            kind, box = _Phase.SENT, _StoredPhase(sent=phase)
    return kind.encode() + box.model_dump_json(exclude_none=True).encode()


def _decode(blob: bytes | str) -> FormPhase | None:
    box = _StoredPhase.model_validate_json(blob[1:])
    return box.draft or box.sending or box.receipt or box.sent


# Writes `ARGV[1]` (with TTL `ARGV[2]` ms) only if the key holds a draft now: a handler saving
# its changes, or Send claiming the draft, never overwrites a receipt or a claim that came first.
_SET_IF_DRAFT = """
local now = redis.call('GET', KEYS[1])
if now and string.sub(now, 1, 1) == 'D' then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
end
return 0
"""


class RedisDraftStore(DraftStore):
    """Report forms in Redis; a key expires after IDLE_SECONDS without use, as in memory."""

    def __init__(self, redis: Redis, hasher: KeyHasher) -> None:
        super().__init__()
        self._redis, self._hash = redis, hasher
        self._set_if_draft = redis.register_script(_SET_IF_DRAFT)
        self._ttl_ms = int(IDLE_SECONDS * 1000)

    def __len__(self) -> int:
        return 0  # counted by Redis, not here

    def _key(self, chat_id: int) -> str:
        return f"{PREFIX}:draft:{self._hash('draft', chat_id)}"

    async def _put(self, chat_id: int, phase: FormPhase) -> None:
        await self._redis.set(self._key(chat_id), _encode(phase), px=self._ttl_ms)

    async def start(self, chat_id: int, first_message_id: int | None = None) -> TipDraft:
        draft = TipDraft(first_message_id=first_message_id)
        await self._put(chat_id, draft)
        return draft

    async def get(self, chat_id: int) -> FormPhase | None:
        blob = await self._redis.getex(self._key(chat_id), px=self._ttl_ms)
        return None if blob is None else _decode(blob)

    async def save(self, chat_id: int, draft: TipDraft) -> None:
        await self._set_if_draft(keys=[self._key(chat_id)], args=[_encode(draft), self._ttl_ms])

    async def hold_receipt(
        self, chat_id: int, receipt: str, first_message_id: int | None = None
    ) -> None:
        await self._put(chat_id, HeldReceipt(receipt, first_message_id))

    async def claim(self, chat_id: int, draft: TipDraft) -> bool:
        claimed = Sending(draft.first_message_id)
        key = self._key(chat_id)
        return bool(await self._set_if_draft(keys=[key], args=[_encode(claimed), self._ttl_ms]))

    async def restore(self, chat_id: int, draft: TipDraft) -> None:
        await self._put(chat_id, draft)

    async def mark_sent(self, chat_id: int) -> None:
        await self._put(chat_id, Sent())

    async def discard(self, chat_id: int) -> None:
        await self._redis.delete(self._key(chat_id))

    async def sweep(self) -> int:
        return 0  # Redis expires idle drafts itself


class RedisFollowUps(FollowUpAccess):
    """Which tip a chat opened with its receipt, for as long as a draft lives."""

    def __init__(self, redis: Redis, hasher: KeyHasher) -> None:
        super().__init__()
        self._redis, self._hash = redis, hasher
        self._ttl_ms = int(IDLE_SECONDS * 1000)

    def _key(self, chat_id: int) -> str:
        return f"{PREFIX}:follow-up:{self._hash('follow-up', chat_id)}"

    async def grant(self, chat_id: int, tip_id: int) -> None:
        await self._redis.set(self._key(chat_id), tip_id, px=self._ttl_ms)

    async def tip(self, chat_id: int) -> int | None:
        value = await self._redis.getex(self._key(chat_id), px=self._ttl_ms)
        return None if value is None else int(value)

    async def revoke(self, chat_id: int) -> None:
        await self._redis.delete(self._key(chat_id))

    async def sweep(self) -> int:
        return 0


# Uses one of the day's `ARGV[1]` if any is left; the key lives two days, past any time zone.
_TAKE = """
local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], 172800) end
if used > tonumber(ARGV[1]) then
    redis.call('DECR', KEYS[1])
    return 0
end
return 1
"""


class RedisDailyQuota(DailyQuota):
    """At most `limit` reports per chat per day, counted across replicas."""

    def __init__(
        self, redis: Redis, hasher: KeyHasher, limit: int, today: Callable[[], dt.date]
    ) -> None:
        super().__init__(limit, today)
        self._redis, self._hash = redis, hasher
        self._take = redis.register_script(_TAKE)

    def _key(self, key: int) -> str:
        return f"{PREFIX}:quota:{self._hash('quota', self._today(), key)}"

    async def remaining(self, key: int) -> int:
        return self.limit - int(await self._redis.get(self._key(key)) or 0)

    async def use(self, key: int) -> None:
        await self._take(keys=[self._key(key)], args=[1_000_000])

    async def take(self, key: int) -> bool:
        return bool(await self._take(keys=[self._key(key)], args=[self.limit]))

    async def refund(self, key: int) -> None:
        await self._redis.decr(self._key(key))

    async def forget(self, key: int) -> None:
        await self._redis.delete(self._key(key))


# A sliding window in a sorted set of attempt times: drop those older than the window, count
# the rest, add this one if under the limit. ARGV: now (ms), window (ms), limit, a unique member.
_ALLOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisSlidingLimit:
    """At most `limit` attempts per key within `window` seconds, across replicas."""

    def __init__(
        self,
        redis: Redis,
        hasher: KeyHasher,
        name: str,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit, self.window, self.name = limit, window, name
        self._redis, self._hash, self._clock = redis, hasher, clock
        self._allow = redis.register_script(_ALLOW)

    def _key(self, key: int) -> str:
        return f"{PREFIX}:limit:{self._hash(self.name, key)}"

    async def allow(self, key: int) -> bool:
        now_ms, window_ms = int(self._clock() * 1000), int(self.window * 1000)
        args: list[Any] = [now_ms, window_ms, self.limit, secrets.token_hex(6)]
        return bool(await self._allow(keys=[self._key(key)], args=args))

    async def exhausted(self, key: int) -> bool:
        since = int((self._clock() - self.window) * 1000)
        return await self._redis.zcount(self._key(key), f"({since}", "+inf") >= self.limit

    async def forget(self, key: int) -> None:
        await self._redis.delete(self._key(key))


# Telegram retries an unanswered update for a while; a handled one is remembered for a day.
REMEMBER_SECONDS = 24 * 3600


class RedisSeenUpdates:
    """Which update ids any replica has taken (update ids are not about anyone). Update ids
    count per bot: two bots sharing a Redis keep apart by their bot id."""

    def __init__(self, redis: Redis, bot_id: int) -> None:
        self._redis, self._bot_id = redis, bot_id

    def _key(self, update_id: int) -> str:
        return f"{PREFIX}:update:{self._bot_id}:{update_id}"

    async def begin(self, update_id: int) -> Delivery:
        key = self._key(update_id)
        if await self._redis.set(key, "busy", nx=True, px=int(LEASE_SECONDS * 1000)):
            return Delivery.NEW
        mark = await self._redis.get(key)
        if mark is None:  # the lease ran out in between: try again
            return await self.begin(update_id)
        return Delivery.DONE if mark == b"done" else Delivery.BUSY

    async def renew(self, update_id: int) -> None:
        """Still being handled: keep the "busy" mark (a killed replica's mark expires)."""
        await self._redis.pexpire(self._key(update_id), int(LEASE_SECONDS * 1000))

    async def finish(self, update_id: int) -> None:
        await self._redis.set(self._key(update_id), "done", ex=REMEMBER_SECONDS)

    async def forget(self, update_id: int) -> None:
        await self._redis.delete(self._key(update_id))


class SharedState:
    """The Redis connection of a cluster's process, and the shared stores built on it."""

    def __init__(self, redis: Redis, hasher: KeyHasher, bot_id: int = 0) -> None:
        self.redis, self.hasher, self.bot_id = redis, hasher, bot_id

    @classmethod
    def connect(cls, settings: Settings) -> SharedState:
        """Connects lazily (at the first command): /healthz and the first update tell."""
        assert settings.redis_url is not None
        redis = Redis.from_url(settings.redis_url, health_check_interval=30)
        token = settings.require_token().get_secret_value()
        return cls(redis, KeyHasher(token), bot_id=int(token.partition(":")[0]))

    def conversation_storage(self) -> RedisStorage:
        """Conversation state for the dispatcher: expires with the draft it belongs to."""
        ttl = dt.timedelta(seconds=IDLE_SECONDS)
        return RedisStorage(
            self.redis, key_builder=PseudonymousKeyBuilder(self.hasher), state_ttl=ttl, data_ttl=ttl
        )

    def conversation_isolation(self, storage: BaseStorage) -> ConversationLock:
        """One update of a chat at a time across all replicas: a chat's second message waits
        for its first, as it does in one process."""
        assert isinstance(storage, RedisStorage)
        return ConversationLock(self.redis, storage.key_builder)

    def drafts(self) -> RedisDraftStore:
        return RedisDraftStore(self.redis, self.hasher)

    def follow_ups(self) -> RedisFollowUps:
        return RedisFollowUps(self.redis, self.hasher)

    def daily_quota(self, limit: int, today: Callable[[], dt.date]) -> RedisDailyQuota:
        return RedisDailyQuota(self.redis, self.hasher, limit, today)

    def limit(self, name: str, limit: int, window: float) -> RedisSlidingLimit:
        return RedisSlidingLimit(self.redis, self.hasher, name, limit, window)

    def seen_updates(self) -> RedisSeenUpdates:
        return RedisSeenUpdates(self.redis, self.bot_id)

    async def ping(self) -> object:
        return await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()
