"""Logging set-up, with the anonymity invariant in mind: no log line may tie a person to what
they did (DESIGN.md). Our own log lines carry update and tip ids only; libraries that log
query parameters or raw updates at DEBUG are held at INFO or above even when LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

# These log statements with their parameters (chat ids) at DEBUG (SQLAlchemy's engine logger
# at INFO): held at WARNING whatever LOG_LEVEL says.
IDENTIFYING_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool", "alembic")


# aiogram logs a line for every update handled, APScheduler one for every job run (every
# minute): noise at INFO, and the first costs time.
NOISY_LOGGERS = ("aiogram.event", "apscheduler")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def silence_identifying_loggers() -> None:
    for name in IDENTIFYING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def log_handler(log_format: str, stream: TextIO = sys.stderr) -> logging.Handler:
    """`LOG_FORMAT=json`: one JSON object per line (time, level, logger, message), for log
    collectors; otherwise one line of text per record."""
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, log_format: str = "text") -> None:
    logging.basicConfig(level=level, handlers=[log_handler(log_format)], force=True)
    silence_identifying_loggers()
    if logging.getLevelName(level) > logging.DEBUG:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def where_it_failed(exc: BaseException) -> str:
    """An exception's type and stack, not its message: a database error's message carries
    the statement's values (a chat id, a tip's text), a validation error's the input."""
    chain: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:  # a chain can loop
        chain.append(type(seen).__qualname__)
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(chain) + "\n" + "".join(traceback.format_tb(exc.__traceback__))
