"""The fake over raw HTTP: routing, request formats, Telegram's error objects, and the
spec violations it records."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from fake_telegram import FakeTelegram

TOKEN = "42:raw-test-token"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession, fake: FakeTelegram, method: str, **fields: Any
) -> tuple[int, dict[str, Any]]:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    async with http.post(f"{fake.base_url}/bot{TOKEN}/{method}", data=form) as response:
        return response.status, await response.json()


async def test_unknown_method_is_404(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    status, body = await post(http, fake, "sendTelepathy", chat_id=1)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert fake.violations == ["unknown method 'sendTelepathy'"]


async def test_method_names_ignore_case(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    status, body = await post(http, fake, "SENDMESSAGE", chat_id=user.id, text="hi")
    assert status == 200
    assert body["result"]["text"] == "hi"
    assert fake.calls[-1].method == "sendMessage"


async def test_bad_token_is_unauthorized(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.base_url}/botnot-a-token/getMe") as response:
        assert response.status == 401
        assert (await response.json())["description"] == "Unauthorized"


async def test_get_me_names_the_bot_after_the_token(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, fake, "getMe")
    assert status == 200
    me = body["result"]
    assert me["id"] == 42
    assert me["is_bot"] is True
    assert me["username"] == "qorgan_test_bot"
    assert me["can_join_groups"] is True
    assert fake.tokens == {TOKEN}


async def test_query_string_and_json_body(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    url = f"{fake.base_url}/bot{TOKEN}/sendMessage"
    async with http.get(url, params={"chat_id": str(user.id), "text": "by GET"}) as response:
        assert (await response.json())["ok"]
    payload = {"chat_id": user.id, "text": "by JSON", "disable_notification": True}
    async with http.post(url, json=payload) as response:
        assert (await response.json())["ok"]
    assert [m.text for m in user.messages] == ["by GET", "by JSON"]
    assert fake.violations == []


async def test_unknown_field_is_recorded_but_allowed(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    user = fake.user()
    status, _ = await post(http, fake, "sendMessage", chat_id=user.id, text="x", colour="red")
    assert status == 200
    assert fake.violations == ["sendMessage: unknown field 'colour'"]
    assert fake.calls[-1].params["colour"] == "red"


async def test_missing_required_field(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    status, body = await post(http, fake, "sendMessage", chat_id=user.id)
    assert status == 400
    assert body["description"] == "Bad Request: message text is empty"
    assert fake.violations == ["sendMessage: missing required field 'text'"]


async def test_wrong_type(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    status, body = await post(http, fake, "deleteMessage", chat_id=user.id, message_id="first")
    assert status == 400
    assert body["description"] == 'Bad Request: field "message_id" must be of type Integer'
    assert fake.violations == ["deleteMessage.message_id: 'first' is not Integer"]


async def test_callback_data_over_64_bytes(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    markup = {"inline_keyboard": [[{"text": "ok", "callback_data": "я" * 33}]]}  # 66 bytes
    status, body = await post(
        http, fake, "sendMessage", chat_id=user.id, text="x", reply_markup=markup
    )
    assert status == 400
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"
    assert len(fake.violations) == 1
    assert "inline_keyboard[0][0].callback_data: 66 bytes" in fake.violations[0]


@pytest.mark.parametrize(
    ("markup", "description", "violation"),
    [
        (
            {"inline_keyboard": [[{"text": " ", "callback_data": "a"}]]},
            "Bad Request: BUTTON_TEXT_INVALID",
            "button text is empty",
        ),
        (
            {"inline_keyboard": [[{"text": "plain"}]]},
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in "
            "the inline keyboard",
            "has no action",
        ),
        (
            {"inline_keyboard": [[{"text": "x", "callback_data": str(i)} for i in range(8)]] * 13},
            "Bad Request: reply markup is too long",
            "104 inline buttons",
        ),
        (
            {"inline_keyboard": [[{"text": "x", "url": "javascript:alert(1)"}]]},
            "Bad Request: BUTTON_URL_INVALID",
            "is not an http(s) or tg URL",
        ),
    ],
)
async def test_keyboard_rules(
    fake: FakeTelegram,
    http: aiohttp.ClientSession,
    markup: dict[str, Any],
    description: str,
    violation: str,
) -> None:
    user = fake.user()
    status, body = await post(
        http, fake, "sendMessage", chat_id=user.id, text="x", reply_markup=markup
    )
    assert (status, body["description"]) == (400, description)
    assert any(violation in v for v in fake.violations), fake.violations


async def test_unsupported_parse_mode(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    user = fake.user()
    status, body = await post(
        http, fake, "sendMessage", chat_id=user.id, text="x", parse_mode="html"
    )
    assert (status, body["description"]) == (400, "Bad Request: unsupported parse_mode")
    assert fake.violations == ["sendMessage.parse_mode: unsupported parse mode 'html'"]


async def test_chat_not_found(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    status, body = await post(http, fake, "sendMessage", chat_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    assert fake.error_counts[400] == 1
    assert fake.violations == []


async def test_unmodelled_method_answers_true(
    fake: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await post(http, fake, "setMyDefaultAdministratorRights")
    assert (status, body) == (200, {"ok": True, "result": True})
    status, body = await post(http, fake, "getMyDefaultAdministratorRights")
    assert status == 200
    assert body["result"]["can_manage_chat"] is False


async def test_unknown_path_and_file(fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake.base_url}/nothing/here") as response:
        assert response.status == 404
    async with http.get(f"{fake.base_url}/file/bot{TOKEN}/photos/none.jpg") as response:
        assert response.status == 404


async def test_stop_releases_a_waiting_long_poll(http: aiohttp.ClientSession) -> None:
    fake = FakeTelegram()
    await fake.start()
    url = f"{fake.base_url}/bot{TOKEN}/getUpdates"

    async def long_poll() -> dict[str, Any]:
        async with http.post(url, data={"timeout": "30"}) as response:
            body: dict[str, Any] = await response.json()
            return body

    task = asyncio.create_task(long_poll())
    await fake.wait_for(lambda: bool(fake.calls_to("getUpdates")))
    started = time.monotonic()
    await fake.stop()
    assert await task == {"ok": True, "result": []}
    assert time.monotonic() - started < 1
