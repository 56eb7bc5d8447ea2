"""What a persona's screen shows, as JSON for the page: the chats, their messages (edits
applied), the reply keyboard or reply prompt in force, the command menu, and the bot's
answers to button presses.

Texts travel as plain text plus Telegram's entities; the page builds DOM nodes from them and
never parses a text as HTML. A quiz's correct answer is only sent once the persona voted
(or the poll is closed), as the Telegram app does.
"""

from __future__ import annotations

import json
from typing import Any

from fake_telegram import ChatMessage, FakeTelegram, FakeUser
from fake_telegram.views import inline_rows, keyboard_rows

from qorgan_demo.personas import GROUP, Persona

JSON = dict[str, Any]
MAX_MESSAGES = 300  # per chat; older ones are left out of the page
MAX_NOTICES = 20
_MEDIA_PLACEHOLDERS = ("sticker", "voice", "video", "video_note", "audio", "animation", "dice")


def persona_state(fake: FakeTelegram, persona: Persona, chats: dict[str, FakeUser]) -> JSON:
    """Everything the page shows for ``persona``; ``chats`` maps "private"/"group" to the
    persona acting in that chat."""
    chat_ids = {chat.chat_id for chat in chats.values()}
    return {
        "chats": [chat_state(fake, persona, kind, user) for kind, user in chats.items()],
        "notices": notices(fake, chat_ids),
    }


def chat_state(fake: FakeTelegram, persona: Persona, kind: str, user: FakeUser) -> JSON:
    """One chat: its messages and what the input area offers."""
    messages = user.messages
    return {
        "kind": kind,
        "chat_id": user.chat_id,
        "messages": [message_json(fake, persona, m) for m in messages[-MAX_MESSAGES:]],
        "reply_keyboard": reply_keyboard(messages),
        "force_reply": force_reply(messages),
        "commands": commands(fake, user.chat_id, persona.language_code, group=kind == GROUP),
    }


def message_json(fake: FakeTelegram, persona: Persona, message: ChatMessage) -> JSON:
    """A message as the page draws it."""
    data = message.data
    sender = data.get("from") or {}
    result: JSON = {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "own": not message.from_bot and sender.get("id") == persona.user_id,
        "sender": str(sender.get("first_name", "")),
        "date": int(data.get("date", 0)),
        "edited": message.edited,
        "kind": message.kind,
        "text": str(data.get("text") or data.get("caption") or ""),
        "entities": list(data.get("entities") or data.get("caption_entities") or []),
        "inline_keyboard": inline_keyboard(message.reply_markup),
    }
    replied = data.get("reply_to_message")
    if isinstance(replied, dict):
        replied_sender = replied.get("from") or {}
        result["reply_to"] = {
            "id": replied.get("message_id"),
            "sender": str(replied_sender.get("first_name", "")),
            "text": _summary(replied),
        }
    result.update(_media(fake, persona, data, message.kind))
    return result


def _media(fake: FakeTelegram, persona: Persona, data: JSON, kind: str) -> JSON:
    if kind == "photo":
        sizes = data.get("photo") or []
        largest = sizes[-1] if sizes else {}
        return {
            "photo": {
                "file_id": largest.get("file_id"),
                "width": largest.get("width"),
                "height": largest.get("height"),
            }
        }
    if kind == "document":
        document = data["document"]
        return {
            "document": {
                "file_id": document.get("file_id"),
                "file_name": str(document.get("file_name") or "file"),
                "mime_type": document.get("mime_type"),
                "size": document.get("file_size"),
            }
        }
    if kind in {"location", "venue"}:
        location = data.get("location") or (data.get("venue") or {}).get("location") or {}
        return {
            "location": {
                "latitude": location.get("latitude"),
                "longitude": location.get("longitude"),
            }
        }
    if kind == "poll":
        return {"poll": poll_json(fake, persona, data["poll"])}
    if kind == "contact":
        contact = data["contact"]
        return {
            "contact": {
                "phone_number": contact.get("phone_number"),
                "first_name": contact.get("first_name"),
            }
        }
    if kind in _MEDIA_PLACEHOLDERS:
        return {"unsupported": kind}
    return {}


def poll_json(fake: FakeTelegram, persona: Persona, poll: JSON) -> JSON:
    """A poll with the persona's vote; a quiz's answer only once it may be seen."""
    stored = fake.store.polls.get(str(poll.get("id")))
    live = stored.poll if stored is not None else poll
    chosen = stored.votes.get(persona.user_id) if stored is not None else None
    closed = bool(live.get("is_closed"))
    revealed = bool(chosen) or closed
    options = live.get("options") or []
    result: JSON = {
        "id": live.get("id"),
        "question": str(live.get("question", "")),
        "question_entities": list(live.get("question_entities") or []),
        "type": live.get("type", "regular"),
        "anonymous": bool(live.get("is_anonymous", True)),
        "multiple": bool(live.get("allows_multiple_answers")),
        "closed": closed,
        "total": int(live.get("total_voter_count", 0)),
        "options": [
            {"text": str(o.get("text", "")), "voters": int(o.get("voter_count", 0))}
            for o in options
        ],
        "chosen": list(chosen) if chosen else None,
        "can_vote": not closed and (not chosen or bool(live.get("allows_revoting"))),
    }
    if revealed and live.get("type") == "quiz":
        result["correct"] = list(live.get("correct_option_ids") or [live.get("correct_option_id")])
        if live.get("explanation"):
            result["explanation"] = str(live["explanation"])
            result["explanation_entities"] = list(live.get("explanation_entities") or [])
    return result


def inline_keyboard(reply_markup: JSON | None) -> list[list[JSON]]:
    """Inline buttons by row: their text and what pressing them does."""
    rows = []
    for row in inline_rows(reply_markup):
        buttons = []
        for button in row:
            entry: JSON = {"text": str(button.get("text", ""))}
            if "callback_data" in button:
                entry["action"] = "callback"
            elif "url" in button:
                entry["action"] = "url"
                entry["url"] = str(button["url"])
            else:
                entry["action"] = "unsupported"
            buttons.append(entry)
        rows.append(buttons)
    return rows


def reply_keyboard(messages: list[ChatMessage]) -> JSON | None:
    """The reply keyboard shown under the input now: the newest one the bot sent, until it
    sends ``remove_keyboard``; a one-time keyboard hides once the user answered."""
    user_wrote = False
    for message in reversed(messages):
        if not message.from_bot:
            user_wrote = True
            continue
        markup = message.reply_markup
        if not isinstance(markup, dict):
            continue
        if markup.get("remove_keyboard"):
            return None
        if "keyboard" in markup:
            if markup.get("one_time_keyboard") and user_wrote:
                return None
            return {
                "rows": [
                    [
                        {
                            "text": str(b.get("text", "")),
                            "request_location": bool(b.get("request_location")),
                            "request_contact": bool(b.get("request_contact")),
                        }
                        for b in row
                    ]
                    for row in keyboard_rows(markup)
                ],
                "placeholder": markup.get("input_field_placeholder"),
            }
    return None


def force_reply(messages: list[ChatMessage]) -> JSON | None:
    """The bot's prompt the next message should reply to (a ForceReply not answered yet)."""
    for message in reversed(messages):
        if not message.from_bot:
            return None
        markup = message.reply_markup
        if isinstance(markup, dict) and markup.get("force_reply"):
            return {
                "message_id": message.message_id,
                "text": _summary(message.data),
                "placeholder": markup.get("input_field_placeholder"),
            }
    return None


def commands(fake: FakeTelegram, chat_id: int, language: str, *, group: bool) -> list[JSON]:
    """The command menu Telegram would show in this chat, by its scope rules: the chat's own
    list, then all private or group chats, then the default; each in the user's language
    first."""
    scopes: list[JSON] = [{"type": "chat", "chat_id": chat_id}]
    scopes.append({"type": "all_group_chats"} if group else {"type": "all_private_chats"})
    scopes.append({"type": "default"})
    for scope in scopes:
        key = json.dumps(scope, sort_keys=True)
        for code in (language, ""):
            found = fake.store.commands.get((key, code))
            if found:
                return [
                    {"command": str(c.get("command")), "description": str(c.get("description"))}
                    for c in found
                ]
    return []


def notices(fake: FakeTelegram, chat_ids: set[int]) -> list[JSON]:
    """The bot's latest answers to button presses in these chats (toasts and alerts); only
    this persona presses buttons in its chats."""
    found: list[JSON] = []
    for action in reversed(fake.actions):
        if len(found) >= MAX_NOTICES:
            break
        if action.kind == "callback_answer" and action.chat_id in chat_ids and action.text:
            found.append({"seq": action.seq, "text": action.text, "alert": action.show_alert})
    return found[::-1]


def _summary(data: JSON) -> str:
    """One line standing for a message (in a reply's quote)."""
    text = data.get("text") or data.get("caption")
    if text:
        return str(text).splitlines()[0][:120]
    poll = data.get("poll")
    if isinstance(poll, dict):
        return "📊 " + str(poll.get("question", ""))[:118]
    for kind, icon in (("photo", "🖼"), ("location", "📍"), ("document", "📎")):
        if kind in data:
            return icon
    return ""
