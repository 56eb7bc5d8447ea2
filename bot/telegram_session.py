"""Every screen arrives: requests to Telegram wait out flood control and transient failures.

Telegram answers 429 with `retry_after` when a chat or the bot sends too fast, and now and
then 5xx or a dropped connection. Without this a preview, a card, an apology or a receipt
would be lost to the first such answer. The session middleware retries: a 429 after its
`retry_after` (up to LONGEST_WAIT_SECONDS), 5xx and network errors after a bounded back-off.

Callers that pace themselves say so with `paced_by_caller()`: the broadcaster (one 429 pauses
the whole broadcast, and its queue retries), the receipt (which tells the reporter to press
again rather than keep them waiting), and polling (which has its own back-off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, cast

import orjson
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardMarkup, InputFile
from aiohttp import ClientError, ClientTimeout

from bot.metrics import TELEGRAM_ERRORS

logger = logging.getLogger(__name__)

JSON_BODY = {"Content-Type": "application/json"}

ATTEMPTS = 5
LONGEST_WAIT_SECONDS = 60.0
BACKOFF_SECONDS = 0.5  # doubled after each failure: 0.5, 1, 2, 4 s

_PACED_BY_CALLER: ContextVar[bool] = ContextVar("paced_by_caller", default=False)


@contextlib.contextmanager
def paced_by_caller() -> Iterator[None]:
    """Requests made in this block are not retried here: the caller handles failures."""
    token = _PACED_BY_CALLER.set(True)
    try:
        yield
    finally:
        _PACED_BY_CALLER.reset(token)


class PatientRequests(BaseRequestMiddleware):
    def __init__(
        self,
        attempts: int = ATTEMPTS,
        longest_wait: float = LONGEST_WAIT_SECONDS,
        backoff: float = BACKOFF_SECONDS,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.longest_wait = longest_wait
        self.backoff = backoff
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if _PACED_BY_CALLER.get() or method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.longest_wait:
                    raise
                wait = float(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt == self.attempts:
                    raise
                wait = self.backoff * 2 ** (attempt - 1)
                logger.info(
                    "%s failed (%s), retrying in %.1f s",
                    method.__api_method__,
                    type(exc).__name__,
                    wait,
                )
            await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


_ERROR_CODES: tuple[tuple[type[Exception], int], ...] = (
    (TelegramRetryAfter, 429),
    (TelegramBadRequest, 400),
    (TelegramUnauthorizedError, 401),
    (TelegramForbiddenError, 403),
    (TelegramNotFound, 404),
    (TelegramConflictError, 409),
    (TelegramEntityTooLarge, 413),
    (TelegramServerError, 500),
)


def error_code(exc: Exception) -> str:
    """The Bot API's error code of a failed request, for the metrics; 0 for a network error."""
    return next((str(code) for kind, code in _ERROR_CODES if isinstance(exc, kind)), "0")


_MARKUP: set[str] = {"reply_markup"}

# Strong references to the response models built so far (see TelegramSession).
_RESPONSE_MODELS: dict[Any, type[Response[Any]]] = {}


def _loads(content: str | dict[str, Any]) -> Any:
    return content if isinstance(content, dict) else orjson.loads(content)


def _with_sent_keyboard(raw: str, markup: object) -> str | dict[str, Any]:
    """The answer, read, with the sent inline keyboard in place of its echo; the raw text
    when there is nothing to replace (or it is not JSON: check_response reports that)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return raw
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw
    if not isinstance(answer, dict):
        return raw
    result = answer.get("result")
    if isinstance(result, dict) and "reply_markup" in result:
        # pydantic takes a model instance of the field's type as it is, without parsing.
        result["reply_markup"] = markup
    return answer


class TelegramSession(AiohttpSession):
    """aiogram's session with these differences, measured in bench/updates.py:

    - a request without files goes as a JSON body (the Bot API takes application/json for
      everything but uploads): aiogram's form encoding quotes every field with urllib, which
      cost more than building the request itself;
    - it closes at once when no connection is encrypted: aiogram waits 250 ms for TLS
      connections to shut down, which a plain-HTTP Bot API server (a local one, or the test
      fake on 127.0.0.1) does not have;
    - a keyboard is dumped by pydantic's serializer, and JSON is read and written by orjson
      (together about 70 µs less per reply with a keyboard);
    - the message Telegram sends back keeps the keyboard object that was sent, instead of
      parsing its echo into new models (about 45 µs per screen with a menu of seven
      buttons; nothing reads a sent message's keyboard back);
    - it keeps the response model of each method's result type alive: aiogram builds
      `Response[T]` for every answer, and pydantic keeps generic models only weakly, so the
      garbage collector took them and every answer rebuilt one (about 8 % of a replica's CPU
      in bench/cluster.py's profile).
    """

    def __init__(self, base_url: str) -> None:
        # orjson reads every answer (and writes every JSON body, above) several times faster
        # than the standard library; multipart uploads keep aiogram's own str-based dumps.
        super().__init__(api=TelegramAPIServer.from_base(base_url), json_loads=_loads)
        self._encrypted = base_url.startswith("https://")

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        try:
            return await self._request(bot, method, timeout)
        except (TelegramAPIError, TelegramNetworkError) as exc:
            TELEGRAM_ERRORS.labels(method.__api_method__, error_code(exc)).inc()
            raise

    async def _request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        files: dict[str, InputFile] = {}
        payload = {}
        # The keyboard is the largest part of most requests, and holds no Default values nor
        # files: pydantic's serializer dumps it whole, instead of aiogram's walk of every value.
        markup = getattr(method, "reply_markup", None)
        dumped = method.model_dump(warnings=False, exclude=_MARKUP if markup is not None else None)
        for key, value in dumped.items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                payload[key] = prepared
        if markup is not None:
            payload["reply_markup"] = markup.model_dump(
                mode="json", exclude_none=True, warnings=False
            )
        if files:  # an upload: multipart form data, as aiogram builds it
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=orjson.dumps(payload),
                headers=JSON_BODY,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(
            bot=bot,
            method=method,
            status_code=resp.status,
            content=_with_sent_keyboard(raw_result, markup),
        )
        return cast(TelegramType, response.result)

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str | dict[str, Any],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _RESPONSE_MODELS:
            _RESPONSE_MODELS[returning] = Response[returning]  # type: ignore[valid-type]
        # aiogram's type says str; json_loads (_loads) also passes an answer already read.
        return super().check_response(bot, method, status_code, cast(str, content))

    async def close(self) -> None:
        if self._encrypted:
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()
