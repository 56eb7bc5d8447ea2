"""SQLite storage: the connection, the migration runner, one repository module per table group."""

from bot.db.database import Database

__all__ = ["Database"]
