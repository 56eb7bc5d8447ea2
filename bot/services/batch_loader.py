"""Reads asked for in the same moment, answered by one query.

When a getUpdates answer brings a hundred updates, aiogram starts a hundred handler tasks at
once and each asks for its sender's profile. One round trip to aiosqlite's thread per profile
made such a burst wait on a hundred hops in a row (bench/updates.py). Here the keys asked for
in the same turn of the event loop share one query, and keys asked for while it runs share
the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# SQLite allows 32,766 parameters in a statement since 3.32; stay far below.
MAX_BATCH = 500


class BatchLoader(Generic[K, V]):
    def __init__(
        self,
        fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]],
        missing: V,
    ) -> None:
        """`fetch` answers a batch of keys with the values it found; the others get `missing`."""
        self._fetch = fetch
        self._missing = missing
        self._waiting: dict[K, asyncio.Future[V]] = {}
        self._drainer: asyncio.Task[None] | None = None

    async def load(self, key: K) -> V:
        future = self._waiting.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            # A waiter that gave up leaves nobody to see a failure: mark it seen.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._waiting[key] = future
            if self._drainer is None:
                self._drainer = loop.create_task(self._drain())
        # shield: one caller giving up must not cancel the answer others wait for.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = dict(list(self._waiting.items())[:MAX_BATCH])
                for key in batch:
                    del self._waiting[key]
                await self._answer(batch)
        finally:
            self._drainer = None
            # Only when the drainer itself was cancelled (shutdown): nobody waits forever.
            for future in self._waiting.values():
                future.cancel()
            self._waiting.clear()

    async def _answer(self, batch: dict[K, asyncio.Future[V]]) -> None:
        try:
            found = await self._fetch(list(batch))
        except asyncio.CancelledError:
            for future in batch.values():
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter, as a direct read would
            for future in batch.values():
                if not future.done():
                    future.set_exception(exc)
            return
        for key, future in batch.items():
            if not future.done():
                future.set_result(found.get(key, self._missing))
