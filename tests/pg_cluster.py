"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary data directory,
127.0.0.1 only, run as a non-root user (PostgreSQL refuses root), stopped at the end.

`.ci/run` starts one for the whole run (`python -m tests.pg_cluster start DIR` prints its URL)
and exports it as QORGAN_TEST_POSTGRES; without that, the suite starts its own when the
binaries are installed, and skips the PostgreSQL half otherwise, naming the command that
installs them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

INSTALL_HINT = "sudo apt-get install postgresql (then run the tests again)"
SUPERUSER = "qorgan"


def binaries() -> Path | None:
    """The directory of initdb and pg_ctl: on PATH, or Debian's versioned one."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL will not run as root: as root, run it as Debian's `postgres` user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def start(directory: Path) -> str:
    """Create and start a cluster in `directory`; return its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL is not installed: {INSTALL_HINT}")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data, port = directory / "data", _free_port()
    subprocess.run(
        _as_owner(
            [
                *(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust"),
                *("--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        " -c max_connections=200"
        # What docs/anonymity.md asks of a production server's logs.
        " -c log_statement=none -c log_min_error_statement=panic -c log_error_verbosity=terse"
        " -c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0"
        " -c track_commit_timestamp=off"
    )
    subprocess.run(
        _as_owner(
            [
                *(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options),
                *("-l", str(directory / "server.log"), "-w", "start"),
            ]
        ),
        check=True,
        capture_output=True,
    )
    return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"


def stop(directory: Path) -> None:
    bin_dir = binaries()
    if bin_dir is None or not (directory / "data").exists():
        return
    subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(directory / "data"), "-m", "fast", "stop"]),
        check=False,
        capture_output=True,
    )


@contextlib.contextmanager
def throwaway() -> Iterator[str]:
    """A cluster for as long as the block runs; its URL."""
    # Not under pytest's own temporary directory: it is closed to the `postgres` user.
    directory = Path(tempfile.mkdtemp(prefix="qorgan-pg-"))
    directory.chmod(0o755)
    try:
        yield start(directory)
    finally:
        stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


def psql(url: str, sql: str, *, fields: bool = False) -> str:
    """Run SQL with psql; its output (`fields`: unaligned, one row a line, cells split by
    the ASCII unit separator)."""
    output = ["-At", "-F", "\x1f"] if fields else ["-q"]
    return subprocess.run(
        [shutil.which("psql") or "psql", *output, "-v", "ON_ERROR_STOP=1", url],
        input=sql,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def migrated_database(server: str, name: str) -> str:
    """A new database with the newest schema, made by `python -m bot migrate`; its URL."""
    psql(server, f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}")
    url = database_url(server, name)
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": url, "BOT_TOKEN": ""},
    )
    return url


def main(argv: list[str]) -> int:
    action, directory = argv[0], Path(argv[1])
    if action == "start":
        print(start(directory))  # noqa: T201 - the URL is this command's output
    else:
        stop(directory)
        time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
