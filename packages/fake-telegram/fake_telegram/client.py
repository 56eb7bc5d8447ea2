"""The user side of the fake: users (and groups) who write to the bot, press its buttons
and answer its polls, the way the Telegram app would.

Every action pushes a realistic update and then waits until the bot has handled it (see
:meth:`fake_telegram.server.FakeTelegram.settle`): the update was fetched by getUpdates and
confirmed by a later offset, no request of the bot is in flight, and no request arrived
for ``quiet`` seconds.  Every action takes the keyword arguments ``quiet``, ``timeout``
and ``expect_reply`` (see :class:`~fake_telegram.activity.Wait`).  It returns a
:class:`~fake_telegram.views.Reply`: what the bot did in this chat meanwhile (its actions
in other chats are in ``fake.actions`` and those chats' ``messages``).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Unpack

from fake_telegram.activity import Wait
from fake_telegram.entities import detect_entities
from fake_telegram.objects import JSON, new_callback_query_id, now, tiny_jpeg
from fake_telegram.state import CallbackQueryRecord, Chat, StoredMessage, StoredPoll
from fake_telegram.views import ChatMessage, Reply, inline_rows, keyboard_rows

if TYPE_CHECKING:
    from fake_telegram.server import FakeTelegram

DEFAULT_LOCATION = (43.238949, 76.889709)  # Almaty
# Minimal file contents with the right magic numbers (WebP, Ogg, MP4).
_STICKER_BYTES = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11"
_VOICE_BYTES = b"OggS\x00\x02" + b"\x00" * 20
_VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


class _ChatView:
    """A chat as its members see it."""

    def __init__(self, fake: FakeTelegram, chat: Chat) -> None:
        self._fake = fake
        self._chat = chat

    @property
    def chat_id(self) -> int:
        """The chat's id."""
        return self._chat.id

    @property
    def messages(self) -> list[ChatMessage]:
        """The chat now, oldest first: edits applied, deleted messages gone."""
        return [
            ChatMessage.of(
                m.data, from_bot=m.from_bot, source=m.source, reply_markup=m.reply_markup
            )
            for m in self._chat.visible()
        ]

    @property
    def last_message(self) -> ChatMessage:
        """The newest message of the chat, whoever sent it."""
        messages = self.messages
        if not messages:
            raise AssertionError(f"chat {self.chat_id} has no messages")
        return messages[-1]

    @property
    def last_bot_message(self) -> ChatMessage:
        """The newest message the bot sent to the chat."""
        for message in reversed(self.messages):
            if message.from_bot:
                return message
        raise AssertionError(f"the bot sent nothing to chat {self.chat_id}")

    async def expect_silence(self, seconds: float = 0.5) -> None:
        """Assert the bot does nothing visible in this chat for ``seconds``."""
        start = len(self._fake.actions)
        await asyncio.sleep(seconds)
        actions = self._fake.actions_since(start, self.chat_id)
        if actions:
            raise AssertionError(f"expected silence in chat {self.chat_id}, got {Reply(actions)!r}")


class FakeGroup(_ChatView):
    """A group the bot is in; users post there through :meth:`send` or
    :meth:`FakeUser.in_group`."""

    async def send(self, user: FakeUser, text: str, **wait: Unpack[Wait]) -> Reply:
        """``user`` posts ``text`` in the group."""
        return await user.in_group(self).send(text, **wait)

    @property
    def topics(self) -> dict[int, str]:
        """A forum's topics: message_thread_id -> name."""
        return dict(self._chat.topics)

    @property
    def title(self) -> str:
        """The group's title."""
        return self._chat.title or ""


class FakeUser(_ChatView):
    """A Telegram user talking to the bot in one chat (their private chat by default)."""

    def __init__(self, fake: FakeTelegram, user: JSON, chat: Chat) -> None:
        super().__init__(fake, chat)
        self.user = user

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r}, chat={self.chat_id})"

    @property
    def id(self) -> int:
        """The user's id (also the id of their private chat with the bot)."""
        return int(self.user["id"])

    @property
    def user_id(self) -> int:
        """Same as :attr:`id`."""
        return self.id

    @property
    def first_name(self) -> str:
        """The user's first name."""
        return str(self.user["first_name"])

    @property
    def language_code(self) -> str | None:
        """The language of the user's Telegram app."""
        value = self.user.get("language_code")
        return None if value is None else str(value)

    def in_group(self, group: FakeGroup) -> FakeUser:
        """The same user, acting in ``group``."""
        return FakeUser(self._fake, self.user, group._chat)

    # -- messages ------------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        reply_to: int | ChatMessage | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a text message; commands, links, mentions and hashtags get their entities."""
        return await self._post(_text_content(text), reply_to=reply_to, **wait)

    def send_nowait(self, text: str) -> int:
        """Send a text message without waiting for the bot (a burst of many users); returns
        its ``update_id``, for :meth:`FakeTelegram.settle`."""
        return self._fake.push_update("message", self._new_message(_text_content(text)))

    async def send_with_entities(
        self, text: str, entities: list[JSON], **wait: Unpack[Wait]
    ) -> Reply:
        """Send text with entities of one's own (a text_link on a word, say) on top of the
        ones Telegram detects."""
        content = _text_content(text)
        content["entities"] = sorted(
            [*content.get("entities", []), *entities], key=lambda e: e["offset"]
        )
        return await self._post(content, **wait)

    async def forward(
        self,
        origin: JSON,
        text: str | None = None,
        *,
        photo: bytes | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Forward a post into this chat; ``origin`` is a MessageOrigin (see
        ``channel_origin``, ``hidden_origin``, ``user_origin``). With ``photo``, the text is
        its caption."""
        content: JSON = {}
        if photo is not None:
            content["photo"] = self._fake.store.add_photo(photo, 1280, 960)
            if text:
                caption = _text_content(text)
                content["caption"] = text
                if "entities" in caption:
                    content["caption_entities"] = caption["entities"]
        elif text is not None:
            content = _text_content(text)
        content["forward_origin"] = origin
        return await self._post(content, **wait)

    async def send_many(self, texts: Sequence[str], **wait: Unpack[Wait]) -> Reply:
        """Send several text messages at once (as fast as a flooding user), then wait for
        the bot to handle all of them."""
        updates = [("message", self._new_message(_text_content(text))) for text in texts]
        return await self._act(updates, wait)

    async def send_photo(
        self,
        caption: str | None = None,
        *,
        width: int = 1280,
        height: int = 960,
        data: bytes | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a photo (several sizes, each downloadable via getFile)."""
        sizes = self._fake.store.add_photo(data or tiny_jpeg(), width, height)
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return await self._post(content, **wait)

    async def send_document(
        self,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        *,
        data: bytes | None = None,
        caption: str | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a file (a photo sent as a file is a document with ``image/jpeg``)."""
        if data is None:
            data = tiny_jpeg() if mime_type.startswith("image/") else b"%PDF-1.4\n%%EOF\n"
        stored = self._fake.store.add_file(
            "document", data, mime_type=mime_type, file_name=file_name
        )
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
        return await self._post(content, **wait)

    async def send_sticker(self, emoji: str = "👍", **wait: Unpack[Wait]) -> Reply:
        """Send a regular static sticker."""
        stored = self._fake.store.add_file("sticker", _STICKER_BYTES, mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(_STICKER_BYTES),
        }
        return await self._post({"sticker": sticker}, **wait)

    async def send_voice(self, duration: int = 3, **wait: Unpack[Wait]) -> Reply:
        """Send a voice message."""
        stored = self._fake.store.add_file("voice", _VOICE_BYTES, mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(_VOICE_BYTES),
        }
        return await self._post({"voice": voice}, **wait)

    async def send_video(
        self,
        caption: str | None = None,
        *,
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a video."""
        stored = self._fake.store.add_file("video", _VIDEO_BYTES, mime_type="video/mp4")
        video = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "duration": duration,
            "mime_type": "video/mp4",
            "file_size": len(_VIDEO_BYTES),
        }
        content: JSON = {"video": video}
        if caption:
            content["caption"] = caption
        return await self._post(content, **wait)

    async def send_location(
        self,
        latitude: float = DEFAULT_LOCATION[0],
        longitude: float = DEFAULT_LOCATION[1],
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post({"location": location}, **wait)

    async def send_contact(
        self,
        phone_number: str = "+77011234567",
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        own: bool = True,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a contact (``own``: the user's own, carrying their ``user_id``)."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if own:
            contact["user_id"] = self.id
        return await self._post({"contact": contact}, **wait)

    async def edit(
        self,
        message: int | ChatMessage,
        new_text: str,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Edit one of the user's own text messages (an ``edited_message`` update)."""
        stored = self._own_message(message)
        data = stored.data
        data["text"] = new_text
        data.pop("entities", None)
        entities = detect_entities(new_text)
        if entities:
            data["entities"] = entities
        data["edit_date"] = now()
        stored.source = new_text
        return await self._act([("edited_message", copy.deepcopy(data))], wait)

    async def push(
        self,
        kind: str,
        payload: JSON,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Push any update (``kind`` is the Update field, e.g. ``"chat_join_request"``)."""
        return await self._act([(kind, payload)], wait)

    # -- buttons -------------------------------------------------------------------------

    async def click(self, button_text: str, **wait: Unpack[Wait]) -> Reply:
        """Press an inline button of the newest bot message that has it (an exact text match
        anywhere wins over a substring match)."""
        stored, button = self._find_inline_button(button_text)
        if "callback_data" not in button:
            if "url" in button:
                raise AssertionError(
                    f"button {button.get('text')!r} is a URL button ({button['url']}); "
                    "it opens a link and sends nothing to the bot"
                )
            kinds = sorted(set(button) - {"text", "style", "icon_custom_emoji_id"})
            raise AssertionError(f"button {button.get('text')!r} is not a callback button: {kinds}")
        return await self._callback(stored, str(button["callback_data"]), wait)

    async def click_in(self, message_id: int, button_text: str, **wait: Unpack[Wait]) -> Reply:
        """Press the button ``button_text`` (exact text) of message ``message_id``."""
        stored = self._fake.store.find_message(self._chat, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {self.chat_id}")
        rows = inline_rows(stored.data.get("reply_markup"))
        button = next((b for row in rows for b in row if b.get("text") == button_text), None)
        if button is None:
            shown = [[b.get("text") for b in row] for row in rows]
            raise AssertionError(f"message {message_id} has no button {button_text!r}: {shown}")
        if "callback_data" not in button:
            raise AssertionError(f"button {button_text!r} is not a callback button")
        return await self._callback(stored, str(button["callback_data"]), wait)

    async def click_data(
        self,
        message_id: int,
        data: str,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Send a callback query with forged ``data`` for message ``message_id``."""
        stored = self._fake.store.find_message(self._chat, message_id)
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {self.chat_id}")
        return await self._callback(stored, data, wait)

    async def press_reply(self, text: str, **wait: Unpack[Wait]) -> Reply:
        """Press a button of the reply keyboard the bot shows now."""
        markup = self._reply_keyboard()
        if markup is None:
            raise AssertionError(f"the bot shows no reply keyboard in chat {self.chat_id}")
        buttons = [button for row in keyboard_rows(markup) for button in row]
        button = next((b for b in buttons if b.get("text") == text), None)
        if button is None:
            shown = [[b.get("text") for b in row] for row in keyboard_rows(markup)]
            raise AssertionError(f"no reply button {text!r}; the keyboard is {shown}")
        if button.get("request_location"):
            return await self.send_location(**wait)
        if button.get("request_contact"):
            return await self.send_contact(**wait)
        return await self.send(text, **wait)

    async def answer_poll(
        self,
        option_ids: int | Sequence[int],
        poll_id: str | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        """Vote in a poll (the newest poll of the chat by default).

        A non-anonymous poll sends the bot a ``poll_answer``; every vote also sends a
        ``poll`` update with the new counts, as Telegram does for the bot's own polls.
        A second vote is sent even where the app would refuse it (quizzes), and a
        ``poll_id`` the fake does not know gets a bare forged ``poll_answer``, so a test
        can check that the bot copes.
        """
        options = [option_ids] if isinstance(option_ids, int) else list(option_ids)
        if poll_id is not None and poll_id not in self._fake.store.polls:
            forged = {
                "poll_id": poll_id,
                "user": self.user,
                "option_ids": options,
                "option_persistent_ids": [str(i) for i in options],
            }
            return await self._act([("poll_answer", forged)], wait)
        stored = self._poll(poll_id)
        poll = stored.poll
        if poll["is_closed"]:
            raise AssertionError(f"poll {poll['id']} is closed")
        count = len(poll["options"])
        if any(not 0 <= i < count for i in options):
            raise AssertionError(f"poll {poll['id']} has options 0..{count - 1}, not {options}")
        if len(options) > 1 and not poll["allows_multiple_answers"]:
            raise AssertionError(f"poll {poll['id']} allows one answer only")
        previous = stored.votes.get(self.id)
        for index in previous or []:
            poll["options"][index]["voter_count"] -= 1
        for index in options:
            poll["options"][index]["voter_count"] += 1
        stored.votes[self.id] = options
        poll["total_voter_count"] = sum(1 for votes in stored.votes.values() if votes)
        updates: list[tuple[str, JSON]] = []
        if not poll["is_anonymous"]:
            answer = {
                "poll_id": poll["id"],
                "user": self.user,
                "option_ids": options,
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in options],
            }
            updates.append(("poll_answer", answer))
        updates.append(("poll", copy.deepcopy(poll)))
        return await self._act(updates, wait)

    # -- blocking --------------------------------------------------------------------------

    async def block_bot(self, **wait: Unpack[Wait]) -> Reply:
        """Block the bot: a ``my_chat_member`` update, then 403 on every send to the user."""
        update_id = self._fake.block(self.id, notify=True)
        assert update_id is not None
        return await self._wait([update_id], len(self._fake.actions), wait)

    async def unblock_bot(self, **wait: Unpack[Wait]) -> Reply:
        """Unblock the bot (a ``my_chat_member`` update kicked -> member)."""
        update_id = self._fake.unblock(self.id, notify=True)
        assert update_id is not None
        return await self._wait([update_id], len(self._fake.actions), wait)

    # -- internals -------------------------------------------------------------------------

    async def _post(
        self,
        content: JSON,
        *,
        reply_to: int | ChatMessage | None = None,
        **wait: Unpack[Wait],
    ) -> Reply:
        return await self._act([("message", self._new_message(content, reply_to))], wait)

    def _new_message(self, content: JSON, reply_to: int | ChatMessage | None = None) -> JSON:
        """Store a message of the user; returns the Message object for the update."""
        chat = self._chat
        chat.started = True
        data: JSON = {
            "message_id": chat.new_message_id(),
            "from": self.user,
            "chat": chat.json(),
            "date": now(),
        }
        if reply_to is not None:
            target_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            target = self._fake.store.find_message(chat, target_id)
            if target is None:
                raise AssertionError(f"no message {target_id} to reply to in chat {chat.id}")
            replied = copy.deepcopy(target.data)
            replied.pop("reply_to_message", None)
            data["reply_to_message"] = replied
        data.update(content)
        self._fake.store.add_message(
            chat, data, from_bot=False, source=content.get("text") or content.get("caption")
        )
        return copy.deepcopy(data)

    async def _act(self, updates: list[tuple[str, JSON]], wait: Wait) -> Reply:
        start = len(self._fake.actions)
        ids = [self._fake.push_update(kind, payload) for kind, payload in updates]
        return await self._wait(ids, start, wait)

    async def _wait(self, ids: list[int], start: int, wait: Wait) -> Reply:
        expect_reply = wait.pop("expect_reply", None)
        await self._fake.settle(ids, **wait, chat_id=self.chat_id, since=start)
        reply = Reply(self._fake.actions_since(start, self.chat_id))
        if expect_reply is True and not reply:
            raise AssertionError(f"the bot did nothing visible in chat {self.chat_id}")
        if expect_reply is False and reply:
            raise AssertionError(f"expected no reply in chat {self.chat_id}, got {reply!r}")
        return reply

    async def click_many(self, button_text: str, times: int, **wait: Unpack[Wait]) -> Reply:
        """Press an inline button `times` times at once (an impatient thumb, two devices):
        every press is a callback query delivered together."""
        stored, button = self._find_inline_button(button_text)
        data = str(button["callback_data"])
        updates = [("callback_query", self._callback_payload(stored, data)) for _ in range(times)]
        return await self._act(updates, wait)

    def _callback_payload(self, stored: StoredMessage, data: str) -> JSON:
        query_id = new_callback_query_id()
        self._fake.store.callback_queries[query_id] = CallbackQueryRecord(
            query_id, self.chat_id, stored.message_id, self.id, data
        )
        return {
            "id": query_id,
            "from": self.user,
            "message": copy.deepcopy(stored.data),
            "chat_instance": str(abs(self.chat_id) * 7_919 + 1_000_000_007),
            "data": data,
        }

    async def _callback(self, stored: StoredMessage, data: str, wait: Wait) -> Reply:
        return await self._act([("callback_query", self._callback_payload(stored, data))], wait)

    def _own_message(self, message: int | ChatMessage) -> StoredMessage:
        message_id = message if isinstance(message, int) else message.message_id
        stored = self._fake.store.find_message(self._chat, message_id)
        if stored is None or stored.from_bot or "text" not in stored.data:
            raise AssertionError(f"message {message_id} is not a text message of this user")
        return stored

    def _find_inline_button(self, text: str) -> tuple[StoredMessage, JSON]:
        candidates = [
            m
            for m in reversed(self._chat.visible())
            if m.from_bot and inline_rows(m.data.get("reply_markup"))
        ]
        for exact in (True, False):
            for message in candidates:
                found = [
                    button
                    for row in inline_rows(message.data["reply_markup"])
                    for button in row
                    if (button.get("text") == text if exact else text in str(button.get("text")))
                ]
                if len(found) > 1 and not exact:
                    names = [b.get("text") for b in found]
                    raise AssertionError(
                        f"{text!r} matches several buttons of message {message.message_id}: {names}"
                    )
                if found:
                    return message, found[0]
        visible = {
            m.message_id: [
                [b.get("text") for b in row] for row in inline_rows(m.data["reply_markup"])
            ]
            for m in candidates
        }
        raise AssertionError(
            f"no inline button {text!r} in chat {self.chat_id}; visible: {visible}"
        )

    def _reply_keyboard(self) -> JSON | None:
        for message in reversed(self._chat.visible()):
            markup = message.reply_markup if message.from_bot else None
            if markup is None:
                continue
            if "keyboard" in markup:
                return markup
            if markup.get("remove_keyboard"):
                return None
        return None

    def _poll(self, poll_id: str | None) -> StoredPoll:
        polls = self._fake.store.polls
        if poll_id is not None:
            return polls[poll_id]
        for message in reversed(self._chat.visible()):
            poll = message.data.get("poll")
            if isinstance(poll, dict) and poll.get("id") in polls:
                return polls[poll["id"]]
        raise AssertionError(f"no poll in chat {self.chat_id}")


def channel_origin(
    chat_id: int, title: str, username: str | None = None, message_id: int = 1
) -> JSON:
    """The origin of a post forwarded from a channel (public when it has a username)."""
    chat: JSON = {"id": chat_id, "type": "channel", "title": title}
    if username:
        chat["username"] = username
    return {"type": "channel", "date": now(), "chat": chat, "message_id": message_id}


def hidden_origin(sender_user_name: str) -> JSON:
    """The origin of a message whose sender hides their account when forwarded."""
    return {"type": "hidden_user", "date": now(), "sender_user_name": sender_user_name}


def user_origin(user: JSON) -> JSON:
    return {"type": "user", "date": now(), "sender_user": user}


def _text_content(text: str) -> JSON:
    """A text message's content, with the entities Telegram detects."""
    content: JSON = {"text": text}
    entities = detect_entities(text)
    if entities:
        content["entities"] = entities
    return content
