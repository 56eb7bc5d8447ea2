"""Command line: `python -m bot [run|demo|webhook|worker|health|migrate|backup|content check|
i18n compile]`."""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings
from bot.db import Database
from bot.db.backup import BackupError, backup
from bot.db.migrations import MigrationError
from bot.i18n import CatalogError, compile_catalogs
from bot.logs import configure_logging
from bot.services.content import ContentError, load_library

EXIT_CONFIG = 2
EXIT_FAILURE = 1
DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8080
DEMO_DATABASE = Path("data/demo.sqlite3")


def _loopback(value: str) -> str:
    try:
        if value == "localhost" or ipaddress.ip_address(value).is_loopback:
            return value
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(
        "the demo serves this machine only: 127.0.0.1, ::1 or localhost"
    )


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError("a port number from 0 (any free port) to 65535")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Qorgan: a Telegram bot for youth drug-prevention outreach (kk, ru).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot with long polling (the default with BOT_TOKEN)")
    demo = commands.add_parser(
        "demo",
        help="try the bot in a local web chat, no Telegram needed (the default without BOT_TOKEN)",
    )
    demo.add_argument(
        "--host", type=_loopback, default=DEMO_HOST, help="loopback address (%(default)s)"
    )
    demo.add_argument("--port", type=_port, default=DEMO_PORT, help="web page port (%(default)s)")
    demo.add_argument(
        "--database", type=Path, default=DEMO_DATABASE, help="its own SQLite file (%(default)s)"
    )
    # `python -m bot` without a token runs the demo with these.
    parser.set_defaults(host=DEMO_HOST, port=DEMO_PORT, database=DEMO_DATABASE)
    webhook = commands.add_parser(
        "webhook", help="serve updates posted by Telegram (cluster mode, behind a balancer)"
    )
    webhook.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    webhook.add_argument("--port", type=int, default=8081, help="port (%(default)s)")
    worker = commands.add_parser(
        "worker", help="campaigns, broadcasts and retention beside webhook replicas (one active)"
    )
    worker.add_argument("--host", default="127.0.0.1", help="/healthz and /metrics address")
    worker.add_argument(
        "--port", type=int, default=None, help="serve /healthz and /metrics on this port"
    )
    health = commands.add_parser(
        "health", help="exit 0 if the database (and Redis) answer, or the replica at --url does"
    )
    health.add_argument("--url", help="a replica's /healthz, like http://127.0.0.1:8081/healthz")
    commands.add_parser("migrate", help="apply database migrations and exit")
    backup_parser = commands.add_parser(
        "backup", help="copy the database to PATH while the bot may keep running"
    )
    backup_parser.add_argument("path", type=Path, help="where to write the copy")
    content = commands.add_parser("content", help="work with the content files")
    content.add_argument("action", choices=["check"], help="check: validate every content file")
    i18n = commands.add_parser("i18n", help="work with the translation catalogues")
    i18n.add_argument("action", choices=["compile"], help="compile: build .mo files from .po")
    return parser


async def _migrate(settings: Settings) -> list[str]:
    async with Database(settings.database) as db:
        return await db.migrate()


async def _serve_webhook(settings: Settings, host: str, port: int) -> None:
    from bot.app import Application

    await Application(settings).serve_webhook(host, port)


async def _serve_worker(settings: Settings, host: str, port: int | None) -> None:
    from bot.app import Application

    await Application(settings).serve_worker(host, port)


async def _run(settings: Settings) -> None:
    from bot.app import Application  # imported late: the other commands need no aiogram

    await Application(settings).run()


HEALTH_TIMEOUT_SECONDS = 5.0


async def _health(settings: Settings, url: str | None) -> str | None:
    """What is unhealthy, or None. For a container's HEALTHCHECK: a replica is asked over
    HTTP (its /healthz checks the database and Redis itself); any other role checks both."""
    import aiohttp

    asked = url or "the database"
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            if url is not None:
                async with aiohttp.ClientSession() as http, http.get(url) as answer:
                    return None if answer.status == 200 else f"{url} answered {answer.status}"
            async with Database(settings.database) as db:
                await db.ping()
            if settings.redis_url is not None:
                from redis.asyncio import Redis

                asked = "Redis"
                async with Redis.from_url(settings.redis_url) as redis:
                    await redis.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return f"{asked}: {type(exc).__name__}"
    return None


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    try:  # a distribution of its own: installed by `make run`, not in the Docker image
        from qorgan_demo import DemoServer, serve_until_stopped
    except ImportError:
        raise SettingsError(
            "the local demo is not installed: pip install -e packages/fake-telegram "
            "-e packages/demo (make run does), or set BOT_TOKEN to run against Telegram"
        ) from None

    database: Path = args.database
    if database.resolve() == settings.database_path.resolve():
        raise SettingsError(
            "the demo needs its own database: --database must differ from DATABASE_PATH"
        )

    def announce(url: str) -> None:
        print(f"Qorgan demo: open {url} in a browser. Nothing leaves this computer.", flush=True)
        print("Press Ctrl+C to stop.", flush=True)

    try:
        asyncio.run(serve_until_stopped(DemoServer(args.host, args.port, database), announce))
    except OSError as exc:
        hint = " (choose another port with --port)" if exc.errno == errno.EADDRINUSE else ""
        print(f"Cannot start the demo: {exc}{hint}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


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
        f"{len(library.simulations)} simulations, {len(library.courses)} courses, "
        f"{len(library.instruments)} checks, "
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
        configure_logging(settings.log_level, settings.log_format)
        if command == "health":
            problem = asyncio.run(_health(settings, args.url))
            print("healthy" if problem is None else f"unhealthy: {problem}")
            return 0 if problem is None else EXIT_FAILURE
        if command == "backup":
            if settings.database_url:
                raise SettingsError(
                    "backup copies the SQLite file; on PostgreSQL use pg_dump (README.md, Backups)"
                )
            pages = backup(settings.database_path, args.path)
            print(f"Backed up {settings.database_path} to {args.path} ({pages} pages).")
            return 0
        if command == "migrate":
            applied = asyncio.run(_migrate(settings))
            print(
                f"Applied {len(applied)} migration(s)."
                + (f" ({', '.join(applied)})" if applied else "")
            )
            return 0
        if command == "demo" or (args.command is None and settings.bot_token is None):
            if args.command is None:
                print("BOT_TOKEN is not set: starting the local demo.", file=sys.stderr)
            return _demo(args, settings)
        settings.require_token()
        if command == "worker":
            settings.require_webhook_secret()
            settings.require_webhook_url()
            asyncio.run(_serve_worker(settings, args.host, args.port))
            return 0
        if command == "webhook":
            settings.require_webhook_secret()
            asyncio.run(_serve_webhook(settings, args.host, args.port))
            return 0
        asyncio.run(_run(settings))
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except (MigrationError, ContentError, CatalogError) as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
