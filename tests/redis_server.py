"""A throwaway Redis for the tests: Debian's redis-server, 127.0.0.1 only, configured as
docs/deploy.md asks of production (nothing written to disk), stopped at the end.

`.ci/run` starts one for the whole run (`python -m tests.redis_server start DIR` prints its
URL) and exports it as QORGAN_TEST_REDIS; without that, the suite starts its own when the
binary is installed, and skips the Redis tests otherwise, naming the install command.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

INSTALL_HINT = "sudo apt-get install redis-server (then run the tests again)"
# What docs/deploy.md asks of the Redis that holds drafts: no snapshot, no append-only file.
NO_PERSISTENCE = ("--save", "", "--appendonly", "no")


def installed() -> bool:
    return shutil.which("redis-server") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(directory: Path) -> str:
    """Start a server whose files (pid, log) live in `directory`; return its URL."""
    if not installed():
        raise RuntimeError(f"Redis is not installed: {INSTALL_HINT}")
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    subprocess.run(
        [
            *("redis-server", "--bind", "127.0.0.1", "--port", str(port)),
            *("--daemonize", "yes", "--dir", str(directory)),
            *("--pidfile", str(directory / "redis.pid"), "--logfile", str(directory / "log")),
            *NO_PERSISTENCE,
            *("--databases", "64"),
        ],
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start; see " + str(directory / "log"))


def stop(directory: Path) -> None:
    pid_file = directory / "redis.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.05)


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(where))  # noqa: T201 - the URL is this command's output
    else:
        stop(where)
