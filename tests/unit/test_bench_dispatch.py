"""bench/dispatch.py still runs (a smoke run with few updates; its figures are not checked)."""

from __future__ import annotations

import pytest

from bench.dispatch import run


async def test_the_dispatcher_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    await run(count=20, profile=False)
    printed = capsys.readouterr().out
    for line in ("profile cached", "profile from SQLite", "bare aiogram echo bot"):
        assert line in printed
