"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.i18n import compile_catalogs
from bot.services.content import Library, load_library
from bot.services.learning import LearningService
from bot.services.users import UserService
from tests.engines import (
    database_target,
    postgres_server,
    postgres_template,
    postgres_url,
    redis_server_url,
    redis_url,
    shared_by_the_workers,
)

TODAY = dt.date(2026, 6, 26)
__all__ = [
    "database_target",
    "postgres_server",
    "postgres_template",
    "postgres_url",
    "redis_server_url",
    "redis_url",
]


_shared_engines: contextlib.ExitStack | None = None


def pytest_configure(config: pytest.Config) -> None:
    """With test workers, start the database servers once for all of them (tests/engines.py)."""
    global _shared_engines
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        _shared_engines = shared_by_the_workers()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _shared_engines is not None:
        _shared_engines.close()


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs() -> None:
    compile_catalogs()


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="session", autouse=True)
def _content_loaded_once(library: Library) -> Iterator[None]:
    """Every Application of the suite (hundreds) shares one loaded library: the content is
    read-only, and its own tests load it from their own directories."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.app.load_library", lambda: library)
        yield


@pytest.fixture
async def db(database_target: str | Path) -> AsyncIterator[Database]:
    """The repository and service tests run on SQLite and on PostgreSQL."""
    async with Database(database_target) as database:
        await database.migrate()
        yield database


@pytest.fixture
def users(db: Database, library: Library) -> UserService:
    return UserService(db, lambda: TODAY, library.region_codes)


@pytest.fixture
def learning(db: Database, library: Library) -> LearningService:
    return LearningService(db, library, lambda: TODAY)
