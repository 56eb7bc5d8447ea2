"""A users row for benchmarks and tests that fill a database directly (thousands of
subscribers in one statement): an onboarded teenager, subscribed unless said otherwise."""

from __future__ import annotations

import datetime as dt

SEED_DAY = dt.date(2026, 6, 1)


def person(chat_id: int, language: str = "ru", *, subscribed: bool = True) -> dict[str, object]:
    return {
        "chat_id": chat_id,
        "language": language,
        "role": "teen",
        "subscribed": subscribed,
        "onboarded": True,
        "created_on": SEED_DAY,
    }
