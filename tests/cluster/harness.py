"""A cluster on one machine, as docs/deploy.md runs it: PostgreSQL and Redis (real servers),
webhook replicas and workers as `python -m bot` child processes, a small round-robin proxy in
front of the replicas (nginx in production), and the fake Bot API delivering updates to the
proxy by webhook with Telegram's retries. Used by tests/cluster and bench/cluster.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from fake_telegram import FakeTelegram

from bot.config import Settings
from tests.bot_process import BotChild, start_bot

SECRET = "cluster-test-secret"
TOKEN = "123456:CLUSTER-TEST"
OWNER_ID = 900_001
MODERATOR_CHAT_ID = -100_500
START_TIMEOUT = 90.0  # `python -m bot` imports aiogram's types: seconds on a busy machine
_SETTINGS = frozenset(name.upper() for name in Settings.model_fields)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RoundRobinProxy:
    """Each POST goes to the next replica in turn. A replica that does not answer gets the
    request answered 502 and is not tried again for it: nginx does not retry a POST on another
    upstream either, and Telegram delivers it again. `routes` says which replica answered
    each update (update_id → index)."""

    def __init__(self, upstreams: list[str]) -> None:
        self.upstreams = upstreams
        self.routes: dict[int, int] = {}
        self.answers: Counter[int] = Counter()
        # Updates a replica took and never answered (it died with them): Telegram redelivers.
        self.cut: set[int] = set()
        self._turn = 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> str:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application()
        app.router.add_post("/webhook", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/webhook"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        index, self._turn = self._turn, (self._turn + 1) % len(self.upstreams)
        try:
            async with self._http.post(
                self.upstreams[index], data=body, headers=request.headers
            ) as answer:
                status, text = answer.status, await answer.text()
        except aiohttp.ClientConnectorError:  # a dead replica: the update never reached it
            status, text = 502, "bad gateway"
        except (aiohttp.ClientError, TimeoutError):  # it died while holding the update
            status, text = 502, "bad gateway"
            self.cut.add(int(json.loads(body)["update_id"]))
        self.answers[status] += 1
        if status == 200:
            self.routes[int(json.loads(body)["update_id"])] = index
        return web.Response(status=status, text=text)


class Node:
    """One `python -m bot ROLE` child process of the cluster."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], directory: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = directory / f"{name}.log"
        self.directory = directory
        self.proc: BotChild | None = None

    async def start(self) -> None:
        # In the test's directory: no .env from the checkout.
        self.proc = await start_bot(self.args, env=self.env, cwd=self.directory, log=self.log)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self, grace: float = 30.0) -> None:
        if not self.running:
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            await self.kill()

    def logged(self, text: str) -> bool:
        return self.log.exists() and text in self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Cluster:
    def __init__(
        self,
        fake: FakeTelegram,
        directory: Path,
        database_url: str,
        redis_url: str,
        *,
        replicas: int = 2,
        **settings: str,
    ) -> None:
        self.fake, self.directory = fake, directory
        self.ports = [free_port() for _ in range(replicas)]
        self.proxy = RoundRobinProxy([f"http://127.0.0.1:{p}/webhook" for p in self.ports])
        self.nodes: dict[str, Node] = {}
        self._database_url, self._redis_url, self._settings = database_url, redis_url, settings

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
        env.update(
            BOT_TOKEN=TOKEN,
            BOT_API_URL=self.fake.base_url,
            DATABASE_URL=self._database_url,
            REDIS_URL=self._redis_url,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_URL=self.proxy.url,
            ADMIN_IDS=str(OWNER_ID),
            MODERATOR_CHAT_ID=str(MODERATOR_CHAT_ID),
            QUIET_HOURS="",
            LOG_LEVEL="INFO",
            FLOOD_LIMIT="100",  # fake users are faster than people (as in tests/e2e)
            TIP_CARD_DELAY_SECONDS="0",
        )
        env.update(self._settings)
        return env

    async def start(self, workers: int = 1, *, proxy: bool = True) -> None:
        """The proxy, every replica (healthy), then the workers (the first becomes active
        and sets the webhook; the others stand by). `proxy=False`: another one (nginx in
        bench/cluster.py) serves at `proxy.url`."""
        if proxy:
            await self.proxy.start()
        for index, port in enumerate(self.ports):
            await self.add(
                f"replica-{index}", ["webhook", "--host", "127.0.0.1", "--port", str(port)]
            )
        await self.wait_for(self.healthy, "the replicas to answer /healthz")
        for index in range(workers):
            await self.add(f"worker-{index}", ["worker"])
        await self.wait_for(lambda: self.fake.store.webhook_url == self.proxy.url, "setWebhook")

    async def add(self, name: str, args: list[str]) -> Node:
        node = Node(name, args, self.environment(), self.directory)
        self.nodes[name] = node
        await node.start()
        return node

    async def healthy(self) -> bool:
        async with aiohttp.ClientSession() as http:
            for port in self.ports:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        if answer.status != 200:
                            return False
                except aiohttp.ClientError:
                    return False
        return True

    def active_worker(self) -> Node | None:
        """The worker whose log says it became active and that is still running."""
        workers = [n for n in self.nodes.values() if n.args == ["worker"] and n.running]
        return next((n for n in workers if n.logged("This worker is active")), None)

    async def wait_for(
        self, condition: Callable[[], object], what: str, within: float = START_TIMEOUT
    ) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < deadline:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            for node in self.nodes.values():
                if node.proc is not None and node.proc.returncode not in (None, -9):
                    raise AssertionError(f"{node.name} exited:\n{node.log_tail()}")
            await asyncio.sleep(0.05)
        tails = "\n".join(f"--- {n.name}\n{n.log_tail(10)}" for n in self.nodes.values())
        raise AssertionError(f"timed out waiting for {what}\n{tails}")

    async def stop(self) -> None:
        await asyncio.gather(*(node.terminate() for node in self.nodes.values()))
        await self.proxy.stop()
