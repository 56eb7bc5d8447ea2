"""Cluster benchmark: updates per second through one webhook replica and through two, and the
broadcast rate of the active worker, on PostgreSQL and Redis (issue 16).

    .venv/bin/python -m bench.cluster            # about 2 minutes
    .venv/bin/python -m bench.cluster --quick    # smaller numbers, for a smoke run

The roles run as `python -m bot webhook|worker` processes (tests/cluster/harness.py), with the
fake Bot API delivering updates by webhook (up to 40 requests at once, as Telegram does) in
this process. In front of the replicas, nginx from Debian's package with deploy/nginx.conf
(the replicas' addresses put in), or the harness's round-robin proxy with `--proxy python`.
PostgreSQL and Redis are throwaway servers from Debian's binaries.

- updates: a burst of /start messages from distinct new users (each answered with the
  language question), through one replica, then through two: updates per second from the
  first delivery to the last acknowledgement. Twice: with the replicas sharing the two cores
  with everything else (the fake, PostgreSQL, Redis, nginx), then with each replica held to a
  CPU quota (`--replica-cores`, a cgroup), as if each had a machine of its own.
- broadcast: a broadcast to subscribers at BROADCAST_RATE 30 from the active worker: achieved
  rate over the limit, misses and duplicates.
- profile cache: the cost of reading a profile in a replica from PostgreSQL (what replicas do,
  the in-process cache being off) against reading it from Redis (what a shared cache would
  cost).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fake_telegram import FakeTelegram
from pydantic import TypeAdapter
from redis.asyncio import Redis
from sqlalchemy import insert

from bench.postgres import fresh_databases, postgres_server
from bench.seed import person
from bot.db import Database
from bot.db.schema import users
from bot.domain import BroadcastContent, Language, Profile
from bot.services.profile_cache import ProfileCache
from bot.services.users import UserService
from tests import redis_server
from tests.cluster.harness import Cluster, free_port
from tests.crash.conftest import Deliveries, prepare_database, start_broadcast

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 30.0


class Nginx:
    """nginx from Debian's package with deploy/nginx.conf, on 127.0.0.1."""

    def __init__(self, directory: Path, ports: list[int]) -> None:
        self.directory, self.ports = directory, ports
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        servers = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in self.ports
        )
        head, _, rest = site.partition("    server replica-1:8081")
        rest = rest.split("\n", 2)[2]  # drop the two replica lines
        site = head + servers + "\n" + rest
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        (self.directory / "site.conf").write_text(site)
        (self.directory / "nginx.conf").write_text(
            "worker_processes 1;\nevents { worker_connections 1024; }\n"
            "http {\n    include site.conf;\n}\n"
            f"pid {self.directory}/nginx.pid;\nerror_log {self.directory}/error.log;\n"
            "daemon off;\n"
        )
        nginx = shutil.which("nginx")
        assert nginx is not None, "apt-get install nginx (or --proxy python)"
        self._proc = subprocess.Popen(  # noqa: S603 - nginx from PATH, our own arguments
            [nginx, "-p", str(self.directory), "-c", str(self.directory / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGQUIT)
            self._proc.wait(10)


ROLES = {
    "replicas": "-m bot webhook",
    "worker": "-m bot worker",
    "postgres": "postgres",
    "redis": "redis-server",
    "nginx": "nginx",
}


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by each role's processes on this machine, and by this process
    (the fake Bot API and the proxy when it is the Python one)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys([*ROLES, "fake"], 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if int(entry.name) == os.getpid():
            used["fake"] += seconds
            continue
        role = next((r for r, pattern in ROLES.items() if pattern in command), None)
        if role is not None:
            used[role] += seconds
    return used


CGROUP_CPU = Path("/sys/fs/cgroup/cpu")


class CpuQuota:
    """Each replica in a cgroup (v1 cpu controller) of its own, limited to `cores` of a core:
    replicas as if each ran on a machine of its own, the load generator and the databases not
    taking their CPU. Needs root and a writable /sys/fs/cgroup/cpu."""

    def __init__(self, cores: float) -> None:
        self.cores = cores
        self.groups: list[Path] = []

    def confine(self, name: str, pid: int) -> None:
        group = CGROUP_CPU / f"qorgan-bench-{os.getpid()}-{name}"
        group.mkdir()
        self.groups.append(group)
        period = int((group / "cpu.cfs_period_us").read_text())
        (group / "cpu.cfs_quota_us").write_text(str(int(period * self.cores)))
        (group / "cgroup.procs").write_text(str(pid))

    def release(self) -> None:
        for group in self.groups:
            for pid in (group / "cgroup.procs").read_text().split():
                (CGROUP_CPU / "cgroup.procs").write_text(pid)
            group.rmdir()


@asynccontextmanager
async def running_cluster(
    database: str,
    redis: str,
    replicas: int,
    workers: int,
    proxy: str,
    quota: CpuQuota | None = None,
    **settings: str,
) -> AsyncIterator[tuple[FakeTelegram, Cluster]]:
    with tempfile.TemporaryDirectory(prefix="qorgan-bench-cluster-") as directory:
        async with FakeTelegram(timeout=60.0) as fake:
            cluster = Cluster(fake, Path(directory), database, redis, replicas=replicas, **settings)
            nginx = Nginx(Path(directory), cluster.ports) if proxy == "nginx" else None
            if nginx is not None:
                nginx.start()
                cluster.proxy.url = nginx.url  # the worker sets nginx as the webhook
                await cluster.start(workers=workers, proxy=False)
            else:
                await cluster.start(workers=workers)
            if quota is not None:
                for name, node in cluster.nodes.items():
                    if name.startswith("replica") and node.proc is not None:
                        quota.confine(name, node.proc.pid)
            try:
                yield fake, cluster
            finally:
                await cluster.stop()
                if nginx is not None:
                    nginx.stop()
                if quota is not None:
                    quota.release()


async def updates_per_second(
    database: str, redis: str, replicas: int, count: int, proxy: str, cores: float | None
) -> float:
    async with Redis.from_url(redis) as client:
        await client.flushdb()  # each run's fake numbers its updates from 1 again
    quota = None if cores is None else CpuQuota(cores)
    async with running_cluster(database, redis, replicas, 1, proxy, quota) as (fake, cluster):
        # Warm-up: each replica's first updates load what it lazily imports.
        warm = [fake.user(user_id=7_000_000 + n).send_nowait("/start") for n in range(20)]
        await cluster.wait_for(lambda: all(fake.updates.settled(u) for u in warm), "warm-up")
        people = [fake.user(user_id=8_000_000 + n, language_code="ru") for n in range(count)]
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        updates = [person.send_nowait("/start") for person in people]
        await cluster.wait_for(
            lambda: all(fake.updates.settled(u) for u in updates), "the burst", within=600
        )
        elapsed = time.perf_counter() - started
        cpu_after = cpu_seconds()
        shares = ", ".join(
            f"{role} {(cpu_after[role] - cpu_before[role]) / elapsed:.0%}" for role in cpu_after
        )
        print(f"  CPU during the burst, share of one core: {shares}")
        greeted = {int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")}
        assert all(p.chat_id in greeted for p in people), "an update was lost"
        return count / elapsed


async def broadcast_rate(
    database: str, redis: str, audience: int, proxy: str
) -> tuple[float, int, int]:
    subscribers = {9_000_000 + n: Language.RU for n in range(audience)}
    await prepare_database(database, subscribers)
    async with running_cluster(database, redis, 2, 2, proxy, BROADCAST_RATE=str(int(LIMIT))) as (
        fake,
        cluster,
    ):
        fake.rate_limits = True  # Telegram's limits: 429 beyond 30/s
        for chat_id in subscribers:
            fake.user(user_id=chat_id, first_name="Subscriber", language_code="ru")
        deliveries = Deliveries(fake, list(subscribers), "#bench-cluster")
        await start_broadcast(database, BroadcastContent(None, "26 июня #bench-cluster"))
        await cluster.wait_for(lambda: deliveries.delivered >= 1, "the first message", within=60)
        started = time.perf_counter()
        first = deliveries.copies
        await cluster.wait_for(deliveries.until(audience), "the broadcast", within=600)
        rate = (deliveries.copies - first) / (time.perf_counter() - started)
        return rate, deliveries.misses, deliveries.duplicates


async def profile_reads(database: str, redis: str, reads: int) -> tuple[float, float]:
    """Microseconds per profile read in a replica: UserService.get with the cache off (one
    PostgreSQL statement, what replicas do), and a profile shared through Redis (a GET and
    decoding the profile, what a shared cache would cost; its invalidation on every write is
    not even counted)."""
    async with Database(database) as db:
        async with db.transaction() as conn:
            await conn.execute(insert(users), [person(6_000_000 + n) for n in range(1000)])
        service = UserService(db, dt.date.today, frozenset(), cache=ProfileCache(capacity=0))
        profile = await service.get(6_000_000)
        assert profile is not None
        started = time.perf_counter()
        for n in range(reads):
            await service.get(6_000_000 + n % 1000)
        database_us = (time.perf_counter() - started) / reads * 1e6
    shape = TypeAdapter(Profile)
    async with Redis.from_url(redis) as client:
        await client.set("bench:profile", shape.dump_json(profile))
        started = time.perf_counter()
        for _ in range(reads):
            shape.validate_json(await client.get("bench:profile") or b"")
        redis_us = (time.perf_counter() - started) / reads * 1e6
    return database_us, redis_us


async def main(args: argparse.Namespace) -> None:
    count, audience, reads = (300, 300, 500) if args.quick else (1500, 900, 5000)
    with postgres_server(args.postgres) as server, tempfile.TemporaryDirectory() as redis_dir:
        redis = redis_server.start(Path(redis_dir))
        try:
            databases = fresh_databases(server)
            print(f"{os.cpu_count()} cores; proxy: {args.proxy}")
            for cores in (None, args.replica_cores):
                where = "sharing the machine" if cores is None else f"{cores} core each"
                one = await updates_per_second(next(databases), redis, 1, count, args.proxy, cores)
                print(f"updates, 1 replica ({where}):  {one:7.1f}/s ({count} /start, new users)")
                two = await updates_per_second(next(databases), redis, 2, count, args.proxy, cores)
                print(f"updates, 2 replicas ({where}): {two:7.1f}/s  ({two / one:.2f}x)")
            rate, misses, duplicates = await broadcast_rate(
                next(databases), redis, audience, args.proxy
            )
            print(
                f"broadcast, {audience} at {LIMIT:.0f}/s: {rate:.2f}/s ({rate / LIMIT:.3f} of the"
                f" limit), {misses} missed, {duplicates} repeated"
            )
            database_us, redis_us = await profile_reads(next(databases), redis, reads)
            print(
                f"profile read in a replica: PostgreSQL (cache off) {database_us:.0f} µs,"
                f" shared through Redis {redis_us:.0f} µs ({reads} each)"
            )
        finally:
            redis_server.stop(Path(redis_dir))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (else a throwaway cluster)")
    parser.add_argument("--proxy", choices=["nginx", "python"], default="nginx")
    parser.add_argument(
        "--replica-cores",
        type=float,
        default=0.4,
        help="the second run's CPU quota per replica, a cgroup (%(default)s of a core)",
    )
    asyncio.run(main(parser.parse_args()))
