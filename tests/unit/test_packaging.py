"""The project's wheel holds the bot alone, with what it needs to run outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_the_wheel_is_the_bot_with_its_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path),
            str(PROJECT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("qorgan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if "/" in name} == {
        "bot",
        f"{wheel.name.removesuffix('-py3-none-any.whl')}.dist-info",
    }
    for needed in (
        "bot/migrations/env.py",
        "bot/migrations/versions/0001_baseline.py",
        "bot/migrations/legacy/0001_init.sql",
        "bot/locales/kk/LC_MESSAGES/messages.mo",
        "bot/locales/ru/LC_MESSAGES/messages.mo",
        "bot/content/topics.yaml",
    ):
        assert needed in names
    assert not [n for n in names if "fake_telegram" in n or "qorgan_demo" in n]
