"""The spec: decoding form fields by type, finding every departure, placeholder objects."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from aiogram import methods
from aiogram.methods import Response
from fake_telegram import ApiSpec


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return ApiSpec.bundled()


def test_bundled_spec_is_loaded(spec: ApiSpec) -> None:
    assert spec.version.startswith("Bot API")
    assert "sendMessage" in spec.methods
    assert ApiSpec.bundled() is spec  # parsed once per process


def test_method_lookup_ignores_case(spec: ApiSpec) -> None:
    found = spec.method("SENDMESSAGE")
    assert found is not None
    assert found.name == "sendMessage"
    assert spec.method("sendNothing") is None


def test_form_values_decode_by_type(spec: ApiSpec) -> None:
    method = spec.method("sendMessage")
    assert method is not None
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    decoded = spec.decode(
        method,
        {
            "chat_id": "-100123",
            "text": "hi",
            "disable_notification": "true",
            "reply_markup": json.dumps(markup),
        },
    )
    assert decoded.problems == []
    assert decoded.params == {
        "chat_id": -100123,
        "text": "hi",
        "disable_notification": True,
        "reply_markup": markup,
    }


def test_chat_id_may_be_a_username(spec: ApiSpec) -> None:
    method = spec.method("sendMessage")
    assert method is not None
    decoded = spec.decode(method, {"chat_id": "@channel", "text": "x"})
    assert decoded.params["chat_id"] == "@channel"
    assert decoded.problems == []


def test_unknown_missing_and_malformed_fields(spec: ApiSpec) -> None:
    method = spec.method("deleteMessage")
    assert method is not None
    decoded = spec.decode(method, {"message_id": "abc", "colour": "red"})
    assert decoded.unknown == ["colour"]
    assert decoded.missing == ["chat_id"]
    assert decoded.malformed == ["message_id"]
    assert "deleteMessage: unknown field 'colour'" in decoded.problems
    assert "deleteMessage: missing required field 'chat_id'" in decoded.problems


def test_fields_aiogram_defines_are_not_violations(spec: ApiSpec) -> None:
    # reply_to_message_id is gone from the 10.1 spec but aiogram still has it.
    method = spec.method("sendMessage")
    assert method is not None
    decoded = spec.decode(method, {"chat_id": "1", "text": "x", "reply_to_message_id": "5"})
    assert decoded.problems == []
    assert decoded.params["reply_to_message_id"] == 5


def test_aiogram_only_methods_are_known(spec: ApiSpec) -> None:
    found = spec.method("deleteEphemeralMessage")
    assert found is not None
    assert found.from_aiogram


def test_nested_objects_are_checked(spec: ApiSpec) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a", "colour": "red"}]]}
    problems = spec.check(markup, ("InlineKeyboardMarkup",), "reply_markup")
    assert problems == [
        "reply_markup.inline_keyboard[0][0]: unknown field 'colour' in InlineKeyboardButton"
    ]
    assert spec.check({"inline_keyboard": "x"}, ("InlineKeyboardMarkup",), "m") == [
        "m.inline_keyboard: expected Array of Array of InlineKeyboardButton, got String"
    ]


def test_unions_pick_the_matching_alternative(spec: ApiSpec) -> None:
    types = ("InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply")
    assert spec.check({"keyboard": [[{"text": "x"}]]}, types, "m") == []
    assert spec.check({"remove_keyboard": True}, types, "m") == []
    assert spec.check({"type": "default"}, ("BotCommandScope",), "scope") == []


def test_poll_options_may_be_plain_strings(spec: ApiSpec) -> None:
    assert spec.check(["a", {"text": "b"}], ("Array of InputPollOption",), "options") == []


def _aiogram_methods() -> list[type[Any]]:
    return [
        cls
        for _, cls in inspect.getmembers(methods, inspect.isclass)
        if isinstance(getattr(cls, "__api_method__", None), str)
    ]


@pytest.mark.parametrize("method", _aiogram_methods(), ids=lambda cls: cls.__api_method__)
def test_placeholders_parse_as_aiogram_results(spec: ApiSpec, method: type[Any]) -> None:
    """The generic answer of an unmodelled method must be something aiogram accepts."""
    found = spec.method(method.__api_method__)
    assert found is not None
    first = found.returns[0]
    value: Any = True if first in {"Boolean", "True"} else spec.synthesize(first)
    response = Response[method.__returning__].model_validate(  # type: ignore[name-defined]
        {"ok": True, "result": value}
    )
    assert response.ok
