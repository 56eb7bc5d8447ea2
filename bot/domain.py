"""Plain domain types shared by every layer (no aiogram, no SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


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
