"""Methods that change what the user already sees: edits, deletions, and answers to
callback queries."""

from __future__ import annotations

import copy
from typing import Any

from fake_telegram.errors import NOT_MODIFIED, QUERY_TOO_OLD, bad_request
from fake_telegram.methods.base import Call, MethodBase
from fake_telegram.objects import JSON, now
from fake_telegram.state import StoredMessage
from fake_telegram.views import BotAction, content_kind, inline_rows


class EditingMethods(MethodBase):
    """editMessageText, editMessageCaption, editMessageReplyMarkup, deleteMessage(s),
    answerCallbackQuery."""

    # -- editing and deleting ------------------------------------------------------------

    def _edit_target(self, call: Call) -> StoredMessage | None:
        """The stored message an edit names; None for inline messages (not modelled)."""
        if call.params.get("inline_message_id"):
            return None
        if call.params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        return self.message_to_edit(call)

    async def edit_message_text(self, call: Call) -> JSON | bool:
        stored = self._edit_target(call)
        if stored is None:
            return True
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        formatted = self.message_text(call.params)
        markup = _inline_or_none(call.params.get("reply_markup"))
        data = stored.data
        if (
            formatted.text.text == data.get("text")
            and formatted.text.entities == data.get("entities", [])
            and markup == data.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        data["text"] = formatted.text.text
        _set_or_pop(data, "entities", formatted.text.entities)
        self.set_inline_markup(stored, markup)
        data["edit_date"] = now()
        stored.source, stored.parse_mode = formatted.source, formatted.parse_mode
        self.record("edit", call, stored)
        return data

    async def edit_message_caption(self, call: Call) -> JSON | bool:
        stored = self._edit_target(call)
        if stored is None:
            return True
        data = stored.data
        if content_kind(data) == "message":
            raise bad_request("there is no caption in the message to edit")
        caption = self.caption(call.params)
        markup = _inline_or_none(call.params.get("reply_markup"))
        if (
            caption.text.text == data.get("caption", "")
            and caption.text.entities == data.get("caption_entities", [])
            and markup == data.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        _set_or_pop(data, "caption", caption.text.text)
        _set_or_pop(data, "caption_entities", caption.text.entities)
        self.set_inline_markup(stored, markup)
        data["edit_date"] = now()
        stored.source, stored.parse_mode = caption.source, caption.parse_mode
        self.record("edit", call, stored)
        return data

    async def edit_message_reply_markup(self, call: Call) -> JSON | bool:
        stored = self._edit_target(call)
        if stored is None:
            return True
        markup = _inline_or_none(call.params.get("reply_markup"))
        if markup == stored.data.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        self.set_inline_markup(stored, markup)
        stored.data["edit_date"] = now()
        self.record("edit", call, stored)
        return stored.data

    async def delete_message(self, call: Call) -> bool:
        chat = self.chat(call.params["chat_id"])
        stored = self.store.find_message(chat, call.params.get("message_id"))
        if stored is None:
            raise bad_request("message to delete not found")
        self._delete(call, stored)
        return True

    async def delete_messages(self, call: Call) -> bool:
        chat = self.chat(call.params["chat_id"])
        ids = call.params.get("message_ids")
        for message_id in ids if isinstance(ids, list) else []:
            stored = self.store.find_message(chat, message_id)
            if stored is not None:
                self._delete(call, stored)
        return True

    def _delete(self, call: Call, stored: StoredMessage) -> None:
        stored.deleted = True
        self._record_action(
            BotAction(
                kind="delete",
                method=call.spec.name,
                chat_id=stored.chat_id,
                message_id=stored.message_id,
                text=stored.text,
                message=copy.deepcopy(stored.data),
            )
        )

    # -- callback queries --------------------------------------------------------------

    async def answer_callback_query(self, call: Call) -> bool:
        query = self.store.callback_queries.get(str(call.params["callback_query_id"]))
        if query is None or query.answer is not None:
            raise bad_request(QUERY_TOO_OLD)
        params = call.params
        query.answer = {
            key: params[key]
            for key in ("text", "show_alert", "url", "cache_time")
            if params.get(key) is not None
        }
        self._record_action(
            BotAction(
                kind="callback_answer",
                method=call.spec.name,
                chat_id=query.chat_id,
                message_id=query.message_id,
                text=str(params.get("text") or ""),
                html=params.get("text"),
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
            )
        )
        return True


def _inline_or_none(markup: Any) -> JSON | None:
    return markup if isinstance(markup, dict) and inline_rows(markup) else None


def _set_or_pop(data: JSON, key: str, value: Any) -> None:
    if value:
        data[key] = value
    else:
        data.pop(key, None)
