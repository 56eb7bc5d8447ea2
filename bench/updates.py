"""Conversation-path benchmark: updates end to end, Qorgan beside a bare aiogram echo bot.

    .venv/bin/python -m bench.updates                 # about 6 minutes (three rounds)
    .venv/bin/python -m bench.updates --quick         # smaller numbers, one round: a smoke run
    .venv/bin/python -m bench.updates --rounds 5      # more rounds, for a noisy machine
    .venv/bin/python -m bench.updates --profile PATH  # also cProfile Qorgan into PATH
    .venv/bin/python -m bench.updates --engine both   # Qorgan on SQLite, then on PostgreSQL

Path measured: the fake Bot API queues an update -> aiogram long polling (getUpdates over
HTTP) -> middlewares -> handlers -> SQLite -> the reply request over HTTP. An update's latency
runs from the moment the fake queued it to the moment the bot's first request about that chat
arrived at the fake (both clocks are the fake's; each chat gets one update per phase, so the
reply is never ambiguous).

Bots, each measured in the same run against the same fake:
- bare: a Dispatcher with one handler answering every message (`message.answer(text)`), the
  same aiogram, polling (`start_polling`, handle_as_tasks) and logging set-up as Qorgan.
- Qorgan: `python -m bot` with its defaults, on a database of onboarded users.

Rounds: bare, then Qorgan, three times over. Other work on a shared machine comes and goes
(one bare burst ran at 1,133 updates/s, the next at 960): each Qorgan run is compared with the
bare run just before it, and the median of the rounds is the figure reported.

Phases (each after a warm-up, each chat once per phase):
- burst: N users send /help at once; throughput = N / (last first reply - first queued).
- load: /help at a fixed 200 updates per second for 20 s; p50/p95/p99 at that load.
- mix (Qorgan only): /help, a menu button (📚 Learn) and a topic card button, in thirds.

The fake and each bot run in their own processes, so each has a core; the fake's and the bot's
CPU shares are printed, so a saturated fake would be visible.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from statistics import median
from typing import Any

from aiohttp import web
from sqlalchemy import insert

from bench.postgres import fresh_databases, postgres_server
from bench.seed import person
from bot.db.schema import users as users_table

FIRST_CHAT = 20_000_000
CONTROL = "/bench"
TOKEN = "123456:BENCH"  # noqa: S105 - the fake Bot API accepts any well-formed token
LOAD_RATE = 200.0
TARGET_RATIO = 0.8
TARGET_P99_MS = 50.0


# -- the fake Telegram and the load generator, in their own process ----------------------


class Driver:
    """Queues updates into the fake and reads the replies off its call log."""

    def __init__(self, fake: Any, first_topic: str) -> None:
        self.fake = fake
        self.first_topic = first_topic

    def push_message(self, chat_id: int, text: str) -> float:
        from fake_telegram.entities import detect_entities

        store = self.fake.store
        chat = store.chats[chat_id]
        data: dict[str, Any] = {
            "message_id": chat.new_message_id(),
            "from": store.users[chat_id],
            "chat": chat.json(),
            "date": int(time.time()),
            "text": text,
        }
        entities = detect_entities(text)
        if entities:
            data["entities"] = entities
        store.add_message(chat, data, from_bot=False, source=text)
        payload = copy.deepcopy(data)
        queued = time.time()
        self.fake.push_update("message", payload)
        return queued

    def push_callback(self, chat_id: int, callback_data: str) -> float:
        """A press on a button of the newest bot message with an inline keyboard."""
        from fake_telegram.objects import new_callback_query_id
        from fake_telegram.state import CallbackQueryRecord
        from fake_telegram.views import inline_rows

        store = self.fake.store
        chat = store.chats[chat_id]
        message = next(
            m
            for m in reversed(chat.visible())
            if m.from_bot and inline_rows(m.data.get("reply_markup"))
        )
        query_id = new_callback_query_id()
        store.callback_queries[query_id] = CallbackQueryRecord(
            query_id, chat_id, message.message_id, chat_id, callback_data
        )
        payload = {
            "id": query_id,
            "from": store.users[chat_id],
            "message": copy.deepcopy(message.data),
            "chat_instance": str(chat_id * 7_919 + 1_000_000_007),
            "data": callback_data,
        }
        queued = time.time()
        self.fake.push_update("callback_query", payload)
        return queued

    def push(self, workload: str, n: int, chat_id: int) -> float:
        from bot.keyboards.callbacks import OpenScreen, Screen, TopicCard

        if workload.startswith("mix"):
            # "mix" and "mix2": a chat's second mixed phase takes the next action, so that
            # no press asks for the screen the chat already shows.
            kind = (n + (workload == "mix2")) % 3
            if kind == 1:
                return self.push_callback(chat_id, OpenScreen(screen=Screen.LEARN).pack())
            if kind == 2:
                return self.push_callback(chat_id, TopicCard(topic=self.first_topic, card=0).pack())
        return self.push_message(chat_id, "/help")

    async def ready(self, since: int) -> None:
        """Wait until a bot polls (a getUpdates after call number `since`)."""
        calls = self.fake.calls
        await self.fake.wait_for(
            lambda: any(c.method == "getUpdates" for c in calls[since:]), timeout=120
        )

    async def phase(
        self, workload: str, count: int, first: int, rate: float | None
    ) -> dict[str, Any]:
        # The fake is the measuring instrument: its own garbage collection (its call log grows
        # with every request) must not show as the bot's latency. Collect between phases, then
        # keep the collector off while one is measured.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            return await self._measure(workload, count, first, rate)
        finally:
            gc.enable()

    async def _measure(
        self, workload: str, count: int, first: int, rate: float | None
    ) -> dict[str, Any]:
        fake = self.fake
        calls = fake.calls
        mark = len(calls)
        chats = [FIRST_CHAT + first + n for n in range(count)]
        queued: dict[int, float] = {}
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        if rate is None:
            for n, chat_id in enumerate(chats):
                queued[chat_id] = self.push(workload, n, chat_id)
        else:
            started = time.perf_counter()
            for n, chat_id in enumerate(chats):
                due = started + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                queued[chat_id] = self.push(workload, n, chat_id)

        replied: dict[int, float] = {}
        scanned = mark

        def all_replied() -> bool:
            nonlocal scanned
            for call in calls[scanned:]:
                chat_id = call.chat_id
                if (
                    call.method != "getUpdates"
                    and isinstance(chat_id, int)
                    and chat_id in queued
                    and chat_id not in replied
                    and call.at >= queued[chat_id]
                ):
                    replied[chat_id] = call.at
            scanned = len(calls)
            return len(replied) == count

        finished = await fake.activity.wait_for(all_replied, 120)
        # Let trailing requests (Qorgan answers /help with the help, then the menu) finish.
        await fake.activity.wait_quiet(lambda: True, 0.3, 30)
        wall = time.perf_counter() - wall_before
        cpu = time.process_time() - cpu_before
        latencies = sorted((replied[c] - queued[c]) * 1000 for c in replied)
        window = calls[mark:]
        span = (max(replied.values()) - min(queued.values())) if replied else math.nan
        return {
            "updates": count,
            "answered": len(replied),
            "complete": finished,
            "seconds": span,
            "throughput": len(replied) / span if replied else 0.0,
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else math.nan,
            "requests": sum(1 for c in window if c.method != "getUpdates"),
            "polls": sum(1 for c in window if c.method == "getUpdates"),
            "errors": sum(1 for c in window if c.response is not None and not c.ok),
            "error_kinds": dict(
                Counter(
                    f"{c.method}: {c.description}"
                    for c in window
                    if c.response is not None and not c.ok
                ).most_common(3)
            ),
            "fake_cpu": cpu / wall,
            "wall": wall,
        }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


async def serve_fake(users: int) -> None:
    from fake_telegram import FakeTelegram

    from bot.domain import Role
    from bot.services.content import load_library

    fake = FakeTelegram()
    await fake.start()
    for n in range(users):
        fake.user(user_id=FIRST_CHAT + n, first_name="User", language_code="ru")
    driver = Driver(fake, load_library().topics_for(Role.TEEN)[0].id)

    async def mark(_: web.Request) -> web.Response:
        return web.json_response({"mark": len(fake.calls)})

    async def ready(request: web.Request) -> web.Response:
        body = await request.json()
        await driver.ready(int(body["since"]))
        return web.json_response({"ok": True})

    async def phase(request: web.Request) -> web.Response:
        body = await request.json()
        rate = body.get("rate")
        result = await driver.phase(
            str(body["workload"]),
            int(body["count"]),
            int(body.get("first", 0)),
            None if rate is None else float(rate),
        )
        return web.json_response(result)

    app = web.Application()
    app.router.add_get(f"{CONTROL}/mark", mark)
    app.router.add_post(f"{CONTROL}/ready", ready)
    app.router.add_post(f"{CONTROL}/phase", phase)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    print(json.dumps({"api": fake.base_url, "control": f"http://127.0.0.1:{port}{CONTROL}"}))
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await fake.stop()


# -- the bare bot, in its own process -----------------------------------------------------


async def run_bare(api: str) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    from bot.logs import configure_logging

    configure_logging("INFO")  # as `python -m bot` does: aiogram logs every update at INFO
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "ok")

    try:
        await dp.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()


# -- the orchestra ------------------------------------------------------------------------


def control(base: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback, our own server
        base + path, data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - loopback
        result: dict[str, Any] = json.loads(response.read())
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare_database(path: Path | str, users: int) -> None:
    """Onboarded users with campaign messages off (no campaign may fire mid-run)."""

    async def prepare() -> None:
        from bot.db import Database

        async with Database(path) as db:
            await db.migrate()
            async with db.transaction() as conn:
                await conn.execute(
                    insert(users_table),
                    [person(FIRST_CHAT + n, subscribed=False) for n in range(users)],
                )

    asyncio.run(prepare())


Results = dict[str, dict[str, Any]]  # phase label -> its figures


def measure(
    name: str,
    command: list[str],
    env: dict[str, str],
    base: str,
    phases: list[tuple[str, str, int, int, float | None]],
    log: Path,
    cwd: Path | None = None,
) -> Results:
    """Start one bot, run the phases against it, stop it with SIGTERM."""
    since = control(base, "/mark")["mark"]
    with log.open("ab") as sink:
        bot = subprocess.Popen(command, env=env, cwd=cwd, stdout=sink, stderr=sink)  # noqa: S603
    results: Results = {}
    try:
        try:
            control(base, "/ready", {"since": since})
        except OSError:
            print(f"{name} did not start polling:\n{log.read_text(errors='replace')[-3000:]}")
            raise
        for label, workload, count, first, rate in phases:
            cpu_before, wall_before = cpu_seconds(bot.pid), time.perf_counter()
            result = control(
                base, "/phase", {"workload": workload, "count": count, "first": first, "rate": rate}
            )
            wall = time.perf_counter() - wall_before
            result["bot_cpu"] = (cpu_seconds(bot.pid) - cpu_before) / wall
            results[label] = result
            if not result["complete"]:
                print(f"  {name}: {label} left {count - result['answered']} update(s) unanswered")
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=60)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
    return results


def line(name: str, r: dict[str, Any]) -> str:
    text = (
        f"  {name:<7} {r['throughput']:>7.0f} updates/s   p50 {r['p50']:6.1f}  p95 {r['p95']:6.1f}"
        f"  p99 {r['p99']:6.1f}  max {r['max']:6.1f} ms   {r['requests'] / r['updates']:.1f} "
        f"requests/update, {r['updates'] / r['polls']:.0f} updates/poll, errors {r['errors']}, "
        f"bot CPU {r['bot_cpu']:.0%}, fake CPU {r['fake_cpu']:.0%}"
    )
    return text + "".join(f"\n      {n} x {kind}" for kind, n in r["error_kinds"].items())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--role", choices=["fake", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    parser.add_argument(
        "--rounds", type=int, help="bare then Qorgan, this many times (default 3; --quick: 1)"
    )
    parser.add_argument("--profile", type=Path, help="run Qorgan under cProfile, stats to PATH")
    parser.add_argument(
        "--engine", choices=["sqlite", "postgresql", "both"], default="sqlite", help="storage"
    )
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (else a throwaway one)")
    args = parser.parse_args()
    if args.role == "fake":
        asyncio.run(serve_fake(args.users))
        return
    if args.role == "bare":
        asyncio.run(run_bare(args.api))
        return

    burst, seconds = (1_000, 5) if args.quick else (5_000, 20)
    rounds = args.rounds or (1 if args.quick else 3)
    load = int(LOAD_RATE * seconds)
    warm = min(500, burst)
    users = max(burst, load)
    python = sys.executable
    print(
        f"Conversation-path benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]},"
        f" load average {os.getloadavg()[0]:.2f} before the run"
    )
    fake = subprocess.Popen(  # noqa: S603 - our own module
        [python, "-m", "bench.updates", "--role", "fake", "--users", str(users)],
        stdout=subprocess.PIPE,
        text=True,
    )
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    # Per engine, one (bare, Qorgan) pair of results per round.
    pairs: dict[str, list[tuple[Results, Results]]] = {engine: [] for engine in engines}
    try:
        assert fake.stdout is not None
        addresses = json.loads(fake.stdout.readline())
        base, api = addresses["control"], addresses["api"]
        common = [
            ("warm-up", "help", warm, 0, None),
            ("burst", "help", burst, 0, None),
            ("load", "help", load, 0, LOAD_RATE),
        ]
        with tempfile.TemporaryDirectory() as directory:
            work = Path(directory)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE"))}
            with postgres_server(args.postgres if "postgresql" in engines else "") as server:
                qorgan_envs = {
                    engine: {**env, **prepare_storage(engine, server, work, users)}
                    for engine in engines
                }
                for round_number in range(1, rounds + 1):
                    last = round_number == rounds
                    # The machine's other work comes and goes: each Qorgan run is compared
                    # with a bare run just before it, and the rounds' median is the figure.
                    for engine in engines:
                        bare = measure(
                            "bare",
                            [python, "-m", "bench.updates", "--role", "bare", "--api", api],
                            env,
                            base,
                            common,
                            work / "bare.log",
                        )
                        command = [python, "-m", "bot"]
                        if args.profile is not None and last:
                            profile = str(args.profile.resolve())
                            command = [python, "-m", "cProfile", "-o", profile, "-m", "bot"]
                        mixed = [
                            ("mix burst", "mix", burst, 0, None),
                            ("mix load", "mix2", load, 0, LOAD_RATE),
                        ]
                        qorgan = measure(
                            f"Qorgan ({engine})",
                            command,
                            {**qorgan_envs[engine], "BOT_API_URL": api},
                            base,
                            # The mixed phases write (topic counts): once, in the last round.
                            [*common, *(mixed if last else [])],
                            work / f"qorgan-{engine}.log",
                            cwd=work,  # no .env from the checkout: the defaults and the above
                        )
                        pairs[engine].append((bare, qorgan))
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.wait()

    print(f"load average {os.getloadavg()[0]:.2f} after the run (other work competes for cores)")
    for engine, results in pairs.items():
        report(engine, results, burst, load, seconds)
    if args.profile is not None:
        import pstats

        print(f"cProfile of Qorgan's last round: {args.profile} (top 25 by own time)")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)


def prepare_storage(engine: str, server: str, work: Path, users: int) -> dict[str, str]:
    """A database of `users` onboarded users, and Qorgan's environment to use it."""
    database: Path | str = (
        next(fresh_databases(server)) if engine == "postgresql" else work / "bench.sqlite3"
    )
    prepare_database(database, users)
    storage = (
        {"DATABASE_URL": database}
        if isinstance(database, str)
        else {"DATABASE_PATH": str(database)}
    )
    return {
        **storage,
        "BOT_TOKEN": TOKEN,
        "ADMIN_IDS": "",
        "MODERATOR_CHAT_ID": "",
        "QUIET_HOURS": "",
        "LOG_LEVEL": "INFO",
    }


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(
    engine: str, pairs: list[tuple[Results, Results]], burst: int, load: int, seconds: int
) -> None:
    print(f"Qorgan on {engine}, {len(pairs)} round(s) of bare then Qorgan")
    print(f"burst: {burst} users send /help at once")
    ratios = []
    for number, (bare, qorgan) in enumerate(pairs, 1):
        ratio = qorgan["burst"]["throughput"] / bare["burst"]["throughput"]
        ratios.append(ratio)
        print(f" round {number}: ratio {ratio:.2f}")
        print(line("bare", bare["burst"]))
        print(line("Qorgan", qorgan["burst"]))
    ratio = median(ratios)
    print(
        f"  ratio Qorgan / bare, median of {len(ratios)}: {ratio:.2f}"
        f" (target >= {TARGET_RATIO}: {verdict(ratio >= TARGET_RATIO)})"
    )
    print(f"load: /help at {LOAD_RATE:.0f} updates/s for {seconds} s ({load} updates)")
    for number, (bare, qorgan) in enumerate(pairs, 1):
        print(f" round {number}")
        print(line("bare", bare["load"]))
        print(line("Qorgan", qorgan["load"]))
    p99 = median([qorgan["load"]["p99"] for _, qorgan in pairs])
    print(
        f"  Qorgan p99, median of {len(pairs)}: {p99:.1f} ms"
        f" (target < {TARGET_P99_MS:.0f} ms: {verdict(p99 < TARGET_P99_MS)})"
    )
    mixed = pairs[-1][1]
    print("mix (Qorgan, last round): /help, 📚 Learn menu button, topic card button, in thirds")
    print(line("burst", mixed["mix burst"]))
    print(line("load", mixed["mix load"]))
    p99 = mixed["mix load"]["p99"]
    print(
        f"  mixed load p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f} ms:"
        f" {verdict(p99 < TARGET_P99_MS)})"
    )


if __name__ == "__main__":
    main()
