"""The fake Telegram Bot API server: an aiohttp app answering like ``api.telegram.org``.

:class:`FakeTelegram` owns one server and everything behind it: the spec check of every
request, the injected faults, the method handlers, the record of calls and of the bot's
visible actions, and the fake users that talk to the bot.  Point a real aiogram bot at it
with ``AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))``.

Request pipeline: route ``/bot<token>/<method>`` -> read the form (urlencoded, multipart or
JSON) -> decode and check against the spec -> check keyboard and parse-mode rules ->
apply injected delay, drop or failure -> run the handler -> answer
``{"ok": true, "result": ...}`` or Telegram's error object.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from types import TracebackType
from typing import Any, Unpack

from aiohttp import web

from fake_telegram.activity import Activity, Wait
from fake_telegram.client import FakeGroup, FakeUser
from fake_telegram.errors import ApiError, bad_request, default_description, not_found, unauthorized
from fake_telegram.faults import FaultPlan, RateLimiter, RateLimits
from fake_telegram.methods import Call, Methods
from fake_telegram.objects import JSON, BotIdentity, member_json, now, user_json
from fake_telegram.rules import check_rules
from fake_telegram.spec import ApiSpec, MethodSpec, UploadedFile
from fake_telegram.state import PRIVATE, Chat, Store
from fake_telegram.updates import UpdateQueue
from fake_telegram.views import ApiCall, BotAction, Reply
from fake_telegram.webhook import WebhookDelivery

_TOKEN_RE = re.compile(r"(\d+):[\w-]+")
_ATTACH = "attach://"
DEFAULT_BOT_ID = 7_000_000_001
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for bots' uploads

# How Telegram words a missing required parameter, where it has its own wording.
_MISSING = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "photo": "there is no photo in the request",
    "document": "there is no document in the request",
    "message_id": "message identifier is not specified",
    "question": "poll question must be non-empty",
    "options": "poll must have at least 1 option",
    "file_id": "invalid file_id",
}

# Methods that post a message: what `sent_to` counts.
_SENDING_EXTRA = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})


def is_sending(method: str) -> bool:
    """Whether a method posts a message to a chat."""
    return (method.startswith("send") and method != "sendChatAction") or method in _SENDING_EXTRA


class FakeTelegram:
    """A fake Telegram Bot API server for one bot, plus the fake users that talk to it.

    ``quiet`` is how long the bot must stay idle before a fake user's action counts as
    answered, ``timeout`` how long such an action waits at most; both can be overridden
    per action.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        quiet: float = 0.04,
        timeout: float = 5.0,
        rate_limits: bool | RateLimits = False,
        bot_username: str = "qorgan_test_bot",
        bot_first_name: str = "Qorgan",
        bot_id: int | None = None,
        spec: ApiSpec | None = None,
        first_update_id: int = 1,
    ) -> None:
        self.host = host
        self.port = port
        self.quiet = quiet
        self.timeout = timeout
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.spec = spec if spec is not None else ApiSpec.bundled()
        self.store = Store()
        self.activity = Activity()
        self.updates = UpdateQueue(first_update_id, on_change=self.activity.touch)
        self.faults = FaultPlan()
        self.methods = Methods(
            spec=self.spec,
            store=self.store,
            updates=self.updates,
            record_action=self._record_action,
            report_violation=self._report_violation,
        )
        #: Every request, in arrival order.
        self.calls: list[ApiCall] = []
        #: The bot's visible actions in all chats, in order.
        self.actions: list[BotAction] = []
        #: Every departure from the Bot API spec the bot made; tests assert it stays empty.
        self.violations: list[str] = []
        #: How many error answers of each ``error_code`` were served.
        self.error_counts: Counter[int] = Counter()
        #: How many connections were dropped on purpose.
        self.drops = 0
        #: Bot tokens seen.
        self.tokens: set[str] = set()
        self.base_url = ""
        self._bot_id = bot_id
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        #: Delivers updates by POST once the bot set a webhook (fake_telegram.webhook).
        self.webhook = WebhookDelivery(self.store, self.updates, self.activity)
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        self.rate_limits = rate_limits

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the server and set :attr:`base_url`."""
        if self._runner is not None:
            raise RuntimeError("the fake Telegram is already running")
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # handler_cancellation: a long poll whose client went away stops waiting.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing.clear()
        self.updates.open()
        self.port = int(runner.addresses[0][1])
        self.base_url = f"http://{self.host}:{self.port}"
        self._webhook_task = asyncio.create_task(self.webhook.run(), name="fake-webhook")

    async def stop(self) -> None:
        """Answer waiting long polls with ``[]``, release delayed answers, close the server."""
        self._closing.set()
        self.updates.close()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- configuration -----------------------------------------------------------------

    @property
    def rate_limits(self) -> bool:
        """Whether Telegram's flood control (429 with retry_after) is emulated."""
        return self.methods.rate_limiter is not None

    @rate_limits.setter
    def rate_limits(self, value: bool | RateLimits) -> None:
        if isinstance(value, RateLimits):
            self.methods.rate_limiter = RateLimiter(value)
        else:
            self.methods.rate_limiter = RateLimiter() if value else None

    @property
    def bot(self) -> BotIdentity:
        """The bot (its id is taken from the first token used, unless given)."""
        return BotIdentity(self._bot_id or DEFAULT_BOT_ID, self.bot_username, self.bot_first_name)

    @property
    def allowed_updates(self) -> list[str] | None:
        """The last ``allowed_updates`` the bot passed to getUpdates (None: never)."""
        return self.updates.allowed_updates

    # -- faults ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` only, if given) fail with
        this error (429 gets ``retry_after`` 1 unless given)."""
        self.faults.fail_next(
            method,
            error_code=error_code,
            description=description,
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
        )

    def flaky(self, method: str, share: float, *, seed: int = 0, slow: float = 1.0) -> None:
        """A ``share`` of the calls of ``method`` meet a transient fault (see
        :meth:`fake_telegram.faults.FaultPlan.flaky`)."""
        self.faults.flaky(method, share, seed=seed, slow=slow)

    def drop_next(self, method: str, times: int = 1, *, chat_id: int | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` only, if given) get their
        connection closed, unanswered."""
        self.faults.drop_next(method, times=times, chat_id=chat_id)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` ``seconds`` late (0 removes the delay)."""
        self.faults.delay(method, seconds)

    def block(self, user_id: int, *, notify: bool = False) -> int | None:
        """The user blocks the bot: sends to them answer 403.  With ``notify`` a
        ``my_chat_member`` update (member -> kicked) is queued; its id is returned."""
        return self._set_blocked(user_id, blocked=True, notify=notify)

    def unblock(self, user_id: int, *, notify: bool = False) -> int | None:
        """The user unblocks the bot (``notify``: queue ``my_chat_member`` kicked -> member)."""
        return self._set_blocked(user_id, blocked=False, notify=notify)

    def _set_blocked(self, user_id: int, *, blocked: bool, notify: bool) -> int | None:
        chat = self.store.chats.get(user_id)
        if chat is None or chat.type != PRIVATE:
            raise KeyError(f"no fake user with id {user_id}")
        chat.blocked = blocked
        if not notify:
            return None
        user = self.store.users[user_id]
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return self.push_update(
            "my_chat_member",
            {
                "chat": chat.json(),
                "from": user,
                "date": now(),
                "old_chat_member": member_json(old, self.bot.user_json()),
                "new_chat_member": member_json(new, self.bot.user_json()),
            },
        )

    # -- fake users ----------------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        *,
        first_name: str = "Aigerim",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "kk",
        started: bool = True,
    ) -> FakeUser:
        """A user with a private chat with the bot.  ``started=False``: the user never
        wrote to the bot, so the bot cannot write first (403) until they do."""
        user_id = user_id if user_id is not None else next(self._user_ids)
        user = user_json(
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.store.users[user_id] = user
        chat = self.store.add_chat(
            Chat(
                user_id,
                PRIVATE,
                first_name=first_name,
                last_name=last_name,
                username=username,
                started=started,
            )
        )
        return FakeUser(self, user, chat)

    def group(
        self,
        chat_id: int | None = None,
        title: str = "Test group",
        *,
        chat_type: str = "supergroup",
        username: str | None = None,
        is_forum: bool = False,
    ) -> FakeGroup:
        """A group chat the bot is a member of; users post there via ``user.in_group``.
        A forum has topics (``createForumTopic``, ``message_thread_id``)."""
        if chat_id is None:
            chat_id = -1_001_000_000_000 - next(self._group_ids)
        chat = self.store.add_chat(
            Chat(chat_id, chat_type, title=title, username=username, is_forum=is_forum)
        )
        return FakeGroup(self, chat)

    def push_update(self, kind: str, payload: JSON) -> int:
        """Queue an update of type ``kind`` for the bot; returns its ``update_id``."""
        return self.updates.push(kind, payload)

    async def settle(
        self,
        update_ids: list[int],
        *,
        chat_id: int | None = None,
        since: int = 0,
        **wait: Unpack[Wait],
    ) -> None:
        """Wait until the bot confirmed the updates, no request is in flight and no
        request arrived for ``quiet`` seconds (AssertionError after ``timeout``).

        ``chat_id`` and ``since`` (a position in :attr:`actions`) only shape the message
        of the AssertionError.
        """
        quiet = wait.get("quiet", self.quiet)
        timeout = wait.get("timeout", self.timeout)
        # (``expect_reply`` is checked by the fake user, who knows the chat.)

        def handled() -> bool:
            return all(self.updates.settled(u) for u in update_ids)

        if await self.activity.wait_quiet(handled, quiet, timeout):
            return
        states = []
        for update_id in update_ids:
            if self.updates.settled(update_id):
                state = "confirmed"
            elif self.updates.delivered(update_id):
                state = "delivered, not confirmed"
            else:
                state = "never fetched by getUpdates"
            states.append(f"update {update_id}: {state}")
        polls = len(self.calls_to("getUpdates"))
        actions = self.actions_since(since, chat_id)
        raise AssertionError(
            f"the bot did not finish within {timeout} s ({'; '.join(states)}; "
            f"requests in flight: {self.activity.in_flight}; getUpdates calls so far: {polls}). "
            f"Received so far: {Reply(actions)!r}"
        )

    def actions_since(self, seq: int, chat_id: int | None = None) -> list[BotAction]:
        """Actions from position ``seq`` of the log on, in ``chat_id`` if given."""
        return [a for a in self.actions[seq:] if chat_id is None or a.chat_id == chat_id]

    # -- inspection --------------------------------------------------------------------

    def calls_to(self, method: str, *, finished: bool = False) -> list[ApiCall]:
        """Calls of ``method`` (any case); with ``finished`` only those already answered
        or dropped, else calls still in flight too."""
        key = method.lower()
        return [
            c
            for c in self.calls
            if c.method.lower() == key and (not finished or c.response is not None or c.dropped)
        ]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """Attempts to post a message to ``chat_id`` (send*, copy, forward), failed ones
        included (see ``ApiCall.ok``)."""
        return [c for c in self.calls if c.chat_id == chat_id and is_sending(c.method)]

    @property
    def errors(self) -> list[ApiCall]:
        """Calls answered with an error."""
        return [c for c in self.calls if c.response is not None and not c.ok]

    def answer_problems(self) -> list[str]:
        """How the fake's own successful answers depart from the spec (a self-check for
        the fake: a test fixture can assert it stays empty)."""
        problems: list[str] = []
        for call in self.calls:
            spec = self.spec.method(call.method)
            if call.ok and spec is not None and not spec.from_aiogram:
                problems.extend(self.spec.check(call.result, spec.returns, f"{call.method} answer"))
        return problems

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float | None = None,  # noqa: ASYNC109 - gives an AssertionError, not a bare timeout
    ) -> None:
        """Wait until ``predicate()`` is true (re-checked on every request and every 50 ms);
        AssertionError after ``timeout`` (default: the fake's timeout)."""
        timeout = self.timeout if timeout is None else timeout
        if not await self.activity.wait_for(predicate, timeout):
            raise AssertionError(f"condition {predicate!r} still false after {timeout} s")

    # -- recording -----------------------------------------------------------------------

    def _record_action(self, action: BotAction) -> None:
        self.actions.append(replace(action, seq=len(self.actions)))

    def _report_violation(self, message: str) -> None:
        self.violations.append(message)

    def _identity(self, token: str) -> BotIdentity:
        bot_id = int(token.split(":", 1)[0])
        if self._bot_id is None:
            self._bot_id = bot_id
        self.tokens.add(token)
        return BotIdentity(bot_id, self.bot_username, self.bot_first_name)

    # -- HTTP ----------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        try:
            raw, uploads = await _read_fields(request)
        except ValueError:  # a JSON body that does not parse
            error = bad_request("can't parse JSON object")
            return web.json_response(error.to_json(), status=error.error_code)
        spec = self.spec.method(name)
        call = ApiCall(
            method=spec.name if spec else name, params={}, token=token, chat_id=None, at=time.time()
        )
        self.calls.append(call)
        # A long poll is not the bot being busy: leave it out of the activity count.
        busy = spec is None or spec.name != "getUpdates"
        if busy:
            self.activity.begin()
        try:
            try:
                result = await self._process(call, spec, raw, uploads, request)
            except ApiError as error:
                self.error_counts[error.error_code] += 1
                call.status, call.response = error.error_code, error.to_json()
            else:
                if result is _DROPPED:
                    call.dropped = True
                    return await self._drop(request)
                call.status, call.response = 200, {"ok": True, "result": result}
            return web.json_response(call.response, status=call.status)
        finally:
            if busy:
                self.activity.end()

    async def _process(
        self,
        call: ApiCall,
        spec: MethodSpec | None,
        raw: dict[str, Any],
        uploads: dict[str, UploadedFile],
        request: web.Request,
    ) -> Any:
        if not _TOKEN_RE.fullmatch(call.token):
            raise unauthorized()
        if spec is None:
            self.violations.append(f"unknown method {call.method!r}")
            raise not_found()
        bot = self._identity(call.token)
        decoded = self.spec.decode(spec, _attach_uploads(spec, raw, uploads))
        call.params = decoded.params
        call.chat_id = self._chat_id_of(decoded.params)
        self.violations.extend(decoded.problems)
        broken = check_rules(self.spec, spec.name, decoded.params)
        self.violations.extend(rule.message for rule in broken)
        if decoded.missing:
            field = decoded.missing[0]
            raise bad_request(_MISSING.get(field, f'parameter "{field}" is required'))
        if decoded.malformed:
            field = decoded.malformed[0]
            types = " or ".join(spec.fields[field].types)
            raise bad_request(f'field "{field}" must be of type {types}')
        if broken:
            raise broken[0].error
        delay = self.faults.delay_for(spec.name)
        if delay > 0:
            await self._sleep(delay)
        chat_id = call.chat_id if isinstance(call.chat_id, int) else None
        if self.faults.take_drop(spec.name, chat_id):
            return _DROPPED
        failure = self.faults.take_failure(spec.name, chat_id)
        if failure is not None:
            raise failure
        flaky = self.faults.take_flaky(spec.name)
        if flaky == "drop":
            return _DROPPED
        if flaky in {"500", "502"}:
            code = int(flaky)
            raise ApiError(code, default_description(code, None))
        if flaky == "slow":
            await self._sleep(self.faults.slow_for(spec.name))
        return await self.methods.dispatch(Call(spec.name, decoded.params, bot, spec, uploads))

    async def _drop(self, request: web.Request) -> web.StreamResponse:
        """Close the connection without an answer: the client sees a disconnection."""
        self.drops += 1
        if request.transport is not None:
            request.transport.close()
        # With handler cancellation on, the closed connection cancels this handler here.
        await asyncio.sleep(0)
        return web.Response(status=500)

    async def _sleep(self, seconds: float) -> None:
        """A delay that ends early when the fake stops, so shutdown is never stuck."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    def _chat_id_of(self, params: dict[str, Any]) -> int | str | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str):
            chat = self.store.find_chat(chat_id)
            return chat.id if chat is not None else chat_id
        return chat_id if isinstance(chat_id, int) else None

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.store.file_by_path(request.match_info["path"])
        if stored is None or not _TOKEN_RE.fullmatch(request.match_info["token"]):
            return web.json_response(not_found().to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(not_found().to_json(), status=404)


class _Dropped:
    """Marker result: drop the connection instead of answering."""


_DROPPED = _Dropped()


async def _read_fields(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The request's parameters (query string, form or JSON body) and file parts."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return raw, uploads
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            raw.update(body)
        return raw, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
        else:
            raw[key] = str(value)
    return raw, uploads


def _attach_uploads(
    spec: MethodSpec, raw: dict[str, Any], uploads: dict[str, UploadedFile]
) -> dict[str, Any]:
    """Put file parts where they belong: ``attach://<name>`` values, or a field that
    is itself a file part (plain multipart uploads)."""
    resolved = dict(raw)
    for name, upload in uploads.items():
        if name in spec.fields and name not in resolved:
            resolved[name] = upload
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith(_ATTACH):
            part = uploads.get(value.removeprefix(_ATTACH))
            if part is not None:
                resolved[key] = part
    return resolved
