"""Tip drafts: kept in memory only while a report is being written (DESIGN.md, drafts are
transient). A draft is deleted when it is sent, cancelled, or left idle for 30 minutes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain import TipCategory, TipDraftData

IDLE_SECONDS = 30 * 60


@dataclass(slots=True)
class TipDraft:
    category: TipCategory | None = None
    place_label: str | None = None
    place_key: str | None = None
    region: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None
    photo_file_ids: list[str] = field(default_factory=list)
    # Steps answered or skipped; once the review screen was shown, each edit returns to it.
    done: set[str] = field(default_factory=set)
    reviewing: bool = False
    touched: float = 0.0
    # Once the tip is stored: its receipt message, until Telegram confirms the reporter saw it
    # (the code is stored only as a hash, so this is the one copy). The draft holds nothing else.
    receipt: str | None = None

    @property
    def has_place(self) -> bool:
        return bool(self.place_key or self.address or self.latitude is not None)

    def to_data(self) -> TipDraftData:
        assert self.category is not None
        return TipDraftData(
            category=self.category,
            place_label=self.place_label,
            place_key=self.place_key,
            region=self.region,
            address=self.address,
            latitude=self.latitude,
            longitude=self.longitude,
            description=self.description,
            photo_file_ids=tuple(self.photo_file_ids),
        )


class DraftStore:
    def __init__(
        self, idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._drafts: dict[int, TipDraft] = {}

    def __len__(self) -> int:
        return len(self._drafts)

    def start(self, chat_id: int, region: str | None) -> TipDraft:
        draft = TipDraft(region=region, touched=self._clock())
        self._drafts[chat_id] = draft
        return draft

    def get(self, chat_id: int) -> TipDraft | None:
        """The chat's draft, touched; None if there is none or it expired (then it is gone)."""
        draft = self._drafts.get(chat_id)
        now = self._clock()
        if draft is None:
            return None
        if now - draft.touched >= self.idle_seconds:
            del self._drafts[chat_id]
            return None
        draft.touched = now
        return draft

    def hold_receipt(self, chat_id: int, receipt: str) -> None:
        """The tip was stored: drop what it said, keep only its receipt until it is seen."""
        self._drafts[chat_id] = TipDraft(touched=self._clock(), receipt=receipt)

    def held_receipt(self, chat_id: int) -> str | None:
        draft = self.get(chat_id)
        return None if draft is None else draft.receipt

    def discard(self, chat_id: int) -> None:
        self._drafts.pop(chat_id, None)

    def sweep(self) -> int:
        """Delete every idle draft; run periodically so nothing lingers unread."""
        now = self._clock()
        expired = [c for c, d in self._drafts.items() if now - d.touched >= self.idle_seconds]
        for chat_id in expired:
            del self._drafts[chat_id]
        return len(expired)
