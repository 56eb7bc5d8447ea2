"""The flood gate: a few updates a second pass, the rest are dropped after one warning."""

from __future__ import annotations

from bot.middlewares.throttling import FloodGate
from tests.clock import Clock


async def test_updates_within_the_limit_pass() -> None:
    gate = FloodGate(limit=3, clock=Clock(100.0))
    assert [await gate.admit(1) for _ in range(3)] == [(True, False)] * 3


async def test_flood_is_dropped_after_one_warning() -> None:
    gate = FloodGate(limit=3, clock=Clock(100.0))
    results = [await gate.admit(1) for _ in range(6)]
    assert results[3] == (False, True)
    assert results[4:] == [(False, False), (False, False)]


async def test_users_are_limited_separately() -> None:
    gate = FloodGate(limit=1, clock=Clock(100.0))
    assert await gate.admit(1) == (True, False)
    assert await gate.admit(2) == (True, False)


async def test_the_window_slides() -> None:
    clock = Clock(100.0)
    gate = FloodGate(limit=2, clock=clock)
    await gate.admit(1)
    await gate.admit(1)
    assert await gate.admit(1) == (False, True)
    clock.now += 1.0
    assert await gate.admit(1) == (True, False)
    # A new flood warns again.
    await gate.admit(1)
    assert await gate.admit(1) == (False, True)


async def test_idle_users_are_forgotten_when_the_table_grows() -> None:
    clock = Clock(100.0)
    gate = FloodGate(limit=1, clock=clock)
    for user_id in range(10_002):
        await gate.admit(user_id)
    clock.now += 5
    await gate.admit(-1)
    assert await gate.admit(0) == (True, False)
