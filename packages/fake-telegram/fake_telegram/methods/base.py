"""Shared ground of the Bot API method handlers: the request being handled, and the
rules every sending method follows (which chat may be written to, how a text is parsed
and limited, what a reply points to, how a sent message is stored and recorded)."""

from __future__ import annotations

import copy
import mimetypes
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fake_telegram.entities import FormattedText, trim
from fake_telegram.errors import bad_request, forbidden
from fake_telegram.faults import RateLimiter
from fake_telegram.html import EntityParseError, parse_html
from fake_telegram.objects import JSON, BotIdentity, now, tiny_jpeg
from fake_telegram.spec import ApiSpec, MethodSpec, UploadedFile
from fake_telegram.state import PRIVATE, Chat, Store, StoredMessage
from fake_telegram.updates import UpdateQueue
from fake_telegram.views import BotAction, content_kind, inline_rows

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12
MAX_EXPLANATION = 200

ActionSink = Callable[[BotAction], None]
Handler = Callable[["Call"], Awaitable[Any]]


@dataclass(slots=True)
class Call:
    """One request being handled."""

    method: str
    params: dict[str, Any]
    bot: BotIdentity
    spec: MethodSpec
    uploads: dict[str, UploadedFile] = field(default_factory=dict)


@dataclass(slots=True)
class Formatted:
    """A text or caption after parsing, with what the bot sent."""

    text: FormattedText
    source: str | None
    parse_mode: str | None


class MethodBase:
    """State and helpers every group of handlers uses."""

    def __init__(
        self,
        *,
        spec: ApiSpec,
        store: Store,
        updates: UpdateQueue,
        record_action: ActionSink,
        report_violation: Callable[[str], None],
    ) -> None:
        self.spec = spec
        self.store = store
        self.updates = updates
        self._record_action = record_action
        self._report = report_violation
        #: Flood control; None (the default) disables it.
        self.rate_limiter: RateLimiter | None = None

    # -- shared rules ------------------------------------------------------------------

    def chat(self, chat_id: Any) -> Chat:
        """The chat a request names, or 400 chat not found."""
        chat = self.store.find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: Any) -> Chat:
        """A chat the bot may post to now, or Telegram's 400/403 saying why not."""
        chat = self.chat(chat_id)
        if chat.type == PRIVATE:
            if chat.blocked:
                raise forbidden("bot was blocked by the user")
            if not chat.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif not chat.bot_is_member:
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise forbidden(f"bot is not a member of the {kind} chat")
        return chat

    def rate_limit(self, chat: Chat) -> None:
        """Count one sent message against flood control, when enabled."""
        if self.rate_limiter is not None:
            self.rate_limiter.check(chat.id, chat.type == PRIVATE, time.monotonic())

    def format_text(
        self,
        params: dict[str, Any],
        key: str,
        *,
        mode_key: str,
        entities_key: str,
        limit: int,
        too_long: str,
        empty: str | None = None,
    ) -> Formatted:
        """Parse a text or caption by its parse mode, trim it and check its length."""
        source = params.get(key)
        if source is None:
            if empty is not None:
                raise bad_request(empty)
            return Formatted(FormattedText(""), None, None)
        source = str(source)
        mode = params.get(mode_key)
        if mode == "HTML":
            try:
                parsed = parse_html(source)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode in {"MarkdownV2", "Markdown"}:
            parsed = FormattedText(source)  # recorded as sent, not parsed
        else:
            entities = params.get(entities_key)
            parsed = FormattedText(source, list(entities) if isinstance(entities, list) else [])
        parsed = trim(parsed)
        if not parsed.text and empty is not None:
            raise bad_request(empty)
        if len(parsed.text) > limit:
            raise bad_request(too_long)
        return Formatted(parsed, source, mode if isinstance(mode, str) else None)

    def message_text(self, params: dict[str, Any]) -> Formatted:
        """The text of a message, sent or edited."""
        return self.format_text(
            params,
            "text",
            mode_key="parse_mode",
            entities_key="entities",
            limit=MAX_TEXT,
            too_long="message is too long",
            empty="message text is empty",
        )

    def caption(self, params: dict[str, Any]) -> Formatted:
        """The optional caption of a media message."""
        return self.format_text(
            params,
            "caption",
            mode_key="parse_mode",
            entities_key="caption_entities",
            limit=MAX_CAPTION,
            too_long="message caption is too long",
        )

    def reply_to(self, chat: Chat, params: dict[str, Any]) -> JSON | None:
        """The message a new message replies to (``reply_parameters`` or the old field)."""
        reply = params.get("reply_parameters")
        message_id: Any = None
        allow_missing = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
            if "chat_id" in reply:
                chat = self.chat(reply["chat_id"])
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        target = self.store.find_message(chat, message_id)
        if target is None:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        replied = copy.deepcopy(target.data)
        replied.pop("reply_to_message", None)  # Telegram nests one level only
        return replied

    def send(
        self,
        call: Call,
        chat: Chat,
        content: JSON,
        *,
        formatted: Formatted | None = None,
        kind: str | None = None,
        extra: JSON | None = None,
    ) -> StoredMessage:
        """Create, store and record a message of the bot with ``content``."""
        params = call.params
        data: JSON = {
            "message_id": chat.new_message_id(),
            "from": call.bot.user_json(),
            "chat": chat.json(),
            "date": now(),
        }
        replied = self.reply_to(chat, params)
        if replied is not None:
            data["reply_to_message"] = replied
        thread = params.get("message_thread_id")
        if thread is not None:
            if not chat.is_forum or thread not in chat.topics:
                raise bad_request("message thread not found")
            data["message_thread_id"] = thread
            data["is_topic_message"] = True
        data.update(extra or {})
        data.update(content)
        markup = params.get("reply_markup")
        markup = markup if isinstance(markup, dict) else None
        if inline_rows(markup):
            # Telegram echoes only inline keyboards in the Message object.
            data["reply_markup"] = copy.deepcopy(markup)
        stored = self.store.add_message(
            chat,
            data,
            from_bot=True,
            source=formatted.source if formatted else None,
            parse_mode=formatted.parse_mode if formatted else None,
            reply_markup=markup,
        )
        self.record(kind or content_kind(data), call, stored)
        return stored

    def record(self, kind: str, call: Call, stored: StoredMessage) -> None:
        """Log a visible change of ``stored`` for the fake users."""
        data = stored.data
        self._record_action(
            BotAction(
                kind=kind,
                method=call.spec.name,
                chat_id=stored.chat_id,
                message_id=stored.message_id,
                text=str(
                    data.get("text")
                    or data.get("caption")
                    or (data.get("poll") or {}).get("question", "")
                ),
                html=stored.source,
                parse_mode=stored.parse_mode,
                entities=copy.deepcopy(
                    list(data.get("entities") or data.get("caption_entities") or [])
                ),
                reply_markup=copy.deepcopy(stored.reply_markup),
                message=copy.deepcopy(data),
            )
        )

    def input_file(self, call: Call, value: Any) -> UploadedFile | str:
        """A file parameter: an upload (``attach://<part>`` too), a known file_id, or an
        HTTP URL."""
        if isinstance(value, UploadedFile):
            return value
        text = str(value)
        if text.startswith("attach://"):
            part = call.uploads.get(text.removeprefix("attach://"))
            if part is None:
                raise bad_request("wrong HTTP URL specified")  # the part was not uploaded
            return part
        if text in self.store.files or text.startswith(("http://", "https://")):
            return text
        raise bad_request("wrong file identifier/HTTP URL specified")

    def photo_sizes(self, photo: UploadedFile | str) -> list[JSON]:
        """The PhotoSize list of a photo parameter."""
        if isinstance(photo, UploadedFile):
            return self.store.add_photo(photo.data, 1280, 960)
        if photo in self.store.files:
            known = self.store.files[photo]
            if known.kind != "photo":
                raise bad_request(f"can't use file of type {known.kind.title()} as Photo")
            return self.store.photo_sizes_of(photo)
        return self.store.add_photo(tiny_jpeg(), 800, 600)  # a URL: the fake makes one up

    def media_json(self, kind: str, file: UploadedFile | str) -> JSON:
        """The Document/Video/Audio/Animation object of a file parameter."""
        if isinstance(file, UploadedFile):
            file_name = file.filename or kind
            mime_type = (
                mimetypes.guess_type(file_name)[0]
                or file.content_type
                or "application/octet-stream"
            )
            stored = self.store.add_file(kind, file.data, mime_type=mime_type, file_name=file_name)
        elif file in self.store.files:
            stored = self.store.files[file]
        else:  # a URL
            name = file.rsplit("/", 1)[-1] or kind
            stored = self.store.add_file(
                kind, b"", mime_type=mimetypes.guess_type(name)[0], file_name=name
            )
        type_name = "".join(part.title() for part in kind.split("_"))
        media: JSON = self.spec.synthesize(type_name) if type_name in self.spec.types else {}
        media.update(
            file_id=stored.file_id,
            file_unique_id=stored.file_unique_id,
            file_size=len(stored.data),
        )
        if stored.file_name:
            media["file_name"] = stored.file_name
        if stored.mime_type:
            media["mime_type"] = stored.mime_type
        return media

    def caption_content(self, call: Call, caption: Formatted) -> JSON:
        """The caption fields of a media message (and its media flags)."""
        content: JSON = {}
        if caption.text.text:
            content["caption"] = caption.text.text
        if caption.text.entities:
            content["caption_entities"] = caption.text.entities
        if call.params.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        if call.params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return content

    def message_to_edit(self, call: Call) -> StoredMessage:
        """The bot's own message an edit names, or Telegram's error."""
        chat = self.chat(call.params.get("chat_id"))
        if chat.type == PRIVATE and chat.blocked:
            raise forbidden("bot was blocked by the user")
        stored = self.store.find_message(chat, call.params.get("message_id"))
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return stored

    def set_inline_markup(self, stored: StoredMessage, markup: JSON | None) -> None:
        """Show ``markup`` under the message if it is an inline keyboard, else none."""
        if inline_rows(markup):
            stored.data["reply_markup"] = copy.deepcopy(markup)
            stored.reply_markup = copy.deepcopy(markup)
        else:
            stored.data.pop("reply_markup", None)
            stored.reply_markup = None
