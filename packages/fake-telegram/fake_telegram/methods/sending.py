"""Methods that post messages: text, photos, documents, albums, locations, polls, copies
and forwards, and chat actions."""

from __future__ import annotations

import copy
import random
from typing import Any

from fake_telegram.errors import bad_request
from fake_telegram.methods.base import (
    MAX_EXPLANATION,
    MAX_POLL_OPTION,
    MAX_POLL_OPTIONS,
    MAX_POLL_QUESTION,
    Call,
    MethodBase,
)
from fake_telegram.objects import JSON, new_poll_id
from fake_telegram.state import Chat, StoredMessage, StoredPoll

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Keys of a Message that are its content: what copyMessage and forwardMessage carry over.
CONTENT_KEYS = (
    "text",
    "entities",
    "link_preview_options",
    "caption",
    "caption_entities",
    "show_caption_above_media",
    "has_media_spoiler",
    "photo",
    "document",
    "animation",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


class SendingMethods(MethodBase):
    """sendMessage, sendPhoto, sendDocument, sendMediaGroup, sendLocation, sendChatAction,
    sendPoll, stopPoll, copyMessage, forwardMessage."""

    # -- sending -----------------------------------------------------------------------

    async def send_message(self, call: Call) -> JSON:
        chat = self.writable_chat(call.params["chat_id"])
        formatted = self.message_text(call.params)
        self.rate_limit(chat)
        content: JSON = {"text": formatted.text.text}
        if formatted.text.entities:
            content["entities"] = formatted.text.entities
        if isinstance(call.params.get("link_preview_options"), dict):
            content["link_preview_options"] = call.params["link_preview_options"]
        return self.send(call, chat, content, formatted=formatted).data

    async def send_photo(self, call: Call) -> JSON:
        chat = self.writable_chat(call.params["chat_id"])
        caption = self.caption(call.params)
        photo = self.input_file(call, call.params["photo"])
        self.rate_limit(chat)
        content: JSON = {"photo": self.photo_sizes(photo), **self.caption_content(call, caption)}
        return self.send(call, chat, content, formatted=caption).data

    async def send_document(self, call: Call) -> JSON:
        chat = self.writable_chat(call.params["chat_id"])
        caption = self.caption(call.params)
        document = self.media_json("document", self.input_file(call, call.params["document"]))
        self.rate_limit(chat)
        content: JSON = {"document": document, **self.caption_content(call, caption)}
        return self.send(call, chat, content, formatted=caption).data

    async def send_media_group(self, call: Call) -> list[JSON]:
        chat = self.writable_chat(call.params["chat_id"])
        media = call.params.get("media")
        items = (
            [item for item in media if isinstance(item, dict)] if isinstance(media, list) else []
        )
        if not 2 <= len(items) <= 10:
            raise bad_request("media group must contain 2-10 items")
        group_id = str(10**17 + random.randrange(10**17))
        sent: list[JSON] = []
        for item in items:
            kind = str(item.get("type", ""))
            file = self.input_file(call, item.get("media", ""))
            caption = self.caption(item)
            self.rate_limit(chat)
            content: JSON = (
                {"photo": self.photo_sizes(file)}
                if kind == "photo"
                else {kind: self.media_json(kind, file)}
            )
            content.update(self.caption_content(call, caption))
            extra = {"media_group_id": group_id}
            sent.append(self.send(call, chat, content, formatted=caption, extra=extra).data)
        return sent

    async def send_location(self, call: Call) -> JSON:
        chat = self.writable_chat(call.params["chat_id"])
        params = call.params
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise bad_request("wrong location specified")
        self.rate_limit(chat)
        location: JSON = {"latitude": latitude, "longitude": longitude}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if params.get(key) is not None:
                location[key] = params[key]
        return self.send(call, chat, {"location": location}).data

    async def send_chat_action(self, call: Call) -> bool:
        self.writable_chat(call.params["chat_id"])
        action = call.params.get("action")
        if action not in CHAT_ACTIONS:
            self._report(f"{call.spec.name}: unknown chat action {action!r}")
            raise bad_request("wrong parameter action in request")
        return True

    async def send_poll(self, call: Call) -> JSON:
        chat = self.writable_chat(call.params["chat_id"])
        poll = self._new_poll(call.params)
        self.rate_limit(chat)
        stored = self.send(call, chat, {"poll": poll})
        # The stored poll shares the dict of the message, so votes show in both.
        self.store.polls[poll["id"]] = StoredPoll(stored.data["poll"], chat.id, stored.message_id)
        return stored.data

    def _new_poll(self, params: dict[str, Any]) -> JSON:
        question = self.format_text(
            params,
            "question",
            mode_key="question_parse_mode",
            entities_key="question_entities",
            limit=MAX_POLL_QUESTION,
            too_long=f"poll question length must not exceed {MAX_POLL_QUESTION}",
            empty="poll question must be non-empty",
        )
        raw_options = params.get("options")
        options: list[str] = []
        for option in raw_options if isinstance(raw_options, list) else []:
            text = option if isinstance(option, str) else str(option.get("text", ""))
            text = text.strip()
            if not text:
                raise bad_request("poll options must be non-empty")
            if len(text) > MAX_POLL_OPTION:
                raise bad_request(f"poll options length must not exceed {MAX_POLL_OPTION}")
            options.append(text)
        if not options:
            raise bad_request("poll must have at least 1 option")
        if len(options) > MAX_POLL_OPTIONS:
            raise bad_request(f"poll can't have more than {MAX_POLL_OPTIONS} options")
        poll_type = params.get("type") or "regular"
        if poll_type not in {"regular", "quiz"}:
            raise bad_request("wrong poll type specified")
        quiz = poll_type == "quiz"
        poll: JSON = {
            "id": new_poll_id(),
            "question": question.text.text,
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": 0}
                for index, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed")),
            "is_anonymous": bool(params.get("is_anonymous", True)),
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": bool(params.get("allows_revoting", not quiz)),
            "members_only": bool(params.get("members_only")),
        }
        if question.text.entities:
            poll["question_entities"] = question.text.entities
        correct = params.get("correct_option_ids")
        if correct is None and params.get("correct_option_id") is not None:
            correct = [params["correct_option_id"]]  # the pre-10.0 field aiogram may send
        if quiz:
            if not correct:
                raise bad_request("quiz poll must have a correct option specified")
            if any(not isinstance(i, int) or not 0 <= i < len(options) for i in correct):
                raise bad_request("wrong correct option id specified")
            poll["correct_option_ids"] = list(correct)
            poll["correct_option_id"] = correct[0]
        explanation = self.format_text(
            params,
            "explanation",
            mode_key="explanation_parse_mode",
            entities_key="explanation_entities",
            limit=MAX_EXPLANATION,
            too_long=f"explanation length must not exceed {MAX_EXPLANATION}",
        )
        if explanation.text.text:
            poll["explanation"] = explanation.text.text
            if explanation.text.entities:
                poll["explanation_entities"] = explanation.text.entities
        for key in ("open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = params[key]
        return poll

    async def stop_poll(self, call: Call) -> JSON:
        chat = self.chat(call.params["chat_id"])
        stored = self.store.find_message(chat, call.params.get("message_id"))
        if stored is None or "poll" not in stored.data:
            raise bad_request("message with poll to stop not found")
        poll = stored.data["poll"]
        if poll["is_closed"]:
            raise bad_request("poll has already been closed")
        poll["is_closed"] = True
        markup = call.params.get("reply_markup")
        self.set_inline_markup(stored, markup if isinstance(markup, dict) else None)
        self.record("stop_poll", call, stored)
        return dict(poll)

    async def copy_message(self, call: Call) -> JSON:
        chat, source = self._source_and_target(call, "message to copy not found")
        content = self._copied_content(source)
        if "caption" in call.params and content.keys() & {"photo", "document", "video"}:
            caption = self.caption(call.params)
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self.caption_content(call, caption))
        stored = self.send(call, chat, content)
        return {"message_id": stored.message_id}

    async def forward_message(self, call: Call) -> JSON:
        chat, source = self._source_and_target(call, "message to forward not found")
        content = self._copied_content(source)
        origin = source.data.get("forward_origin") or self._origin_of(source)
        return self.send(call, chat, content, extra={"forward_origin": origin}).data

    def _source_and_target(self, call: Call, not_found: str) -> tuple[Chat, StoredMessage]:
        chat = self.writable_chat(call.params["chat_id"])
        source_chat = self.chat(call.params["from_chat_id"])
        source = self.store.find_message(source_chat, call.params.get("message_id"))
        if source is None:
            raise bad_request(not_found)
        self.rate_limit(chat)
        return chat, source

    def _copied_content(self, source: StoredMessage) -> JSON:
        content = {k: copy.deepcopy(v) for k, v in source.data.items() if k in CONTENT_KEYS}
        if "poll" in content:
            # A copied poll is a new poll, with no votes.
            poll = content["poll"]
            poll["id"] = new_poll_id()
            poll["total_voter_count"] = 0
            for option in poll["options"]:
                option["voter_count"] = 0
        return content

    def _origin_of(self, source: StoredMessage) -> JSON:
        chat = self.store.chats[source.chat_id]
        date = source.data["date"]
        if chat.type == "channel":
            return {
                "type": "channel",
                "chat": chat.json(),
                "message_id": source.message_id,
                "date": date,
            }
        return {"type": "user", "sender_user": source.data.get("from", {}), "date": date}
