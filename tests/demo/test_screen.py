"""What a persona's screen shows, from chat messages: which reply keyboard and which reply
prompt are in force."""

from __future__ import annotations

from typing import Any

from fake_telegram import ChatMessage
from qorgan_demo.screen import force_reply, inline_keyboard, reply_keyboard

KEYBOARD = {"keyboard": [[{"text": "Yes"}, {"text": "Where?", "request_location": True}]]}


def message(
    message_id: int, *, from_bot: bool, markup: dict[str, Any] | None = None
) -> ChatMessage:
    data = {"message_id": message_id, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "t"}
    return ChatMessage.of(data, from_bot=from_bot, source="t", reply_markup=markup)


def test_the_newest_reply_keyboard_stays_until_removed() -> None:
    shown = reply_keyboard([message(1, from_bot=True, markup=KEYBOARD), message(2, from_bot=False)])
    assert shown is not None
    assert [b["text"] for b in shown["rows"][0]] == ["Yes", "Where?"]
    assert shown["rows"][0][1]["request_location"]
    # An inline keyboard after it does not hide it; remove_keyboard does.
    inline = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    messages = [
        message(1, from_bot=True, markup=KEYBOARD),
        message(2, from_bot=True, markup=inline),
    ]
    assert reply_keyboard(messages) is not None
    messages.append(message(3, from_bot=True, markup={"remove_keyboard": True}))
    assert reply_keyboard(messages) is None


def test_a_one_time_keyboard_hides_once_used() -> None:
    once = {**KEYBOARD, "one_time_keyboard": True}
    assert reply_keyboard([message(1, from_bot=True, markup=once)]) is not None
    assert (
        reply_keyboard([message(1, from_bot=True, markup=once), message(2, from_bot=False)]) is None
    )


def test_a_force_reply_prompt_holds_until_answered() -> None:
    prompt = message(
        5, from_bot=True, markup={"force_reply": True, "input_field_placeholder": "Note"}
    )
    found = force_reply([message(4, from_bot=False), prompt])
    assert found == {"message_id": 5, "text": "t", "placeholder": "Note"}
    assert force_reply([prompt, message(6, from_bot=False)]) is None


def test_inline_buttons_say_what_they_do() -> None:
    markup = {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "Site", "url": "https://example.org"}],
            [{"text": "Pay", "pay": True}],
        ]
    }
    assert inline_keyboard(markup) == [
        [
            {"text": "A", "action": "callback"},
            {"text": "Site", "action": "url", "url": "https://example.org"},
        ],
        [{"text": "Pay", "action": "unsupported"}],
    ]
