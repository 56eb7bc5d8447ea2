"""PatientRequests: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, SendMessage

from bot.telegram_session import PatientRequests, paced_by_caller

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
