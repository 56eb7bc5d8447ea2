"""Hypothesis strategies for hostile updates.

A strategy draws an abstract *action* (who, where, what); `tests.fuzz.actions` turns it into
concrete updates against the bot's current state (the newest messages of a chat, the polls
it sent, the receipts it gave), so that random actions also walk the real flows: a pressed
button is often one the bot really showed.
"""

from __future__ import annotations

import enum
import typing
from dataclasses import dataclass
from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData
from hypothesis import strategies as st

from bot.keyboards import callbacks

# -- texts -----------------------------------------------------------------------------

RTL = "\u202eتحذير: مخدرات \u05e9\u05dc\u05d5\u05dd \u200f\u200e\u2067abc\u2069"
ZALGO = "Z\u0351\u0357\u036ba\u0352\u033fl\u0310g\u0300o\u0301"
INJECTIONS = (
    "<b>",
    "</b>",
    "<b>bold",
    '<a href="x">',
    "<a href='javascript:alert(1)'>x</a>",
    '<a href="tg://user?id=900001">admin</a>',
    "<tg-spoiler>",
    '<pre><code class="language-<b>">',
    "<script>alert(1)</script>",
    "<i>",
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;b&gt;",
    "&#60;",
    "&nbsp;",
    "&unknown;",
    "*_[",
    "*bold*",
    "_italic_",
    "[link](http://example.com)",
    "`code`",
    "```pre```",
    "||spoiler||",
    "~strike~",
    "\\",
    "%s",
    "%(name)s",
    "{}",
    "{0}",
    "{name}",
    "{text}",
    "' OR 1=1 --",
    "'; DROP TABLE tips; --",
    '"',
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u200b",
    "\ufeff",
    "\u2028",
    RTL,
    ZALGO,
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇰🇿",
    "😀",
    "𝕏",
    "İ",
    "ß",
    "Қорған",
    "Алматы, Абая 10",
    "@qorgan_test_bot",
    "@shop_x",
    "t.me/shop_x",
    "https://t.me/+AbCdEf",
    "https://t.me/joinchat/AbC",
    "site.kz/<b>&x=1",
    "http://xn--80ak6aa92e.com",
    "AAAA-BBBB-CCCC-DDDD",
    "#hashtag",
    "$USD",
    "+77011234567",
    "a@b.kz",
    "2026-06-26",
    "2026-13-01",
    "-1",
    "0",
    "123456",
)
# Arguments that make commands parse edge values (some hit known bugs: known_bugs.py).
ARGUMENTS = (
    "2026-01-01 9999-12-31",
    "9999-12-31",
    "² moderator",
    "١٢ moderator",
    "99999999999999999999999 moderator",
    "",
    "moderator",
    "volunteer",
    "owner",
    "astana",
    "nowhere",
    "1001 moderator",
    "1003 volunteer astana",
    "1003 moderator nowhere",
    "900001 moderator",
    "-5 moderator",
    "12x moderator",
    "confirmed",
    "2026-01-01 2026-12-31 new",
    "2026-12-31 2026-01-01",
    "2026-02-30",
    "0001-01-01 2026-01-01",
    "20260101",
    "2026-W01-1",
    "inv_",
    "inv_" + "A" * 24,
    "group",
    "AAAA-BBBB-CCCC-DDDD",
    "aaaa bbbb cccc dddd",
)
COMMANDS = (
    "start",
    "report",
    "status",
    "tips",
    "broadcast",
    "broadcasts",
    "campaigns",
    "stop",
    "forget",
    "cancel",
    "help",
    "settings",
    "language",
    "privacy",
    "menu",
    "export",
    "admin",
    "stats",
    "audit",
    "addstaff",
    "team",
    "START",
    "unknown",
    "x" * 32,
    "",
)

# Any character a UTF-8 JSON update can carry (lone surrogates cannot be encoded).
NO_SURROGATES: list[Literal["Cs"]] = ["Cs"]
_any_char = st.characters(codec="utf-8", exclude_categories=NO_SURROGATES)
_piece = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(_any_char, max_size=12),
    st.text(st.sampled_from("<>&\"'*_[]()`~|\\/ab1 \n"), max_size=12),
)


def _repeat(atom: str, count: int) -> str:
    return (atom * count)[:4096]


texts = st.one_of(
    st.lists(_piece, max_size=8).map("".join),
    st.sampled_from(("", " ", "\n\n", "x" * 4096, "😀" * 2048, "<b>" * 1365, "&" * 4096, RTL)),
    st.builds(_repeat, st.sampled_from(INJECTIONS), st.integers(1, 4096)),
)
short_texts = st.lists(_piece, max_size=4).map("".join)


# -- formatting entities of a user's message (kept by /broadcast as HTML) ---------------

ENTITY_TYPES = (
    "bold",
    "italic",
    "underline",
    "strikethrough",
    "spoiler",
    "code",
    "pre",
    "text_link",
    "blockquote",
    "expandable_blockquote",
    "custom_emoji",
    "text_mention",
)
LINKS = (
    "https://example.com/?a=1&b=2",
    'https://example.com/"><script>',
    "http://t.me/shop_x",
    "tg://user?id=1001",
)


@dataclass(frozen=True)
class EntitySketch:
    """An entity at a fraction of the text: placed once the text's length is known."""

    type: str
    start: float
    length: float
    extra: str


entity_sketches = st.lists(
    st.builds(
        EntitySketch,
        st.sampled_from(ENTITY_TYPES),
        st.floats(0, 1),
        st.floats(0, 1),
        st.sampled_from((*LINKS, "python", '"><b>', "")),
    ),
    max_size=4,
)


# -- actions -----------------------------------------------------------------------------

# Where an action happens: the actor's private chat, the moderators' chat, a supergroup or
# a basic group (indexes into BotHarness.groups, plus the private chat).
PLACES = st.sampled_from((0, 0, 0, 0, 1, 2, 3))
# Who acts: 0-7 index BotHarness.actors; 8 and above mean the batch's focus actor, so that
# about two thirds of a batch is one person going somewhere (a flow takes several steps).
ACTORS = st.integers(0, 23)
PICK = st.integers(0, 1_000)  # picks one of the things that exist when the action runs


@dataclass(frozen=True)
class SendText:
    actor: int
    place: int
    text: str
    entities: tuple[EntitySketch, ...]
    reply: int | None  # reply to the n-th newest message of the chat


@dataclass(frozen=True)
class SendCommand:
    actor: int
    place: int
    command: str
    mention: str  # "", "@qorgan_test_bot", "@other_bot"
    args: str


@dataclass(frozen=True)
class SendMedia:
    actor: int
    place: int
    media: str
    caption: str | None


@dataclass(frozen=True)
class EditMessage:
    actor: int
    place: int
    pick: int
    text: str


@dataclass(frozen=True)
class Press:
    """A button press. `target`: a real button of a message the bot sent ("button"); the
    bot's message with forged data ("forged", "wellformed"); an InaccessibleMessage
    ("inaccessible"); a message that does not exist ("missing", with garbage data)."""

    actor: int
    place: int
    target: str
    pick: int
    data: str | None


@dataclass(frozen=True)
class AnswerPoll:
    actor: int
    known: bool
    pick: int
    poll_id: str
    options: tuple[int, ...]


@dataclass(frozen=True)
class Membership:
    actor: int
    place: int
    status: str  # new status of the bot: member, kicked, left, administrator, restricted


@dataclass(frozen=True)
class ChannelPost:
    text: str
    edited: bool


@dataclass(frozen=True)
class ServiceMessage:
    actor: int
    place: int
    kind: str


@dataclass(frozen=True)
class OtherUpdate:
    actor: int
    kind: str
    text: str


@dataclass(frozen=True)
class StatusCheck:
    """/status with a receipt code the bot really gave (varied), or a made-up one."""

    actor: int
    pick: int
    variant: str


@dataclass(frozen=True)
class Walk:
    """A walk through one of the bot's flows by real button presses, with hostile texts at
    the steps that take text, stopping after `steps` steps (an unfinished form, a stale
    screen): a report, a quiz, a broadcast, moderating a tip, settings, /forget."""

    actor: int
    flow: str
    picks: tuple[int, ...]
    texts: tuple[str, ...]
    steps: int


FLOWS = ("report", "report", "quiz", "broadcast", "moderate", "moderate", "settings", "forget")

Action = (
    Walk
    | SendText
    | SendCommand
    | SendMedia
    | EditMessage
    | Press
    | AnswerPoll
    | Membership
    | ChannelPost
    | ServiceMessage
    | OtherUpdate
    | StatusCheck
)

MEDIA = (
    "photo",
    "sticker",
    "document_pdf",
    "document_jpeg",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "contact",
    "contact_other",
    "location",
    "venue",
    "poll",
    "quiz_poll",
    "dice",
    "forwarded",
    "via_bot",
    "sender_chat",
    "from_a_bot",
    "no_from",
)
SERVICE = (
    "new_chat_members",
    "bot_added",
    "left_chat_member",
    "new_chat_title",
    "pinned_message",
    "migrate_to_chat_id",
    "group_chat_created",
    "delete_chat_photo",
    "forum_topic_created",
)
OTHER_KINDS = (
    "inline_query",
    "chosen_inline_result",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
    "chat_member",
    "poll",
    "callback_inline",
    "callback_game",
    "edited_channel_post_photo",
    "shipping_query",
    "pre_checkout_query",
)


# -- callback data ------------------------------------------------------------------------

GARBAGE_DATA = (
    "",
    ":",
    "::::",
    "n1",
    "n1:",
    "n1:menu:extra",
    "n1:MENU",
    "n0:menu",
    "ms1:1:rejected",
    "ms1:1:owner",
    "mo1:-1",
    "mo1:0x10",
    "mo1:1e3",
    "mo1: 1",
    "mq1:::: ",
    "mq1:new:channel:astana:-1",
    "mq1:bogus:bogus:bogus:0",
    "mf1:s:x:y:z",
    "ad1:team",
    "ad1:inv_mod",
    "ir1:owner:-",
    "ir1:moderator:nowhere",
    "sr1:900001",
    "sr1:1006",
    "tc1:../../etc/passwd:0",
    "tc1:saying_no:-1",
    "tc1:saying_no:999",
    "tx1:saying_no:0:99",
    "tv1:nope:1",
    "qs1:recruitment'--",
    "qs1:",
    "rc1:police",
    "ra1:send",
    "re1:photos",
    "rg1:nowhere",
    "cb1:start",
    "ct1:no_such_topic",
    "cg1:nowhere",
    "cr1:owner",
    "bc1:1:cancel",
    "bc1:1:explode",
    "bo1:1",
    "ca1:june26:disable",
    "ca1:nope:preview",
    "ca1:nope:explode",
    "l1:en:1",
    "l1:kk:maybe",
    "g1:nowhere:0",
    "g1:-:1",
    "b1:1:0",
    "<b>:&amp;",
    "😀" * 16,
)
KNOWN_CODES = (
    "abai",
    "astana",
    "almaty",
    "aktobe",
    "-",
    "saying_no",
    "easy_money",
    "recruitment",
    "myths",
    "parent_signs",
    "preview",
    "enable",
    "disable",
    "pause",
    "resume",
    "cancel",
    "june26",
    "moderator",
    "volunteer",
    "owner",
    "new",
    "channel",
)


def _callback_classes() -> list[type[CallbackData]]:
    return [
        value
        for value in vars(callbacks).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    ]


def _field_strategy(annotation: Any, big_ints: bool) -> st.SearchStrategy[Any]:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        # Telegram ids and SQLite integers are 64-bit; forged data may hold anything.
        bound = 2**70 if big_ints else 2**63 - 1
        return st.one_of(st.integers(-3, 50), st.integers(-bound, bound))
    # Strings: codes the bot knows, or anything without the separator.
    return st.one_of(
        st.sampled_from(KNOWN_CODES),
        st.text(
            st.characters(codec="utf-8", exclude_categories=NO_SURROGATES, exclude_characters=":"),
            max_size=16,
        ),
    )


def _encode(value: Any) -> str:
    """A field value as CallbackData.pack() writes it."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def _packed(cls: type[CallbackData], big_ints: bool) -> st.SearchStrategy[str | None]:
    """Data shaped like `cls` with random field values, packed by hand: values the class
    would refuse (out of its bounds) are exactly what a forged button carries."""
    hints = typing.get_type_hints(cls)
    fields = {
        name: _field_strategy(hints[name], big_ints) for name in cls.model_fields if name in hints
    }

    def pack(values: dict[str, Any]) -> str | None:
        data = cls.__separator__.join([cls.__prefix__, *map(_encode, values.values())])
        # Longer than Telegram's 64 bytes: no button could carry it.
        return data if len(data.encode()) <= 64 else None

    return st.fixed_dictionaries(fields).map(pack)


def wellformed_data(*, big_ints: bool = False) -> st.SearchStrategy[str | None]:
    """Data of one of the bot's CallbackData classes, with random field values."""
    return st.one_of([_packed(cls, big_ints) for cls in _callback_classes()])


garbage_data = st.one_of(
    st.sampled_from(GARBAGE_DATA),
    st.text(max_size=64).filter(lambda s: len(s.encode()) <= 64),
)


def parses(data: str) -> bool:
    """Whether one of the bot's CallbackData classes accepts `data`."""
    for cls in _callback_classes():
        try:
            cls.unpack(data)
        except (ValueError, TypeError):
            continue
        return True
    return False


# Data no handler accepts (forged, or from an older version of the bot).
unparsable_data = garbage_data.filter(lambda data: not parses(data))


big_int_data = wellformed_data(big_ints=True)


# What people type into the bot's forms (links, places, descriptions, notes, broadcasts),
# made hostile.
FORM_TEXTS = (
    "https://t.me/Shop_<b>X</b>",
    "@shop_x",
    "t.me/shop_x/15",
    'site.kz/<a_href="x">&amp;',
    "https://www.shop.kz/buy?utm_source=x&id=<b>1</b>",
    'Алматы, Абая <b>10</b> & <a href="x">кв</a>',
    "Someone offers «лёгкие деньги» <i>after</i> school &amp; more",
    "Спасибо! <b>Передали</b> в полицию",
)
form_texts = st.one_of(
    st.sampled_from(FORM_TEXTS),
    st.builds(lambda a, b: a + b, st.sampled_from(FORM_TEXTS), short_texts),
)


def actions() -> st.SearchStrategy[Action]:
    """One hostile action; weights favour what reaches the most code: a third of the
    actions press a button the bot really shows, which walks its flows."""
    button = st.builds(Press, ACTORS, PLACES, st.just("button"), PICK, st.none())
    press = st.one_of(
        st.builds(Press, ACTORS, PLACES, st.just("forged"), PICK, garbage_data),
        st.builds(Press, ACTORS, PLACES, st.just("forged"), PICK, unparsable_data),
        st.builds(Press, ACTORS, PLACES, st.just("wellformed"), PICK, wellformed_data()),
        st.builds(Press, ACTORS, PLACES, st.just("wellformed"), PICK, big_int_data),
        st.builds(Press, ACTORS, PLACES, st.just("inaccessible"), PICK, wellformed_data()),
        st.builds(Press, ACTORS, PLACES, st.just("missing"), PICK, garbage_data),
        st.builds(Press, ACTORS, PLACES, st.just("nodata"), PICK, st.none()),
    )
    walk = st.builds(
        Walk,
        ACTORS,
        st.sampled_from(FLOWS),
        st.lists(PICK, min_size=12, max_size=12).map(tuple),
        st.lists(st.one_of(form_texts, texts), min_size=4, max_size=4).map(tuple),
        st.integers(1, 14),
    )
    return st.one_of(
        *[walk] * 3,
        *[button] * 6,
        *[
            st.builds(
                SendText,
                ACTORS,
                PLACES,
                st.one_of(texts, form_texts),
                entity_sketches.map(tuple),
                st.one_of(st.none(), st.integers(0, 5)),
            )
        ]
        * 3,
        st.builds(
            SendCommand,
            ACTORS,
            PLACES,
            st.sampled_from(COMMANDS),
            st.sampled_from(("", "", "", "@qorgan_test_bot", "@Qorgan_Test_Bot", "@other_bot")),
            st.one_of(st.sampled_from(ARGUMENTS), short_texts),
        ),
        st.builds(SendMedia, ACTORS, PLACES, st.sampled_from(MEDIA), st.none() | short_texts),
        st.builds(EditMessage, ACTORS, PLACES, PICK, texts),
        press,
        press,
        *[
            st.builds(
                AnswerPoll,
                ACTORS,
                st.booleans(),
                PICK,
                st.one_of(st.sampled_from(("", "0", "-1", "999999")), st.text(max_size=20)),
                st.one_of(
                    st.tuples(st.integers(0, 3)),
                    st.lists(st.integers(-2, 20), max_size=4).map(tuple),
                ),
            )
        ]
        * 2,
        st.builds(
            Membership,
            ACTORS,
            PLACES,
            st.sampled_from(("kicked", "member", "left", "administrator", "restricted")),
        ),
        st.builds(ChannelPost, short_texts, st.booleans()),
        st.builds(ServiceMessage, ACTORS, st.sampled_from((1, 2, 3)), st.sampled_from(SERVICE)),
        st.builds(OtherUpdate, ACTORS, st.sampled_from(OTHER_KINDS), short_texts),
        st.builds(
            StatusCheck,
            ACTORS,
            PICK,
            st.sampled_from(("exact", "lower", "spaces", "no_dashes", "twice", "prefix")),
        ),
    )
