"""Webhook delivery, as Telegram does it once the bot called ``setWebhook``:

* each update is POSTed as JSON to the webhook URL, with the header
  ``X-Telegram-Bot-Api-Secret-Token`` when a ``secret_token`` was set;
* up to ``max_connections`` requests are in flight at once;
* an update is done when the answer is 2xx; any other answer, a refused or broken
  connection or a timeout means it is delivered again later, after a pause that grows with
  each attempt (Telegram's pauses are longer; tests shorten them).

``attempts`` counts the POSTs of each update and ``answers`` the status codes (0: no answer),
so tests can see redeliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter

import aiohttp

from fake_telegram.activity import Activity
from fake_telegram.state import Store
from fake_telegram.updates import PendingUpdate, UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class WebhookDelivery:
    def __init__(
        self,
        store: Store,
        updates: UpdateQueue,
        activity: Activity,
        *,
        first_retry: float = 0.2,
        longest_retry: float = 2.0,
        request_timeout: float = 30.0,
    ) -> None:
        self._store, self._updates, self._activity = store, updates, activity
        self.first_retry, self.longest_retry = first_retry, longest_retry
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._tasks: set[asyncio.Task[None]] = set()
        self.attempts: Counter[int] = Counter()
        self.answers: Counter[int] = Counter()

    async def run(self) -> None:
        """Deliver while the fake runs (idle while no webhook is set)."""
        loop = asyncio.get_running_loop()
        async with aiohttp.ClientSession(timeout=self._timeout) as http:
            try:
                while True:
                    url = self._store.webhook_url
                    room = self._store.webhook_max_connections - len(self._tasks)
                    if url and room > 0:
                        for update in self._updates.due_for_webhook(loop.time(), room):
                            task = asyncio.create_task(self._post(http, url, update))
                            self._tasks.add(task)
                            task.add_done_callback(self._tasks.discard)
                    await self._activity.changed(0.05)
            finally:
                for task in list(self._tasks):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _post(self, http: aiohttp.ClientSession, url: str, update: PendingUpdate) -> None:
        self.attempts[update.update_id] += 1
        headers = {SECRET_HEADER: self._store.webhook_secret} if self._store.webhook_secret else {}
        status = 0
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.post(url, json=update.json(), headers=headers) as response:
                status = response.status
                await response.read()
        self.answers[status] += 1
        if 200 <= status < 300:
            self._updates.acknowledge(update)
            return
        pause = min(self.longest_retry, self.first_retry * 2 ** (update.attempts - 1))
        self._updates.retry_later(update, asyncio.get_running_loop().time() + pause)
