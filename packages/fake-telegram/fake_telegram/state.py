"""What the fake Telegram remembers: chats, their messages, files, polls, callback queries,
and the bot's settings (commands, descriptions, menu button, webhook).

The store is plain data with small helpers; the rules of the Bot API (who may edit what,
which error to answer) live in :mod:`fake_telegram.methods`.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any

from fake_telegram.objects import JSON, new_file_id, new_file_unique_id, photo_sizes

PRIVATE = "private"
GROUP_TYPES = frozenset({"group", "supergroup"})


@dataclass(slots=True)
class StoredMessage:
    """A message as Telegram keeps it: ``data`` is the ``Message`` object, edits applied."""

    chat_id: int
    message_id: int
    data: JSON
    from_bot: bool
    source: str | None = None  # the text or caption exactly as the bot sent it
    parse_mode: str | None = None
    # Any markup, reply keyboards included (Telegram echoes only inline keyboards in
    # ``data``, but the user still sees a reply keyboard).
    reply_markup: JSON | None = None
    deleted: bool = False

    @property
    def text(self) -> str:
        """The plain text, or the caption of a media message."""
        return str(self.data.get("text") or self.data.get("caption") or "")

    @property
    def edited(self) -> bool:
        """Whether the message was edited since it was sent."""
        return "edit_date" in self.data


@dataclass(slots=True)
class Chat:
    """A chat the fake knows: a user's private chat with the bot, or a group."""

    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False  # private: the user blocked the bot
    started: bool = True  # private: the user ever wrote to the bot
    bot_is_member: bool = True  # groups: the bot did not leave
    is_forum: bool = False  # supergroups with topics
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    def json(self) -> JSON:
        """The ``Chat`` object inside messages."""
        result: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name", "is_forum"):
            value = getattr(self, key)
            if value:
                result[key] = value
        return result

    def full_info_json(self) -> JSON:
        """The ``ChatFullInfo`` object ``getChat`` answers."""
        return {
            **self.json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def new_message_id(self) -> int:
        """Message ids grow by one per chat, for both sides of the conversation."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def visible(self) -> list[StoredMessage]:
        """Messages not deleted, oldest first."""
        return [m for m in self.messages.values() if not m.deleted]


@dataclass(slots=True)
class StoredFile:
    """A file the fake can serve through ``getFile`` and the file download URL."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes = field(repr=False)
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None

    def json(self) -> JSON:
        """The ``File`` object ``getFile`` answers."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass(slots=True)
class StoredPoll:
    """A poll and the votes it got (user id -> chosen option indexes)."""

    poll: JSON
    chat_id: int
    message_id: int
    votes: dict[int, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class CallbackQueryRecord:
    """A callback query a user sent and the bot's answer, if any."""

    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    answer: JSON | None = None


@dataclass(slots=True)
class Store:
    """All the state of one fake Telegram."""

    chats: dict[int, Chat] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    polls: dict[str, StoredPoll] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    users: dict[int, JSON] = field(default_factory=dict)  # User objects of the fake users
    # file_id of any size of a photo -> all its PhotoSize objects
    photos: dict[str, list[JSON]] = field(default_factory=dict)
    # (scope as canonical JSON, language_code) -> BotCommand list
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    # setting name ("description", "short_description", "name") -> language -> value
    bot_texts: dict[str, dict[str, str]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JSON] = field(default_factory=dict)
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_max_connections: int = 40
    _file_counter: int = 0

    # -- chats -------------------------------------------------------------------------

    def add_chat(self, chat: Chat) -> Chat:
        """Register a chat (or return the one already registered with that id)."""
        return self.chats.setdefault(chat.id, chat)

    def find_chat(self, chat_id: Any) -> Chat | None:
        """Look a chat up by id, or by ``@username`` like Telegram."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                name = chat_id[1:].lower()
                return next(
                    (c for c in self.chats.values() if (c.username or "").lower() == name),
                    None,
                )
            try:
                chat_id = int(chat_id)
            except ValueError:
                return None
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            return self.chats.get(chat_id)
        return None

    def add_message(
        self,
        chat: Chat,
        data: JSON,
        *,
        from_bot: bool,
        source: str | None = None,
        parse_mode: str | None = None,
        reply_markup: JSON | None = None,
    ) -> StoredMessage:
        """Store a new message; ``data`` must already carry its ``message_id``."""
        message = StoredMessage(
            chat.id,
            int(data["message_id"]),
            data,
            from_bot,
            source=source,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
        )
        chat.messages[message.message_id] = message
        return message

    def find_message(self, chat: Chat, message_id: Any) -> StoredMessage | None:
        """A message of the chat that was not deleted."""
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            return None
        message = chat.messages.get(message_id)
        return None if message is None or message.deleted else message

    # -- files -------------------------------------------------------------------------

    def add_file(
        self,
        kind: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        file_unique_id: str | None = None,
    ) -> StoredFile:
        """Store file content under a fresh ``file_id`` and ``file_path``."""
        self._file_counter += 1
        extension = mimetypes.guess_extension(mime_type or "") or (
            ".jpg" if kind == "photo" else ".bin"
        )
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=new_file_id(kind),
            file_unique_id=file_unique_id or new_file_unique_id(),
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{self._file_counter}{extension}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        return stored

    def add_photo(self, data: bytes, width: int, height: int) -> list[JSON]:
        """Store a photo; every ``PhotoSize`` of it can be downloaded."""
        sizes = photo_sizes(width, height, len(data))
        for size in sizes:
            self._file_counter += 1
            self.files[size["file_id"]] = StoredFile(
                file_id=size["file_id"],
                file_unique_id=size["file_unique_id"],
                kind="photo",
                data=data,
                file_path=f"photos/file_{self._file_counter}.jpg",
                mime_type="image/jpeg",
            )
            size["file_size"] = len(data)
            self.photos[size["file_id"]] = sizes
        return sizes

    def photo_sizes_of(self, file_id: str) -> list[JSON]:
        """All sizes of the photo one of whose sizes is ``file_id``."""
        return [dict(size) for size in self.photos.get(file_id, [])]

    def file_by_path(self, path: str) -> StoredFile | None:
        """The file served at ``/file/bot<token>/<path>``."""
        return next((f for f in self.files.values() if f.file_path == path), None)
