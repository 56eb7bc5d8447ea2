"""What a test looks at: recorded API calls, the bot's visible actions, the messages of a
chat as its user sees them, and the :class:`Reply` an action of a fake user returns.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from fake_telegram.objects import JSON

# Order matters: a venue carries a location too, an animation carries a document too.
_CONTENT_KINDS = (
    "poll",
    "photo",
    "animation",
    "document",
    "sticker",
    "voice",
    "video_note",
    "video",
    "audio",
    "venue",
    "location",
    "contact",
    "dice",
)


def content_kind(message: JSON) -> str:
    """``"message"`` for a text message, else the media key (``"photo"``, ``"poll"``...)."""
    return next((kind for kind in _CONTENT_KINDS if kind in message), "message")


def inline_rows(reply_markup: JSON | None) -> list[list[JSON]]:
    """The rows of an inline keyboard (empty for any other markup)."""
    if not isinstance(reply_markup, dict):
        return []
    rows = reply_markup.get("inline_keyboard")
    return rows if isinstance(rows, list) else []


def keyboard_rows(reply_markup: JSON | None) -> list[list[JSON]]:
    """The rows of a reply keyboard as button objects (plain strings are wrapped)."""
    if not isinstance(reply_markup, dict) or not isinstance(reply_markup.get("keyboard"), list):
        return []
    return [
        [button if isinstance(button, dict) else {"text": str(button)} for button in row]
        for row in reply_markup["keyboard"]
    ]


@dataclass(slots=True)
class ApiCall:
    """One request the bot made, with the fake's answer."""

    method: str
    params: dict[str, Any]
    token: str
    chat_id: int | str | None
    at: float  # unix time the request arrived
    response: JSON | None = None  # the JSON answer; None while in flight or when dropped
    status: int | None = None  # HTTP status of the answer
    dropped: bool = False

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return bool(self.response and self.response.get("ok"))

    @property
    def result(self) -> Any:
        """The ``result`` of a successful call."""
        return None if self.response is None else self.response.get("result")

    @property
    def error_code(self) -> int | None:
        """The ``error_code`` of a failed call."""
        return None if self.response is None else self.response.get("error_code")

    @property
    def description(self) -> str | None:
        """The ``description`` of a failed call."""
        return None if self.response is None else self.response.get("description")


class _KeyboardView:
    """Button helpers over a ``reply_markup`` attribute."""

    __slots__ = ()
    reply_markup: JSON | None

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard: rows of button texts."""
        return [[str(b.get("text", "")) for b in row] for row in inline_rows(self.reply_markup)]

    @property
    def callback_data(self) -> dict[str, str]:
        """Inline keyboard: button text -> callback_data, for callback buttons."""
        return {
            str(b.get("text", "")): str(b["callback_data"])
            for row in inline_rows(self.reply_markup)
            for b in row
            if "callback_data" in b
        }

    @property
    def url_buttons(self) -> list[str]:
        """Inline keyboard: the URLs of the URL buttons, in order."""
        return [str(b["url"]) for row in inline_rows(self.reply_markup) for b in row if "url" in b]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard: rows of button texts."""
        return [[str(b.get("text", "")) for b in row] for row in keyboard_rows(self.reply_markup)]


@dataclass(frozen=True, slots=True)
class BotAction(_KeyboardView):
    """Something visible the bot did in a chat.

    ``kind`` is ``"message"`` (text), a media kind (``"photo"``, ``"document"``,
    ``"poll"``, ``"location"``...), ``"edit"``, ``"delete"``, ``"stop_poll"`` or
    ``"callback_answer"``.  ``text`` is the plain text after parsing (caption for media,
    question for polls, alert text for callback answers) and ``html`` the source exactly as
    the bot sent it, whatever its ``parse_mode``.
    """

    kind: str
    method: str
    chat_id: int | None
    message_id: int | None = None
    text: str = ""
    html: str | None = None
    parse_mode: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    message: JSON | None = None  # the Message object right after the action
    show_alert: bool = False
    url: str | None = None
    seq: int = 0  # position in the fake's action log

    @property
    def poll(self) -> JSON | None:
        """The Poll object of a poll message."""
        poll = (self.message or {}).get("poll")
        return poll if isinstance(poll, dict) else None


@dataclass(frozen=True, slots=True)
class ChatMessage(_KeyboardView):
    """A message of a chat as its user sees it now (edits applied)."""

    message_id: int
    from_bot: bool
    kind: str
    text: str
    html: str | None
    entities: list[JSON]
    reply_markup: JSON | None
    data: JSON  # the Message object
    edited: bool

    @classmethod
    def of(
        cls,
        data: JSON,
        *,
        from_bot: bool,
        source: str | None,
        reply_markup: JSON | None,
    ) -> ChatMessage:
        """A snapshot of a stored message."""
        data = copy.deepcopy(data)
        return cls(
            message_id=int(data["message_id"]),
            from_bot=from_bot,
            kind=content_kind(data),
            text=str(data.get("text") or data.get("caption") or _poll_question(data)),
            html=source,
            entities=list(data.get("entities") or data.get("caption_entities") or []),
            reply_markup=copy.deepcopy(reply_markup),
            data=data,
            edited="edit_date" in data,
        )


def _poll_question(data: JSON) -> str:
    poll = data.get("poll")
    return str(poll.get("question", "")) if isinstance(poll, dict) else ""


_NOT_TEXT = frozenset({"callback_answer", "delete"})


class Reply(Sequence[BotAction]):
    """The bot's visible actions in one chat caused by one action of a fake user."""

    def __init__(self, actions: Sequence[BotAction]) -> None:
        self._actions = list(actions)

    @overload
    def __getitem__(self, index: int) -> BotAction: ...

    @overload
    def __getitem__(self, index: slice) -> Reply: ...

    def __getitem__(self, index: int | slice) -> BotAction | Reply:
        if isinstance(index, slice):
            return Reply(self._actions[index])
        return self._actions[index]

    def __len__(self) -> int:
        return len(self._actions)

    def __iter__(self) -> Iterator[BotAction]:
        return iter(self._actions)

    def __repr__(self) -> str:
        items = ", ".join(f"{a.kind}:{a.text[:40]!r}" for a in self._actions)
        return f"Reply([{items}])"

    @property
    def text(self) -> str:
        """Texts of the messages, edits, media captions and polls, joined with newlines
        (callback answers are in :attr:`callback_answer`)."""
        return "\n".join(a.text for a in self._actions if a.kind not in _NOT_TEXT and a.text)

    @property
    def last(self) -> BotAction:
        """The last action (AssertionError when the bot did nothing)."""
        if not self._actions:
            raise AssertionError("the bot did nothing visible in this chat")
        return self._actions[-1]

    @property
    def messages(self) -> list[BotAction]:
        """New messages only (text and media), no edits or answers."""
        return [a for a in self._actions if a.kind not in {*_NOT_TEXT, "edit", "stop_poll"}]

    @property
    def edits(self) -> list[BotAction]:
        """Edits of earlier messages."""
        return [a for a in self._actions if a.kind == "edit"]

    @property
    def buttons(self) -> list[str]:
        """Texts of the inline buttons of the last message sent or edited, flattened."""
        for action in reversed(self._actions):
            if action.kind not in _NOT_TEXT:
                return [text for row in action.buttons for text in row]
        return []

    @property
    def callback_answer(self) -> BotAction | None:
        """The bot's answer to the callback query, if it answered."""
        return next((a for a in self._actions if a.kind == "callback_answer"), None)

    @property
    def kinds(self) -> list[str]:
        """The kinds of the actions, in order (handy in assertions)."""
        return [a.kind for a in self._actions]
