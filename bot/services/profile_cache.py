"""The profiles of recently active chats, kept in memory.

Every update needs its sender's profile (language, role, onboarding), and reading it from
SQLite costs a round trip to aiosqlite's thread, which was the largest cost of a /help after
the HTTP itself (bench/updates.py). Profiles change only through UserService and the
broadcaster's "blocked" marks, both of which update or evict the entry here, so the cache is
exact for one bot process (the only writer of the database while it runs).

A read that started before a write may finish after it; `version` tells the reader that its
row may be stale, so it does not overwrite the newer entry.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Final

from bot.domain import Profile

# Generous for one process: a profile is a few hundred bytes.
DEFAULT_CAPACITY: Final = 20_000


class Missing:
    """Not in the cache (unlike a cached None: a chat known to have no profile)."""


MISSING: Final = Missing()


class ProfileCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[int, Profile | None] = OrderedDict()
        self.version = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, chat_id: int) -> Profile | Missing | None:
        entry = self._entries.get(chat_id, MISSING)
        if not isinstance(entry, Missing):
            self._entries.move_to_end(chat_id)
        return entry

    def put(self, chat_id: int, profile: Profile | None) -> None:
        """Store what was just written, or read (see `fill`)."""
        self.version += 1
        self._store(chat_id, profile)

    def fill(self, chat_id: int, profile: Profile | None, read_at_version: int) -> None:
        """Store a row read from the database, unless a write happened since the read began."""
        if self.version == read_at_version:
            self._store(chat_id, profile)

    def evict(self, chat_ids: Iterable[int]) -> None:
        """Rows changed behind UserService's back (the broadcaster marks blocked chats)."""
        self.version += 1
        for chat_id in chat_ids:
            self._entries.pop(chat_id, None)

    def _store(self, chat_id: int, profile: Profile | None) -> None:
        self._entries[chat_id] = profile
        self._entries.move_to_end(chat_id)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
