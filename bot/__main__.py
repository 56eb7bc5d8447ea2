"""Command line: `python -m bot [run|migrate|content check|i18n compile]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.db.migrations import MigrationError
from bot.i18n import CatalogError, compile_catalogs
from bot.logs import configure_logging
from bot.services.content import ContentError, load_library

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Qorgan: a Telegram bot for youth drug-prevention outreach (kk, ru).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot with long polling (the default)")
    commands.add_parser("migrate", help="apply database migrations and exit")
    content = commands.add_parser("content", help="work with the content files")
    content.add_argument("action", choices=["check"], help="check: validate every content file")
    i18n = commands.add_parser("i18n", help="work with the translation catalogues")
    i18n.add_argument("action", choices=["compile"], help="compile: build .mo files from .po")
    return parser


async def _migrate(settings: Settings) -> list[str]:
    async with Database(settings.database_path) as db:
        return await db.migrate()


async def _run(settings: Settings) -> None:
    from bot.app import Application  # imported late: the other commands need no aiogram

    await Application(settings).run()


def _content_check() -> int:
    try:
        library = load_library()
    except ContentError as exc:
        print(f"Content has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAILURE
    print(
        f"Content is valid: {len(library.topics)} topics, {len(library.quizzes)} quizzes, "
        f"{len(library.help.contacts)} help contacts, {len(library.regions)} regions."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "content":
            return _content_check()
        if command == "i18n":
            written = compile_catalogs(force=True)
            print(f"Compiled {len(written)} catalogue(s).")
            return 0
        settings = load_settings()
        configure_logging(settings.log_level)
        if command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(
                f"Applied {len(applied)} migration(s)."
                + (f" ({', '.join(applied)})" if applied else "")
            )
            return 0
        settings.require_token()
        asyncio.run(_run(settings))
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (MigrationError, ContentError, CatalogError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
