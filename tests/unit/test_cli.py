"""`python -m bot health`, the container's HEALTHCHECK, and the commands' answers to settings
they cannot work with: one line each, and the exit status an operator's script can test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG, EXIT_FAILURE, main
from bot.config import Settings
from tests.unit.test_startup import closed_port

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`python -m bot ARGS` in this process, with only the given settings (no .env, none of
    the environment's): returns the exit status, standard output and standard error."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))

    def command(*args: str, **settings: str) -> tuple[int, str, str]:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out.strip(), err.strip()

    return command


@pytest.fixture
def replica() -> Iterator[Callable[[int], str]]:
    """A replica's /healthz on 127.0.0.1 answering with the status given; returns its URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(status: int) -> str:
        class Healthz(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # quiet, no stderr
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/healthz"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_health_is_the_database_answering(run: Run) -> None:
    assert run("health") == (0, "healthy", "")


def test_health_names_what_does_not_answer(run: Run) -> None:
    status, out, _ = run("health", REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert status == EXIT_FAILURE
    assert out.startswith("unhealthy: Redis: ") and "127.0.0.1" not in out


def test_health_of_a_replica_is_its_healthz(run: Run, replica: Callable[[int], str]) -> None:
    healthy = replica(200)
    assert run("health", "--url", healthy) == (0, "healthy", "")
    failing = replica(503)
    assert run("health", "--url", failing) == (
        EXIT_FAILURE,
        f"unhealthy: {failing} answered 503",
        "",
    )


@pytest.mark.parametrize("role", ["webhook", "worker"])
def test_cluster_roles_without_their_secret_do_not_start(run: Run, role: str) -> None:
    status, _, err = run(role, BOT_TOKEN="123456:TEST-TOKEN")
    assert status == EXIT_CONFIG
    assert err.startswith("Configuration error: ") and "WEBHOOK_SECRET" in err


@pytest.mark.parametrize(
    ("option", "value", "explained"),
    [
        ("--host", "0.0.0.0", "the demo serves this machine only"),  # noqa: S104 - refused
        ("--port", "70000", "a port number from 0 (any free port) to 65535"),
    ],
)
def test_the_demo_serves_this_machine_only(
    run: Run, capsys: pytest.CaptureFixture[str], option: str, value: str, explained: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run("demo", option, value)
    assert exited.value.code == EXIT_CONFIG
    assert explained in capsys.readouterr().err


def test_backup_on_postgresql_points_to_pg_dump(run: Run, tmp_path: Path) -> None:
    status, _, err = run(
        "backup", str(tmp_path / "copy.sqlite3"), DATABASE_URL="postgresql://db.example/qorgan"
    )
    assert status == EXIT_CONFIG and "pg_dump" in err
    assert not (tmp_path / "copy.sqlite3").exists()
