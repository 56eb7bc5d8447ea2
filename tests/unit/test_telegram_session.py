"""PatientRequests: what is retried, how long it waits, and when it gives up; and how
TelegramSession reads the message Telegram sends back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.telegram_session import PatientRequests, TelegramSession, paced_by_caller

BOT = Bot("123456:TEST")


class Flaky:
    """make_request that fails with the given errors, then answers "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, bot: Bot, method: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def flood(seconds: int) -> TelegramRetryAfter:
    method = SendMessage(chat_id=1, text="x")
    return TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=seconds)


def server_error() -> TelegramServerError:
    return TelegramServerError(method=SendMessage(chat_id=1, text="x"), message="Bad Gateway")


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def patient(waits: list[float]) -> PatientRequests:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return PatientRequests(attempts=4, longest_wait=30, backoff=0.5, sleep=sleep)


async def test_flood_control_is_waited_out(patient: PatientRequests, waits: list[float]) -> None:
    flaky = Flaky(flood(3), flood(7))
    answer: object = await patient(flaky, BOT, SendMessage(chat_id=1, text="hi"))
    assert answer == "ok"
    assert waits == [3.0, 7.0]


async def test_server_errors_back_off_and_give_up(
    patient: PatientRequests, waits: list[float]
) -> None:
    flaky = Flaky(*(server_error() for _ in range(4)))
    with pytest.raises(TelegramServerError):
        await patient(flaky, BOT, SendMessage(chat_id=1, text="hi"))
    assert flaky.calls == 4 and waits == [0.5, 1.0, 2.0]


async def test_a_wait_longer_than_the_limit_is_not_waited(patient: PatientRequests) -> None:
    with pytest.raises(TelegramRetryAfter):
        await patient(Flaky(flood(600)), BOT, SendMessage(chat_id=1, text="hi"))


async def test_callers_that_pace_themselves_and_polling_are_left_alone(
    patient: PatientRequests,
) -> None:
    with paced_by_caller(), pytest.raises(TelegramRetryAfter):
        await patient(Flaky(flood(1)), BOT, SendMessage(chat_id=1, text="hi"))
    flaky = Flaky(server_error())
    with pytest.raises(TelegramServerError):
        await patient(flaky, BOT, GetUpdates())
    assert flaky.calls == 1


KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="📚 Learn", callback_data="open:learn")]]
)

Answer = Callable[[dict[str, Any]], str]
StartServer = Callable[[Answer], Awaitable[Bot]]


def sent(body: dict[str, Any], echo_keyboard: bool) -> str:
    """Telegram's answer to sendMessage: the message as sent, with or without its keyboard."""
    message: dict[str, Any] = {
        "message_id": 7,
        "date": 0,
        "chat": {"id": body["chat_id"], "type": "private"},
        "text": body["text"],
    }
    if echo_keyboard:
        message["reply_markup"] = body["reply_markup"]
    return orjson.dumps({"ok": True, "result": message}).decode()


@pytest.fixture
async def telegram() -> AsyncIterator[StartServer]:
    """Starts a Bot API server on 127.0.0.1 that answers sendMessage with `answer(body)`,
    and returns a Bot whose TelegramSession talks to it."""
    started: list[tuple[TestServer, Bot]] = []

    async def start(answer: Answer) -> Bot:
        async def send_message(request: web.Request) -> web.Response:
            text = answer(await request.json())
            return web.Response(text=text, content_type="application/json")

        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", send_message)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        bot = Bot("123456:TEST", session=TelegramSession(str(server.make_url("")).rstrip("/")))
        started.append((server, bot))
        return bot

    yield start
    for server, bot in started:
        await bot.session.close()
        await server.close()


async def test_a_sent_message_keeps_the_keyboard_that_was_sent(telegram: StartServer) -> None:
    bot = await telegram(lambda body: sent(body, echo_keyboard=True))
    message = await bot.send_message(chat_id=5, text="Меню", reply_markup=KEYBOARD)
    assert message.text == "Меню" and message.chat.id == 5
    # Its echo is not parsed again: the very object that was sent.
    assert message.reply_markup is KEYBOARD


async def test_an_answer_without_a_keyboard_gets_none(telegram: StartServer) -> None:
    bot = await telegram(lambda body: sent(body, echo_keyboard=False))
    message = await bot.send_message(chat_id=5, text="hi", reply_markup=KEYBOARD)
    assert message.reply_markup is None


async def test_an_unreadable_answer_is_still_a_decode_error(telegram: StartServer) -> None:
    bot = await telegram(lambda body: "<html>Bad Gateway</html>")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(chat_id=5, text="hi", reply_markup=KEYBOARD)
