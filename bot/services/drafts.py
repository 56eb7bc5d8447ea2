"""Tip drafts: kept in memory only while a report is being written (DESIGN.md, drafts are
transient). A draft is deleted when it is sent, cancelled, or left idle for 30 minutes.

The form takes what people really have in their hands: a pasted advert (links among words), a
forwarded post, a photo of a QR code. `TipDraft.take` files each piece where it belongs and
says what it took, so the form can tell the reporter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain import Link, LinkSource, Origin, ReportStep, TipCategory, TipDraftData
from bot.services import links as link_rules
from bot.services.photos import CleanPhoto

IDLE_SECONDS = 30 * 60
MAX_DESCRIPTION = 1500
MAX_ADDRESS = 300
MAX_PHOTOS = 3
MAX_ORIGINS = 5


@dataclass(frozen=True, slots=True)
class FormInput:
    """One message of the reporter, as plain values: its text with the links Telegram marked
    (see links.extract), where it was forwarded from, and its photo, already cleaned."""

    text: str = ""
    marked: tuple[tuple[str, str | None], ...] = ()
    forwarded: bool = False
    origin_link: Link | None = None
    origin: Origin | None = None
    photo: CleanPhoto | None = None


@dataclass(slots=True)
class Taken:
    """What the form took from one message."""

    links: int = 0  # new links
    from_codes: int = 0  # of these, read from QR codes
    links_over_limit: int = 0
    origin: bool = False
    photo: bool = False
    photo_over_limit: bool = False
    words_as: ReportStep | None = None  # DESCRIPTION, or PLACE for an address
    shortened: bool = False  # words beyond the field's limit were left out

    @property
    def anything(self) -> bool:
        return bool(self.links or self.origin or self.photo or self.words_as)


@dataclass(slots=True)
class TipDraft:
    category: TipCategory | None = None
    links: list[Link] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    region: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None
    photos: list[bytes] = field(default_factory=list)
    # The answers given (a skipped step leaves no value, so it is recorded here). Which step
    # is being asked is the conversation state alone (ReportForm), set by screens.report.ask_next
    # from these answers: the first step not answered, or the review once all are.
    done: set[str] = field(default_factory=set)
    touched: float = 0.0
    # The form's first message in the chat (the /report command, or the menu it replaced):
    # after Send, the form's messages from it up to the receipt are deleted from the chat.
    first_message_id: int | None = None

    @property
    def has_place(self) -> bool:
        return bool(self.links or self.origins or self.address or self.latitude is not None)

    @property
    def has_source(self) -> bool:
        """A link or a forwarded post's origin: what an online place is known by."""
        return bool(self.links or self.origins)

    def take(self, step: ReportStep, given: FormInput) -> Taken:
        """File a message's links, origin, photo and words into the draft."""
        taken = Taken()
        pasted = link_rules.extract(given.text, given.marked)
        new_links = list(pasted.links)
        if given.origin_link is not None:
            new_links.insert(0, given.origin_link)
            taken.origin = True
        if given.origin is not None and given.origin not in self.origins:
            if len(self.origins) < MAX_ORIGINS:
                self.origins.append(given.origin)
            taken.origin = True
        if given.photo is not None:
            self._take_photo(given.photo, new_links, taken)
        before = len(self.links)
        merged, taken.links_over_limit = link_rules.merged(self.links, new_links)
        self.links = list(merged)
        taken.links = len(self.links) - before
        taken.from_codes = sum(1 for link in self.links[before:] if link.source is LinkSource.QR)
        if pasted.words:
            self._take_words(step, pasted.words, given.forwarded, taken)
        return taken

    def _take_photo(self, photo: CleanPhoto, new_links: list[Link], taken: Taken) -> None:
        for code in photo.codes:
            try:
                new_links.append(link_rules.normalise(code, LinkSource.QR))
            except link_rules.NotALinkError:
                continue  # a code that holds no link (a phone number, plain text)
        if len(self.photos) < MAX_PHOTOS:
            self.photos.append(photo.jpeg)
            taken.photo = True
        else:
            taken.photo_over_limit = True

    def _take_words(self, step: ReportStep, words: str, forwarded: bool, taken: Taken) -> None:
        street = self.category is not None and self.category.is_in_the_street
        if step is ReportStep.PLACE and street and not forwarded:
            self.address, taken.shortened = _bounded(words, MAX_ADDRESS)
            taken.words_as = ReportStep.PLACE
            return
        # Words typed at the description step are the description; anything else (an
        # advert pasted with its link, a forwarded post, a caption) adds to it.
        replace = step is ReportStep.DESCRIPTION and not forwarded
        text = words if replace or not self.description else f"{self.description}\n\n{words}"
        self.description, taken.shortened = _bounded(text, MAX_DESCRIPTION)
        taken.words_as = ReportStep.DESCRIPTION

    def remove(self, part: str, index: int) -> bool:
        """Take one part out before sending: "l" a link, "o" a forwarded post's origin, "d"
        the description, "g" the location. False if there is no such part (a stale button)."""
        if part == "l" and index < len(self.links):
            del self.links[index]
        elif part == "o" and index < len(self.origins):
            del self.origins[index]
        elif part == "d" and self.description:
            self.description = None
        elif part == "g" and self.latitude is not None:
            self.latitude = self.longitude = None
        else:
            return False
        return True

    def forget_place(self) -> None:
        """A link and a street address don't carry over between the two kinds of place."""
        self.links.clear()
        self.origins.clear()
        self.address = self.latitude = self.longitude = None
        self.done.discard(ReportStep.PLACE)

    def to_data(self) -> TipDraftData:
        assert self.category is not None
        return TipDraftData(
            category=self.category,
            links=tuple(self.links),
            origins=tuple(self.origins),
            region=self.region,
            address=self.address,
            latitude=self.latitude,
            longitude=self.longitude,
            description=self.description,
            photos=tuple(self.photos),
        )


def _bounded(text: str, limit: int) -> tuple[str, bool]:
    text = text.strip()
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + "…", True


@dataclass(slots=True)
class Sending:
    """Send was pressed and the tip is being stored: the draft is the sender's alone."""

    first_message_id: int | None
    touched: float = 0.0


@dataclass(slots=True)
class HeldReceipt:
    """The tip is stored; its receipt waits until Telegram confirms the reporter saw it (the
    code is stored only as a hash, so this is the one copy). Nothing of the report is left."""

    receipt: str
    first_message_id: int | None
    touched: float = 0.0


@dataclass(slots=True)
class Sent:
    """The report was sent and its receipt seen: kept (until idle) only so that an old button
    of the form can say so."""

    touched: float = 0.0


# What the store holds for a chat: one value per phase of the form, never two at once.
FormPhase = TipDraft | Sending | HeldReceipt | Sent


class DraftStore:
    """Each chat's report form, in this process's memory: the default, one process. Cluster
    mode shares the forms through Redis instead (bot/shared_state.py, same methods)."""

    def __init__(
        self, idle_seconds: float = IDLE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._drafts: dict[int, FormPhase] = {}

    def __len__(self) -> int:
        return len(self._drafts)

    async def start(self, chat_id: int, first_message_id: int | None = None) -> TipDraft:
        """A new, empty draft: nothing is copied from the reporter's profile (DESIGN.md)."""
        draft = TipDraft(touched=self._clock(), first_message_id=first_message_id)
        self._drafts[chat_id] = draft
        return draft

    async def get(self, chat_id: int) -> FormPhase | None:
        """Where the chat's report is, touched; None if there is none or it expired (then it
        is gone)."""
        draft = self._drafts.get(chat_id)
        now = self._clock()
        if draft is None:
            return None
        if now - draft.touched >= self.idle_seconds:
            del self._drafts[chat_id]
            return None
        draft.touched = now
        return draft

    async def save(self, chat_id: int, draft: TipDraft) -> None:
        """Keep what a handler changed in `draft`, if it is still the chat's draft. In memory
        the draft was changed in place; a shared store writes it back."""

    async def hold_receipt(
        self, chat_id: int, receipt: str, first_message_id: int | None = None
    ) -> None:
        """The tip was stored: drop what it said, keep only its receipt until it is seen (and
        where the form began, to clear the chat of it)."""
        self._drafts[chat_id] = HeldReceipt(receipt, first_message_id, self._clock())

    async def claim(self, chat_id: int, draft: TipDraft) -> bool:
        """Take `draft` out of the store to send it; False if it is not the chat's draft any
        more (another press of Send took it first)."""
        if self._drafts.get(chat_id) is not draft:
            return False
        self._drafts[chat_id] = Sending(draft.first_message_id, self._clock())
        return True

    async def restore(self, chat_id: int, draft: TipDraft) -> None:
        """Put a claimed draft back: it could not be sent."""
        draft.touched = self._clock()
        self._drafts[chat_id] = draft

    async def mark_sent(self, chat_id: int) -> None:
        """The receipt was shown: keep only the fact that a report was sent (until idle)."""
        self._drafts[chat_id] = Sent(self._clock())

    async def held_receipt(self, chat_id: int) -> HeldReceipt | None:
        phase = await self.get(chat_id)
        return phase if isinstance(phase, HeldReceipt) else None

    async def draft(self, chat_id: int) -> TipDraft | None:
        """The draft being written, if the chat's report is at that phase."""
        phase = await self.get(chat_id)
        return phase if isinstance(phase, TipDraft) else None

    async def discard(self, chat_id: int) -> None:
        self._drafts.pop(chat_id, None)

    async def sweep(self) -> int:
        """Delete every idle draft; run periodically so nothing lingers unread."""
        now = self._clock()
        expired = [c for c, d in self._drafts.items() if now - d.touched >= self.idle_seconds]
        for chat_id in expired:
            del self._drafts[chat_id]
        return len(expired)
