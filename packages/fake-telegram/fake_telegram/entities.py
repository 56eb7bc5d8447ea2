"""Message entities: UTF-16 offsets, trimming, and the entities Telegram detects itself.

Telegram measures entity offsets and lengths in UTF-16 code units, so an emoji outside
the Basic Multilingual Plane counts 2 and a Cyrillic letter counts 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

# Telegram trims these from both ends of a message text or caption.
_TRIMMED = " \t\r\n"

# What Telegram highlights in a user's plain text message.  A command is "/" plus up to 32
# letters, digits or underscores, optionally "@botname", at the start of a word.
_DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
)


@dataclass(frozen=True, slots=True)
class FormattedText:
    """A text with its entities, as Telegram stores a message text or a caption."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def entity_text(text: str, entity: Entity) -> str:
    """The part of ``text`` an entity covers (offsets are UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    start = int(entity["offset"]) * 2
    end = start + int(entity["length"]) * 2
    return encoded[start:end].decode("utf-16-le")


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, the outer (longer) entity first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def trim(formatted: FormattedText) -> FormattedText:
    """Strip leading and trailing whitespace like Telegram, moving entities with the text."""
    text = formatted.text
    stripped = text.lstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIMMED)
    if shift == 0 and len(stripped) == len(text):
        return formatted
    end = utf16_len(stripped)
    entities: list[Entity] = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - shift)
        stop = min(end, entity["offset"] + entity["length"] - shift)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(stripped, entities)


def detect_entities(text: str) -> list[Entity]:
    """Entities Telegram adds to a plain text by itself: commands, URLs, mentions, tags."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, stop = match.span()
            # An earlier detector wins (the "/cmd" inside a URL is part of the URL).
            if any(start < t_stop and t_start < stop for t_start, t_stop in taken):
                continue
            taken.append((start, stop))
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match.group()),
                }
            )
    return sort_entities(found)
