"""Links in what reporters paste: found among words, normalised, stripped of tracking.

A reporter pastes an advert ("https://t.me/shop продают возле школы"), forwards a post, or
photographs a QR code. Every link and @username is taken out of it (at most MAX_LINKS), the
rest stays as words. A link is never kept as typed: tracking parameters can carry the
reporter's own account (an Instagram `igsh`, a TikTok `_t`, a shop bot's `?start=ref_<id>`), so
only what identifies the place is stored, capped at MAX_LINK_LENGTH.

t.me/x, https://t.me/x, telegram.me/x, @x → "t.me/x"; a post t.me/x/12 groups with t.me/x.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from bot.domain import Link, LinkSource, shorten

MAX_LINKS = 5
MAX_LINK_LENGTH = 200
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
# Parameters that say who shared a link, never where it points.
TRACKING_KEYS = {
    "fbclid", "gclid", "yclid", "dclid", "msclkid", "igshid", "igsh", "mibextid", "si", "ref",
    "ref_src", "_ga", "mc_cid", "mc_eid", "_t", "_r", "is_from_webapp", "sender_device",
    "share_id", "share_app_id", "rdid", "share_url",
}  # fmt: skip
# Social networks whose query string only ever says who shared: keep the path alone, except
# for the few parameters that name the place itself.
SOCIAL_HOSTS: dict[str, frozenset[str]] = {
    "instagram.com": frozenset(),
    "tiktok.com": frozenset(),
    "vm.tiktok.com": frozenset(),
    "x.com": frozenset(),
    "twitter.com": frozenset(),
    "facebook.com": frozenset({"id", "story_fbid"}),
    "m.facebook.com": frozenset({"id", "story_fbid"}),
    "youtube.com": frozenset({"v", "list"}),
    "m.youtube.com": frozenset({"v", "list"}),
    "youtu.be": frozenset(),
    "vk.com": frozenset({"w", "z"}),
}
# On other sites, the parameters that commonly name a page (an item, a post, a video).
PAGE_PARAMETERS = frozenset(
    {"id", "p", "page", "post", "item", "product", "article", "v", "list", "q", "cat"}
)
# A host with a dot and a top-level domain of letters, optionally a scheme and a path.
LOOKS_LIKE_URL = re.compile(
    r"^(https?://)?([\w-]+\.)+[a-z\u0400-\u04ff]{2,24}(:\d+)?([/?#]\S*)?$", re.IGNORECASE
)
# Among words, where "г.Алматы" or "file.txt" must not become links: a scheme, or a known
# top-level domain (Telegram's own clients mark most links as entities anyway).
KNOWN_TLDS = (
    "kz|қаз|рф|ru|su|uz|kg|tj|tm|by|ua|am|az|ge|com|net|org|info|biz|me|io|co|cc|tv|to|ly|gg|"
    "xyz|top|site|online|shop|store|club|app|dev|pro|link|live|click|space|fun|ws|tk|onion|"
    "pw|icu|vip|cn|in|eu|de|uk|us|tr"
)
URL_IN_TEXT = re.compile(
    r"(?<![\w@./-])(?:https?://[^\s]+|(?:[\w-]+\.)+(?:" + KNOWN_TLDS + r")(?![\w-])"
    r"(?::\d+)?(?:[/?#][^\s]*)?)",
    re.IGNORECASE,
)
MENTION_IN_TEXT = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,31}\b")
TRAILING = ".,;:!?)]}»\"'…"


class NotALinkError(ValueError):
    """The text is neither an @username nor a web address."""


@dataclass(frozen=True, slots=True)
class Pasted:
    """What a pasted message holds: its links and the words around them."""

    links: tuple[Link, ...]
    words: str


def normalise(text: str, source: LinkSource = LinkSource.TEXT) -> Link:
    """One link or @username as it is stored; NotALinkError if the text is neither."""
    text = text.strip().strip(TRAILING).strip()
    match = USERNAME.match(text)
    if match:
        name = match.group(1).lower()
        return Link(f"t.me/{name}", f"t.me/{name}", source)
    if not LOOKS_LIKE_URL.match(text):
        raise NotALinkError(text)
    parts = urlsplit(text if "://" in text else f"https://{text}")
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host or "." not in host:
        raise NotALinkError(text)
    if host in TELEGRAM_HOSTS:
        return _telegram_link([unquote(s) for s in parts.path.split("/") if s], text, source)
    path = parts.path.rstrip("/")
    query = urlencode(sorted(_kept_parameters(host, parts.query)))
    url = _capped(host + path, query)
    return Link(url, url, source)


def _kept_parameters(host: str, query: str) -> Iterable[tuple[str, str]]:
    """Only parameters that name the page: anything else (?aff=, ?partner=, ?uid=, a shop's
    referral code) may name whoever shared the link."""
    allowed = SOCIAL_HOSTS.get(host, PAGE_PARAMETERS)
    for key, value in parse_qsl(query, keep_blank_values=True):
        lowered = key.lower()
        if lowered in allowed and not lowered.startswith("utm_") and lowered not in TRACKING_KEYS:
            yield key, value


def _capped(base: str, query: str) -> str:
    """At most MAX_LINK_LENGTH characters: the query goes first, then the path is cut."""
    if query and len(base) + 1 + len(query) <= MAX_LINK_LENGTH:
        return f"{base}?{query}"
    return shorten(base, MAX_LINK_LENGTH)


def _telegram_link(segments: list[str], text: str, source: LinkSource) -> Link:
    """Telegram links keep no query at all: `?start=` of a shop bot is often a referral code
    that names whoever shared it."""
    if segments[:1] == ["s"]:
        segments = segments[1:]  # t.me/s/name is the web preview of t.me/name
    if not segments:
        raise NotALinkError(text)
    first = segments[0]
    if first == "joinchat" and len(segments) > 1:
        key = f"t.me/joinchat/{segments[1][:64]}"  # invite hashes are case-sensitive
        return Link(key, key, source)
    if first.startswith("+"):
        key = f"t.me/{first[:64]}"
        return Link(key, key, source)
    if first == "c" and len(segments) > 1 and segments[1].isdigit():
        key = f"t.me/c/{segments[1][:20]}"  # a private channel's post link
        post = segments[2] if len(segments) > 2 and segments[2].isdigit() else None
        return Link(f"{key}/{post[:12]}" if post else key, key, source)
    name = first.lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{3,31}", name):
        raise NotALinkError(text)
    key = f"t.me/{name}"  # usernames ignore case; a post number is the same place
    post = segments[1] if len(segments) > 1 and segments[1].isdigit() else None
    return Link(f"{key}/{post[:12]}" if post else key, key, source)


def channel_post(username: str | None, message_id: int | None) -> Link | None:
    """The link of a forwarded message's public source: a channel's post, or an account
    (message_id None); None when the source has no username."""
    if not username:
        return None
    try:
        link = normalise(f"t.me/{username}", LinkSource.FORWARD)
    except NotALinkError:
        return None
    if message_id is None:
        return link
    return Link(f"{link.key}/{message_id}", link.key, LinkSource.FORWARD)


def extract(text: str, marked: Sequence[tuple[str, str | None]] = ()) -> Pasted:
    """Links and words of a message. `marked` are Telegram's entities as (the text they
    cover, their URL): a url or mention entity has no URL of its own and is cut out of the
    words; a text_link keeps its words and gives its URL. Links Telegram did not mark are
    found in the text too."""
    links: list[Link] = []
    words = text
    for covered, url in marked:
        if url is None:
            words = words.replace(covered, " ", 1)
        _add(links, url or covered)
    for pattern in (URL_IN_TEXT, MENTION_IN_TEXT):
        for match in pattern.finditer(words):
            if _add(links, match.group(0)):
                words = words.replace(match.group(0).rstrip(TRAILING), " ", 1)
    return Pasted(tuple(links), _tidy(words))


def _add(links: list[Link], candidate: str) -> bool:
    """Add a link unless it is one already; False if the candidate is not a link."""
    try:
        link = normalise(candidate)
    except NotALinkError:
        return False
    if all(known.url != link.url for known in links):
        links.append(link)
    return True


def _tidy(words: str) -> str:
    """Collapse the gaps the links left, line by line; drop lines of punctuation only."""
    lines = (
        re.sub(r" ([.,;:!?])", r"\1", re.sub(r"[ \t]+", " ", line)).strip()
        for line in words.splitlines()
    )
    kept = [line for line in lines if any(ch.isalnum() for ch in line)]
    return "\n".join(kept).strip()


def merged(known: Sequence[Link], new: Iterable[Link]) -> tuple[tuple[Link, ...], int]:
    """`known` with the new links that are not there yet, at most MAX_LINKS; and how many
    new ones did not fit."""
    links = list(known)
    dropped = 0
    for link in new:
        if any(existing.url == link.url for existing in links):
            continue
        if len(links) >= MAX_LINKS:
            dropped += 1
            continue
        links.append(link)
    return tuple(links), dropped
