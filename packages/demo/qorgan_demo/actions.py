"""What a person on the page can do, turned into the fake users' actions: type, press an
inline or a reply button, vote, send a photo or a location.

Each action is checked first (a 4xx :class:`DemoInputError` for the page), then performed
through :class:`~fake_telegram.FakeUser`, which pushes the update the Telegram app would and
waits for the bot to finish. A bot still busy after a few seconds (a broadcast, say) is no
error: the page keeps polling and shows the rest as it comes.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable

from fake_telegram import FakeTelegram, FakeUser, Reply
from fake_telegram.views import inline_rows

from qorgan_demo.screen import reply_keyboard

ACTION_TIMEOUT = 4.0
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for photos
# Magic numbers of the image formats the page accepts as a photo.
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class DemoInputError(Exception):
    """The page asked for something the persona cannot do now; ``status`` is the HTTP one."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _settle(action: Awaitable[Reply]) -> bool:
    """Run a fake user's action; False if the bot was still busy when it stopped waiting."""
    try:
        await action
    except AssertionError:  # the fake's "not finished within the timeout"
        return False
    return True


def image_type(data: bytes) -> str | None:
    """The MIME type of an image the page may send as a photo (None: not one)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in _IMAGE_MAGIC if data.startswith(magic)), None)


async def send_text(user: FakeUser, text: str, reply_to: int | None = None) -> bool:
    """Type and send ``text`` (commands included), optionally as a reply."""
    text = text.strip()
    if not text:
        raise DemoInputError("empty message")
    if len(text) > MAX_TEXT:
        raise DemoInputError(f"a message has at most {MAX_TEXT} characters")
    if reply_to is not None and reply_to not in {m.message_id for m in user.messages}:
        raise DemoInputError("no such message to reply to", 404)
    return await _settle(user.send(text, reply_to=reply_to, timeout=ACTION_TIMEOUT))


async def press_inline(user: FakeUser, message_id: int, row: int, column: int) -> bool:
    """Press the inline button at ``row``, ``column`` of a message (by position: two buttons
    may share a text)."""
    message = next((m for m in user.messages if m.message_id == message_id), None)
    if message is None:
        raise DemoInputError("no such message", 404)
    rows = inline_rows(message.reply_markup)
    try:
        button = rows[row][column]
    except IndexError:
        raise DemoInputError("no such button", 404) from None
    if "callback_data" not in button:
        raise DemoInputError("this button sends nothing to the bot")
    data = str(button["callback_data"])
    return await _settle(user.click_data(message_id, data, timeout=ACTION_TIMEOUT))


async def press_reply(user: FakeUser, row: int, column: int) -> bool:
    """Press a button of the reply keyboard shown now; a location button needs
    :func:`send_location` instead (the page asks where first)."""
    keyboard = reply_keyboard(user.messages)
    if keyboard is None:
        raise DemoInputError("no reply keyboard is shown", 409)
    try:
        button = keyboard["rows"][row][column]
    except IndexError:
        raise DemoInputError("no such button", 404) from None
    if button["request_location"]:
        raise DemoInputError("this button sends a location: use the location form", 409)
    if button["request_contact"]:
        return await _settle(user.send_contact(timeout=ACTION_TIMEOUT))
    return await _settle(user.send(button["text"], timeout=ACTION_TIMEOUT))


async def vote(fake: FakeTelegram, user: FakeUser, message_id: int, options: list[int]) -> bool:
    """Vote in the poll of a message, with the Telegram app's rules: a quiz (or a poll
    without revoting) takes one vote only."""
    message = next((m for m in user.messages if m.message_id == message_id), None)
    poll = message.data.get("poll") if message is not None else None
    stored = fake.store.polls.get(str(poll.get("id"))) if isinstance(poll, dict) else None
    if stored is None:
        raise DemoInputError("no poll in this message", 404)
    live = stored.poll
    if live["is_closed"]:
        raise DemoInputError("the poll is closed", 409)
    if stored.votes.get(user.id) and not live.get("allows_revoting"):
        raise DemoInputError("you already voted", 409)
    count = len(live["options"])
    if not options or any(not 0 <= i < count for i in options) or len(set(options)) != len(options):
        raise DemoInputError("no such option")
    if len(options) > 1 and not live["allows_multiple_answers"]:
        raise DemoInputError("this poll takes one answer")
    return await _settle(user.answer_poll(options, poll_id=live["id"], timeout=ACTION_TIMEOUT))


async def send_photo(user: FakeUser, data: bytes, caption: str = "") -> bool:
    """Send an image file as a photo, with an optional caption."""
    if len(data) > MAX_PHOTO_BYTES:
        raise DemoInputError("the photo is larger than 10 MB", 413)
    if image_type(data) is None:
        raise DemoInputError("not a JPEG, PNG, GIF or WebP image")
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise DemoInputError(f"a caption has at most {MAX_CAPTION} characters")
    return await _settle(user.send_photo(caption or None, data=data, timeout=ACTION_TIMEOUT))


async def send_location(user: FakeUser, latitude: float, longitude: float) -> bool:
    """Send a location."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise DemoInputError("coordinates must be numbers")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DemoInputError("latitude is -90..90 and longitude -180..180")
    return await _settle(user.send_location(latitude, longitude, timeout=ACTION_TIMEOUT))
