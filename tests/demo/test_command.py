"""`python -m bot demo`: starts, prints its address, serves the page, and stops cleanly on
SIGTERM; refuses a non-loopback host and the bot's own database."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.__main__ import main

PROJECT = Path(__file__).resolve().parents[2]
SETTING_NAMES = ("BOT_TOKEN", "DATABASE_PATH", "ADMIN_IDS", "MODERATOR_CHAT_ID", "BOT_API_URL")


def test_demo_runs_until_sigterm_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    database = tmp_path / "demo.sqlite3"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0", "--database", str(database)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        with urllib.request.urlopen(match.group(0) + "api/config", timeout=5) as response:  # noqa: S310 - our own local server
            assert response.status == 200
        assert database.exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_demo_serves_loopback_only() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--host", "0.0.0.0"])  # noqa: S104 - what is being refused
    assert exit_info.value.code == 2


def test_demo_refuses_the_bots_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "bot.sqlite3"))
    assert main(["demo", "--database", str(tmp_path / "bot.sqlite3")]) == 2
    assert "DATABASE_PATH" in capsys.readouterr().err
    assert not (tmp_path / "bot.sqlite3").exists()
