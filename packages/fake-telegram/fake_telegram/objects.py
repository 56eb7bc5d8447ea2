"""Builders of Bot API JSON objects: users, chats, files, keyboards, updates.

Everything here returns plain ``dict`` values shaped like Telegram's JSON, so the same
objects serve the HTTP answers, the updates the fake users push, and the assertions of
tests.
"""

from __future__ import annotations

import secrets
import struct
import time
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

# Prefixes of real file_ids by media kind: they make logs look familiar and let a test
# tell a photo id from a document id at a glance.
_FILE_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
}


def now() -> int:
    """Unix time, the unit of every ``date`` in the Bot API."""
    return int(time.time())


def new_file_id(kind: str) -> str:
    """A fresh, realistic-looking ``file_id``."""
    return _FILE_ID_PREFIX.get(kind, "BQACAgIAAxkBAAI") + secrets.token_urlsafe(48)[:56]


def new_file_unique_id() -> str:
    """A fresh ``file_unique_id`` (short, stable across bots in real Telegram)."""
    return "AQAD" + secrets.token_urlsafe(12)[:12]


def new_poll_id() -> str:
    """Poll ids are decimal strings of a 64-bit number."""
    return str(5_000_000_000_000_000_000 + secrets.randbelow(10**18))


def new_callback_query_id() -> str:
    """Callback query ids are decimal strings too."""
    return str(1_000_000_000_000_000_000 + secrets.randbelow(10**18))


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is: what ``getMe`` answers and the ``from`` of its messages."""

    id: int
    username: str
    first_name: str

    def user_json(self) -> JSON:
        """The bot as a ``User`` inside messages."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me_json(self) -> JSON:
        """The bot as ``getMe`` describes it, with the bot-only flags."""
        return {
            **self.user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


def user_json(
    user_id: int,
    first_name: str,
    *,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JSON:
    """A human ``User`` object, optional fields only when set (like Telegram)."""
    result: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        result["last_name"] = last_name
    if username:
        result["username"] = username
    if language_code:
        result["language_code"] = language_code
    return result


def photo_sizes(width: int, height: int, size: int) -> list[JSON]:
    """The ``PhotoSize`` list Telegram makes of one photo: thumbnails up to the original."""
    sizes: list[JSON] = []
    for limit in (90, 320, 800, 1280):
        scale = min(1.0, limit / max(width, height, 1))
        sizes.append(
            {
                "file_id": new_file_id("photo"),
                "file_unique_id": new_file_unique_id(),
                "file_size": max(1, int(size * scale * scale)),
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
            }
        )
        if scale == 1.0:
            break
    return sizes


def member_json(status: str, user: JSON) -> JSON:
    """A ``ChatMember`` of the given status (``member``, ``kicked``, ``left``...)."""
    member: JSON = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    return member


def tiny_jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG (about 140 bytes), the content of fake photos.

    One DC-only block coded with single-code Huffman tables: real decoders accept it, so
    a bot that opens the photo it downloads (to resize it, say) does not choke.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quant = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return b"".join(
        (
            b"\xff\xd8",
            segment(0xE0, jfif),
            segment(0xDB, quant),
            segment(0xC0, frame),
            segment(0xC4, b"\x00" + one_code),
            segment(0xC4, b"\x10" + one_code),
            segment(0xDA, scan),
            b"\x3f",  # DC difference 0 ("0"), end of block ("0"), padded with ones
            b"\xff\xd9",
        )
    )
