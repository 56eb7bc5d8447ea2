"""PostgreSQL for the benchmarks: a server (`--postgres URL`, or a throwaway cluster from
Debian's binaries, tests/pg_cluster.py), and an empty migrated database for each run."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

from tests import pg_cluster


@contextmanager
def postgres_server(given: str | None) -> Iterator[str]:
    """`given` if set; "" when PostgreSQL is not wanted; else a throwaway cluster."""
    if given is not None:
        yield given
        return
    with pg_cluster.throwaway() as url:
        yield url


def fresh_databases(server: str) -> Iterator[str]:
    """URLs of new databases, each migrated with `python -m bot migrate`."""
    for number in itertools.count():
        yield pg_cluster.migrated_database(server, f"qorgan_bench_{os.getpid()}_{number}")
