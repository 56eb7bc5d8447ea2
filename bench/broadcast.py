"""Broadcast benchmark: the real delivery engine against the fake Bot API over HTTP.

    .venv/bin/python -m bench.broadcast            # all scenarios (about 3 minutes)
    .venv/bin/python -m bench.broadcast --quick    # smaller numbers, for a smoke run
    .venv/bin/python -m bench.broadcast --engine both   # on SQLite, then on PostgreSQL

On PostgreSQL each scenario gets a database of its own in a throwaway cluster started from
Debian's binaries (tests/pg_cluster.py), or in the server `--postgres URL` names.

Scenarios:
- paced: subscribers sent at a 30/s limit, with the fake enforcing Telegram's limits (429 with
  retry_after when a bot goes faster): achieved rate / limit, 429s, misses, duplicates.
- faults: the paced scenario with 5 % of sends meeting a transient fault (500, 502, a dropped
  connection, or an answer a second late): the rate must stay at 0.8 of the limit or more, with
  no miss (failed recipients wait in the engine's retry queue while the rest is served).
- ceiling: 10,000 and 100,000 subscribers with no limit: the engine's own messages per second
  on one core (the fake runs in another process), misses, duplicates, and the engine's peak RSS,
  which must stay flat as the audience grows (recipients are streamed, never all loaded).

Each scenario runs the engine and the fake server in fresh processes, so one run's memory
does not count in another's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import insert

from bench.postgres import fresh_databases, postgres_server
from bench.seed import person
from bot.db.schema import users

FIRST_CHAT = 10_000_000
STATS_PATH = "/bench/stats"


# -- the fake Telegram, in its own process ------------------------------------------------


async def serve_fake(subscribers: int, rate_limits: bool, flaky: float) -> None:
    from fake_telegram import FakeTelegram

    fake = FakeTelegram(rate_limits=rate_limits)
    await fake.start()
    # 500s, 502s, dropped connections and answers a second late, in turn, on `flaky` of sends.
    fake.flaky("sendMessage", flaky, seed=20260626)
    for n in range(subscribers):
        fake.user(user_id=FIRST_CHAT + n, language_code="ru")

    async def stats(_: web.Request) -> web.Response:
        counts = Counter(
            call.params.get("chat_id") for call in fake.calls_to("sendMessage") if call.ok
        )
        return web.json_response(
            {
                "delivered": len(counts),
                "duplicates": sum(c - 1 for c in counts.values()),
                "too_many_requests": fake.error_counts.get(429, 0),
                "server_errors": sum(n for code, n in fake.error_counts.items() if code >= 500),
                "dropped": fake.drops,
            }
        )

    app = web.Application()
    app.router.add_get(STATS_PATH, stats)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, known before the site starts
    port = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    addresses = {"api": fake.base_url, "stats": f"http://127.0.0.1:{port}{STATS_PATH}"}
    print(json.dumps(addresses), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await fake.stop()


# -- the engine, in its own process -------------------------------------------------------


async def run_engine(
    api: str, subscribers: int, rate: float | None, batch_size: int, database_url: str | None
) -> dict[str, float]:
    from pydantic import SecretStr

    from bot.app import create_bot
    from bot.config import Settings
    from bot.db import Database
    from bot.delivery import TelegramSender
    from bot.domain import Audience, BroadcastContent
    from bot.i18n import create_i18n
    from bot.services.broadcaster import Broadcaster
    from bot.services.broadcasts import BroadcastService
    from bot.services.content import load_library
    from bot.services.pacing import RateLimiter
    from bot.services.roles import StaffMember, StaffRole

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            _env_file=None,
            bot_token=SecretStr("123456:BENCH"),
            bot_api_url=api,
            database_path=Path(directory) / "bench.sqlite3",
            database_url=database_url,
        )
        db = Database(settings.database)
        await db.open()
        await db.migrate()
        async with db.transaction() as conn:
            # In chunks: one list of 100,000 rows would set the peak RSS measured below.
            for start in range(0, subscribers, 5_000):
                chunk = range(start, min(subscribers, start + 5_000))
                await conn.execute(insert(users), [person(FIRST_CHAT + n) for n in chunk])
        bot = create_bot(settings)
        now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
        service = BroadcastService(db, now)
        broadcast = await service.start(
            BroadcastContent(text_kk=None, text_ru="<b>26 июня</b> — день без наркотиков"),
            Audience(),
            urgent=True,
            actor=StaffMember(1, StaffRole.MODERATOR, None),
        )
        assert broadcast is not None
        engine = Broadcaster(
            db,
            TelegramSender(bot, create_i18n(), load_library()),
            RateLimiter(rate),
            now=now,
            batch_size=batch_size,
        )
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cpu_before = time.process_time()
        started = time.perf_counter()
        done = await engine.deliver(broadcast.id)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        await bot.session.close()
        await db.close()
    assert done is not None
    return {
        "sent": done.sent,
        "failed": done.failed,
        "seconds": elapsed,
        "rate": done.sent / elapsed,
        "cpu_share": cpu / elapsed,
        "rss_before_mib": rss_before / 1024,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# -- the orchestra ------------------------------------------------------------------------


def scenario(
    subscribers: int,
    rate: float | None,
    rate_limits: bool,
    flaky: float = 0.0,
    database_url: str | None = None,
) -> dict[str, Any]:
    python = sys.executable
    fake = subprocess.Popen(  # noqa: S603 - our own module
        [python, "-m", "bench.broadcast", "--role", "fake", "--subscribers", str(subscribers)]
        + ["--flaky", str(flaky)]
        + (["--rate-limits"] if rate_limits else []),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fake.stdout is not None
        addresses = json.loads(fake.stdout.readline())
        batch = 30 if rate else 200
        engine = subprocess.run(  # noqa: S603 - our own module
            [
                python,
                "-m",
                "bench.broadcast",
                "--role",
                "engine",
                "--api",
                addresses["api"],
                "--subscribers",
                str(subscribers),
                "--batch",
                str(batch),
            ]
            + (["--rate", str(rate)] if rate else [])
            + (["--database", database_url] if database_url else []),
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json.loads(engine.stdout.strip().splitlines()[-1])
        import urllib.request

        with urllib.request.urlopen(addresses["stats"]) as response:  # noqa: S310 - loopback
            stats = json.loads(response.read())
    finally:
        fake.terminate()
        fake.wait()
    result.update(stats)
    result["misses"] = subscribers - stats["delivered"]
    result["subscribers"] = subscribers
    result["limit"] = rate
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=["fake", "engine"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--subscribers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=200, help=argparse.SUPPRESS)
    parser.add_argument("--rate-limits", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--flaky", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    parser.add_argument(
        "--engine", choices=["sqlite", "postgresql", "both"], default="sqlite", help="storage"
    )
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (else a throwaway one)")
    args = parser.parse_args()
    if args.role == "fake":
        asyncio.run(serve_fake(args.subscribers, args.rate_limits, args.flaky))
        return
    if args.role == "engine":
        result = asyncio.run(
            run_engine(args.api, args.subscribers, args.rate, args.batch, args.database)
        )
        print(json.dumps(result))
        return

    paced_n, sizes = (150, [2_000, 10_000]) if args.quick else (1_500, [10_000, 100_000])
    print(f"Broadcast benchmark, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    with postgres_server(args.postgres if "postgresql" in engines else "") as server:
        for engine in engines:
            databases = fresh_databases(server) if engine == "postgresql" else None
            report(engine, paced_n, sizes, databases)


def report(engine: str, paced_n: int, sizes: list[int], databases: Any) -> None:
    def run(size: int, rate: float | None, limits: bool, flaky: float = 0.0) -> dict[str, Any]:
        url = next(databases) if databases is not None else None
        return scenario(size, rate, rate_limits=limits, flaky=flaky, database_url=url)

    paced = run(paced_n, 30, True)
    print(
        f"{engine:<10} paced   {paced['subscribers']:>7} subscribers at 30/s: "
        f"{paced['rate']:.2f}/s = {paced['rate'] / 30:.3f} of the limit, "
        f"429s {paced['too_many_requests']}, misses {paced['misses']}, "
        f"duplicates {paced['duplicates']}, peak RSS {paced['peak_rss_mib']:.0f} MiB"
    )
    faulty = run(paced_n, 30, True, flaky=0.05)
    print(
        f"{engine:<10} faults  {faulty['subscribers']:>7} subscribers at 30/s, 5 % of sends "
        f"failing ({faulty['server_errors']} 5xx, {faulty['dropped']} dropped, the rest slow): "
        f"{faulty['rate']:.2f}/s = {faulty['rate'] / 30:.3f} of the limit, "
        f"misses {faulty['misses']}, duplicates {faulty['duplicates']}, "
        f"failed {faulty['failed']:.0f}"
    )
    for size in sizes:
        result = run(size, None, False)
        print(
            f"{engine:<10} ceiling {size:>7} subscribers, no limit: {result['rate']:.0f} "
            f"messages/s (engine CPU {result['cpu_share']:.0%} of one core), misses "
            f"{result['misses']}, duplicates {result['duplicates']}, "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
