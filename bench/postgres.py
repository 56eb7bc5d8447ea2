"""PostgreSQL for the benchmarks: a server (`--postgres URL`, or a throwaway cluster from
Debian's binaries, tests/pg_cluster.py), and an empty migrated database for each run."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from tests import pg_cluster


@contextmanager
def postgres_server(given: str | None) -> Iterator[str]:
    """`given` if set; "" when PostgreSQL is not wanted; else a throwaway cluster."""
    if given is not None:
        yield given
        return
    directory = Path(tempfile.mkdtemp(prefix="qorgan-bench-pg-"))
    directory.chmod(0o755)
    try:
        yield pg_cluster.start(directory)
    finally:
        pg_cluster.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


def fresh_databases(server: str) -> Iterator[str]:
    """URLs of new databases, each migrated with `python -m bot migrate`."""
    psql = shutil.which("psql") or "psql"
    for number in itertools.count():
        name = f"qorgan_bench_{os.getpid()}_{number}"
        subprocess.run(  # noqa: S603 - our own names
            [psql, "-q", "-v", "ON_ERROR_STOP=1", server, "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            check=True,
            capture_output=True,
            env={**os.environ, "DATABASE_URL": url, "BOT_TOKEN": ""},
        )
        yield url
