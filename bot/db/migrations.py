"""Alembic, run on a connection the bot hands it (see `bot/migrations/env.py`).

`python -m bot migrate` applies what is pending on whichever database DATABASE_URL names; the
bot itself creates the schema of an empty database, and refuses to start on one whose schema is
behind (or ahead of) its code, naming the command.
"""

from __future__ import annotations

import functools

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

from bot.paths import MIGRATIONS_DIR

MIGRATE_COMMAND = "python -m bot migrate"
# Two processes starting at once (webhook replicas) take turns on PostgreSQL.
_ADVISORY_LOCK = 0x516F7267  # "Qorg"


class MigrationError(Exception):
    """The database's schema does not match this code's, or a migration failed."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _script() -> ScriptDirectory:
    """The revisions shipped with this code: read once per process."""
    return ScriptDirectory.from_config(_config())


def head() -> str:
    revision = _script().get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def pending(connection: Connection) -> list[str]:
    """Revisions to apply, oldest first; MigrationError if the database is ahead of the code
    (a newer version of the bot migrated it)."""
    revision = current(connection)
    script = _script()
    if revision is not None and not _known(script, revision):
        raise MigrationError(
            f"the database is at revision {revision}, which this version of the bot does not "
            "know: it was migrated by a newer version"
        )
    return [r.revision for r in reversed(list(script.iterate_revisions(head(), revision)))]


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def upgrade(connection: Connection) -> list[str]:
    """Apply every pending revision on `connection`, inside the caller's transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
    applied = pending(connection)
    if applied:
        try:
            command.upgrade(_config(connection), "head")
        except Exception as exc:
            raise MigrationError(f"migration failed: {exc}") from exc
    return applied


def check_current(connection: Connection) -> bool:
    """At start-up: an empty database gets the schema (True); one behind the code is
    refused."""
    if is_empty(connection):
        upgrade(connection)
        return True
    behind = pending(connection)
    if behind:
        raise MigrationError(
            f"the database schema is behind this version of the bot ({len(behind)} migration(s)"
            f" pending): back it up, then run `{MIGRATE_COMMAND}`"
        )
    return False
