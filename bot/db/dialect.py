"""What differs between the engines, in one place: INSERT ... ON CONFLICT comes from each
dialect's own module (the SQL is the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take ON CONFLICT DO NOTHING / DO UPDATE on this connection's engine."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_prepared: dict[tuple[str, str], Any] = {}


def prepared(conn: AsyncConnection, name: str, build: Callable[[AsyncConnection], Any]) -> Any:
    """A statement built once per engine and reused: on the hot path, building a statement
    and its cache key cost SQLAlchemy more than running it (`python -m bench.dispatch`)."""
    key = (conn.dialect.name, name)
    if key not in _prepared:
        _prepared[key] = build(conn)
    return _prepared[key]
