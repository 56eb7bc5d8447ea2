"""Both engines for the tests: SQLite in a temporary file, and PostgreSQL in a database of its
own per test, copied from a template migrated once per run (CREATE DATABASE ... TEMPLATE is
far quicker than migrating). Raw SQL in tests goes through `fetch` and `run` (named :params),
which read the same on both engines. Redis (cluster mode's shared state) is real too: a
redis-server per run, a database number of its own per test worker, emptied for each test.

With test workers (`-n 4`, as `make test` runs), the controller starts the servers and the
template once for all of them (`shared_by_the_workers`); `.ci/run` starts the servers itself
and passes them in QORGAN_TEST_POSTGRES and QORGAN_TEST_REDIS. A single process starts its
own when a test first needs one."""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from bot.db import Database
from tests import pg_cluster, redis_server

ENGINES = ("sqlite", "postgresql")
_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a cluster's maintenance database: QORGAN_TEST_POSTGRES (`.ci/run` starts one),
    else a cluster of this worker's own, else a skip that names the install command."""
    given = os.environ.get("QORGAN_TEST_POSTGRES")
    if given:
        yield given
        return
    if pg_cluster.binaries() is None:
        pytest.skip(f"PostgreSQL is not installed: {pg_cluster.INSTALL_HINT}")
    with pg_cluster.throwaway() as url:
        yield url


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """QORGAN_TEST_REDIS (`.ci/run` starts one), else a server of this worker's own, else a
    skip that names the install command."""
    given = os.environ.get("QORGAN_TEST_REDIS")
    if given:
        yield given
        return
    if not redis_server.installed():
        pytest.skip(f"Redis is not installed: {redis_server.INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="qorgan-redis-") as directory:
        url = redis_server.start(Path(directory))
        try:
            yield url
        finally:
            redis_server.stop(Path(directory))


@pytest.fixture
def redis_url(redis_server_url: str) -> str:
    """An empty Redis database of this test worker's own (workers share the server)."""
    import redis as redis_client

    worker = _worker()
    number = int(worker.removeprefix("gw")) + 1 if worker.startswith("gw") else 1
    url = redis_server_url.rsplit("/", 1)[0] + f"/{number}"
    with redis_client.Redis.from_url(url) as connection:
        connection.flushdb()
    return url


def _wait_for_database(server: str, name: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - our own name
    while not pg_cluster.psql(server, query, fields=True).strip():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the run's template database {name} did not appear")
        time.sleep(0.2)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A database migrated to the newest schema by `python -m bot migrate`, to copy: the
    run's (QORGAN_TEST_POSTGRES_TEMPLATE), else this process's own."""
    given = os.environ.get("QORGAN_TEST_POSTGRES_TEMPLATE")
    if given and os.environ.get("QORGAN_TEST_POSTGRES") == postgres_server:
        _wait_for_database(postgres_server, given)
        return given
    name = f"qorgan_template_{_worker()}_{os.getpid()}"
    pg_cluster.migrated_database(postgres_server, name)
    return name


def shared_by_the_workers() -> contextlib.ExitStack:
    """In the controller of a run with test workers: PostgreSQL (with the migrated template)
    and Redis for all of them, named in the environment the workers inherit. Each worker
    starting its own cost a cluster's start and a `bot migrate` per worker. What is not
    installed is left to the fixtures, which skip naming the install command."""
    stack = contextlib.ExitStack()
    if not os.environ.get("QORGAN_TEST_POSTGRES") and pg_cluster.binaries() is not None:
        os.environ["QORGAN_TEST_POSTGRES"] = stack.enter_context(pg_cluster.throwaway())
    server = os.environ.get("QORGAN_TEST_POSTGRES")
    if server and not os.environ.get("QORGAN_TEST_POSTGRES_TEMPLATE"):
        # Migrated while the workers start (`bot migrate` takes a few seconds), under another
        # name, then renamed: workers wait for the name, which exists only once it is ready.
        name = f"qorgan_template_run_{os.getpid()}"
        os.environ["QORGAN_TEST_POSTGRES_TEMPLATE"] = name

        def migrate() -> None:
            pg_cluster.migrated_database(server, f"{name}_wip")
            pg_cluster.psql(server, f"ALTER DATABASE {name}_wip RENAME TO {name}")

        migration = threading.Thread(target=migrate, name="template migration")
        migration.start()
        stack.callback(pg_cluster.psql, server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        stack.callback(migration.join)
        stack.callback(os.environ.pop, "QORGAN_TEST_POSTGRES_TEMPLATE", None)
    if not os.environ.get("QORGAN_TEST_REDIS") and redis_server.installed():
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qorgan-redis-")))
        os.environ["QORGAN_TEST_REDIS"] = redis_server.start(directory)
        stack.callback(redis_server.stop, directory)
    return stack


@pytest.fixture
def postgres_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    """A fresh database of the newest schema, dropped after the test."""
    name = f"qorgan_{_worker()}_{os.getpid()}_{next(_numbers)}"
    pg_cluster.psql(postgres_server, f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield pg_cluster.database_url(postgres_server, name)
    pg_cluster.psql(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def database_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """What `Database` opens: a SQLite file, or a PostgreSQL URL (`DATABASE_URL`)."""
    if request.param == "sqlite":
        return tmp_path / "test.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url


async def fetch(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with db.transaction() as conn:
        return [tuple(row) for row in await conn.execute(text(sql), params)]


async def fetch_one(db: Database, sql: str, **params: Any) -> Any:
    """The first column of the first row (a COUNT, a SUM, a single value)."""
    rows = await fetch(db, sql, **params)
    return rows[0][0] if rows else None


async def run(db: Database, sql: str, **params: Any) -> int:
    """Run a statement; the number of rows it changed."""
    async with db.transaction() as conn:
        return int((await conn.execute(text(sql), params)).rowcount)


async def columns(db: Database, table: str) -> set[str]:
    """The column names a table has on disk."""
    async with db.transaction() as conn:
        found: set[str] = await conn.run_sync(
            lambda sync: {column["name"] for column in inspect(sync).get_columns(table)}
        )
    return found
