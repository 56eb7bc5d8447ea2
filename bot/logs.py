"""Logging set-up, with the anonymity invariant in mind: no log line may tie a person to what
they did (DESIGN.md). Our own log lines carry update and tip ids only; libraries that log
query parameters or raw updates at DEBUG are held at INFO or above even when LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
import sys

# These log statements with their parameters (chat ids) at DEBUG (SQLAlchemy's engine logger
# at INFO): held at WARNING whatever LOG_LEVEL says.
IDENTIFYING_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool", "alembic")


# aiogram logs a line for every update handled; that is noise at INFO and costs time.
NOISY_LOGGERS = ("aiogram.event",)


def silence_identifying_loggers() -> None:
    for name in IDENTIFYING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    silence_identifying_loggers()
    if logging.getLevelName(level) > logging.DEBUG:
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
