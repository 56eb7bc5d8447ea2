"""Normalises what reporters type as a place, so tips about the same place group together.

t.me/x, https://t.me/x, telegram.me/x, @x → "t.me/x"; web URLs → lower-case host without
"www." and without tracking parameters or fragments.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
TRACKING_KEYS = {"fbclid", "gclid", "yclid", "igshid", "si", "ref", "_ga", "mc_cid", "mc_eid"}
# A link must look like a host with a dot, optionally a scheme and a path.
LOOKS_LIKE_URL = re.compile(r"^(https?://)?[\w.-]+\.[a-z\u0400-\u04ff]{2,}(/\S*)?$", re.IGNORECASE)


class NotALinkError(ValueError):
    """The text is neither an @username nor a web address."""


def normalise(text: str) -> str:
    text = text.strip()
    match = USERNAME.match(text)
    if match and text.startswith("@"):
        return f"t.me/{match.group(1).lower()}"
    if not LOOKS_LIKE_URL.match(text):
        raise NotALinkError(text)
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        raise NotALinkError(text)
    if host in TELEGRAM_HOSTS:
        return _telegram_key([s for s in parts.path.split("/") if s], text)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(key)
    ]
    path = parts.path.rstrip("/")
    return host + path + (f"?{urlencode(sorted(query))}" if query else "")


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_KEYS


def _telegram_key(segments: list[str], text: str) -> str:
    if segments[:1] == ["s"]:
        segments = segments[1:]  # t.me/s/name is the web preview of t.me/name
    if not segments:
        raise NotALinkError(text)
    first = segments[0]
    if first == "joinchat" and len(segments) > 1:
        return f"t.me/joinchat/{segments[1]}"  # invite hashes are case-sensitive
    if first.startswith("+"):
        return f"t.me/{first}"
    return f"t.me/{first.lower()}"  # usernames ignore case; a post number is the same place
