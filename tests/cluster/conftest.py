"""A cluster per test: two webhook replicas and workers on PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram

from tests.cluster.harness import Cluster


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(timeout=30.0) as server:
        yield server
        assert server.violations == []


@pytest.fixture
async def cluster(
    fake: FakeTelegram, tmp_path: Path, postgres_url: str, redis_url: str
) -> AsyncIterator[Cluster]:
    running = Cluster(fake, tmp_path, postgres_url, redis_url, BROADCAST_RATE="30")
    try:
        yield running
    finally:
        await running.stop()  # whatever happened, no child outlives the test
