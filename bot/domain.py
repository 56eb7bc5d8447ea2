"""Plain domain types shared by every layer (no aiogram, no SQL)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def shorten(text: str, limit: int) -> str:
    """The text, or its first `limit` - 1 characters and an ellipsis: what every screen and
    stored link does with text that is too long for its place."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fold(text: str) -> str:
    """Text as search compares it, the same on both engines: Unicode-normalised (NFKC) and
    case-folded by Python, which knows Kazakh and Russian letters (SQLite's lower() folds
    ASCII only, PostgreSQL's depends on the server's locale), with ё read as е, as Russian
    writers often type it."""
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


MAX_SEARCH_WORDS = 5


def search_words(text: str) -> tuple[str, ...]:
    """The words of a search, folded; a tip must contain every one."""
    return tuple(dict.fromkeys(fold(text).split()))[:MAX_SEARCH_WORDS]


def parse_enum(kind: type[E], value: str) -> E | None:
    """The member with this value, or None (Python 3.11's `in` raises for non-members)."""
    try:
        return kind(value)
    except ValueError:
        return None


class Language(StrEnum):
    KK = "kk"
    RU = "ru"


class Role(StrEnum):
    TEEN = "teen"
    PARENT = "parent"
    TEACHER = "teacher"


@dataclass(frozen=True, slots=True)
class Profile:
    """What the bot keeps about one private chat (DESIGN.md: store the least)."""

    chat_id: int
    language: Language
    role: Role | None
    region: str | None
    subscribed: bool
    onboarded: bool
    created_on: dt.date


class TipCategory(StrEnum):
    CHANNEL = "channel"  # a Telegram channel, bot or chat selling drugs
    WEBSITE = "website"  # a website or another social network
    WALL_ADVERT = "wall_advert"  # an advert on a wall, graffiti or a QR code
    STASH = "stash"  # a stash location ("закладка")
    RECRUITING = "recruiting"  # someone recruiting teenagers
    OTHER = "other"

    @property
    def is_online(self) -> bool:
        return self in {TipCategory.CHANNEL, TipCategory.WEBSITE}

    @property
    def is_in_the_street(self) -> bool:
        return self in {TipCategory.WALL_ADVERT, TipCategory.STASH}


class TipStatus(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    CONFIRMED = "confirmed"
    POLICE = "police"  # passed to the police
    BLOCKING = "blocking"  # sent for blocking
    PAINTED = "painted"  # painted over (wall adverts, by volunteers)
    CLOSED = "closed"
    REJECTED = "rejected"  # not relevant, spam
    DUPLICATE = "duplicate"  # of another tip about the same place

    @property
    def is_unresolved(self) -> bool:
        return self in {TipStatus.NEW, TipStatus.IN_REVIEW, TipStatus.CONFIRMED}

    @property
    def is_final(self) -> bool:
        return self in {TipStatus.CLOSED, TipStatus.REJECTED, TipStatus.DUPLICATE}


# Which status may follow which. Final statuses can be reopened for review.
TIP_TRANSITIONS: dict[TipStatus, tuple[TipStatus, ...]] = {
    TipStatus.NEW: (
        TipStatus.IN_REVIEW,
        TipStatus.CONFIRMED,
        TipStatus.REJECTED,
        TipStatus.DUPLICATE,
    ),
    TipStatus.IN_REVIEW: (
        TipStatus.CONFIRMED,
        TipStatus.REJECTED,
        TipStatus.DUPLICATE,
        TipStatus.CLOSED,
    ),
    TipStatus.CONFIRMED: (
        TipStatus.POLICE,
        TipStatus.BLOCKING,
        TipStatus.PAINTED,
        TipStatus.CLOSED,
    ),
    TipStatus.POLICE: (TipStatus.CLOSED,),
    TipStatus.BLOCKING: (TipStatus.CLOSED,),
    TipStatus.PAINTED: (TipStatus.CLOSED,),
    TipStatus.CLOSED: (TipStatus.IN_REVIEW,),
    TipStatus.REJECTED: (TipStatus.IN_REVIEW,),
    TipStatus.DUPLICATE: (TipStatus.IN_REVIEW,),
}


class ReportStep(StrEnum):
    """The steps of the report form, in order."""

    CATEGORY = "category"
    REGION = "region"  # asked for a place in the street; optional for one online
    PLACE = "place"
    DESCRIPTION = "description"
    PHOTOS = "photos"


class LinkSource(StrEnum):
    TEXT = "text"  # typed or pasted
    FORWARD = "forward"  # the source of a forwarded post
    QR = "qr"  # decoded from a QR code in a photo


@dataclass(frozen=True, slots=True)
class Link:
    """A normalised link: `url` as moderators see it, `key` groups tips about one place."""

    url: str
    key: str
    source: LinkSource = LinkSource.TEXT


class OriginKind(StrEnum):
    """Where a forwarded post came from, when that is not a public link."""

    PRIVATE_CHANNEL = "private_channel"
    PRIVATE_CHAT = "private_chat"
    HIDDEN = "hidden"  # a sender who hides their account
    USER = "user"  # an account without a username


@dataclass(frozen=True, slots=True)
class Origin:
    kind: OriginKind
    title: str | None = None
    ref_id: int | None = None


@dataclass(frozen=True, slots=True)
class TipDraftData:
    """What a reporter submits; it carries nothing about the reporter. Photos are JPEG bytes
    the bot re-encoded, without metadata."""

    category: TipCategory
    links: tuple[Link, ...] = ()
    origins: tuple[Origin, ...] = ()
    region: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None
    photos: tuple[bytes, ...] = ()


class EventKind(StrEnum):
    STATUS = "status"
    REPLY = "reply"  # a moderator's public reply
    QUESTION = "question"  # a moderator's question to the reporter
    ANSWER = "answer"  # the reporter's answer, through the receipt


@dataclass(frozen=True, slots=True)
class TipEvent:
    """One entry of a tip's history as its reporter reads it; dated, never timed."""

    id: int
    tip_id: int
    kind: EventKind
    created_on: dt.date
    status: TipStatus | None = None
    text: str | None = None
    question_id: int | None = None
    photo_count: int = 0


@dataclass(frozen=True, slots=True)
class Tip:
    id: int
    category: TipCategory
    links: tuple[Link, ...]
    origins: tuple[Origin, ...]
    region: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    description: str | None
    status: TipStatus
    duplicate_of: int | None
    created_at: dt.datetime
    first_action_at: dt.datetime | None
    closed_at: dt.datetime | None
    purged: bool
    photo_count: int = 0

    @property
    def place_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(link.key for link in self.links))


@dataclass(frozen=True, slots=True)
class PlaceGroup:
    """All tips about one place: how often and when it was reported."""

    size: int
    first_reported: dt.datetime
    last_reported: dt.datetime
    first_tip_id: int


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"
    SKIPPED = "skipped"  # a campaign occurrence missed beyond its grace window


class ButtonKind(StrEnum):
    TOPIC = "topic"
    QUIZ = "quiz"
    REPORT = "report"
    HELP = "help"


@dataclass(frozen=True, slots=True)
class Audience:
    """Subscribers to address; a language is addressed only if the message has its text."""

    roles: frozenset[Role] = frozenset(Role)
    region: str | None = None


@dataclass(frozen=True, slots=True)
class BroadcastContent:
    text_kk: str | None  # HTML, as Telegram's parse mode expects
    text_ru: str | None
    photo_file_id: str | None = None
    button_kind: ButtonKind | None = None
    button_target: str | None = None
    # A course's reminder: its buttons open the course and stop it (services.courses).
    course_id: str | None = None

    @property
    def languages(self) -> tuple[Language, ...]:
        return tuple(
            language
            for language, text in ((Language.KK, self.text_kk), (Language.RU, self.text_ru))
            if text
        )

    def text(self, language: Language) -> str:
        text = self.text_kk if language is Language.KK else self.text_ru
        assert text is not None
        return text


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    idempotency_key: str | None
    created_by: int | None
    content: BroadcastContent
    audience: Audience
    urgent: bool
    status: BroadcastStatus
    total: int
    sent: int
    failed: int
    blocked: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    progress_chat_id: int | None
    progress_message_id: int | None

    @property
    def done_count(self) -> int:
        return self.sent + self.failed + self.blocked

    @property
    def left(self) -> int:
        return max(self.total - self.done_count, 0)
