"""A clock tests set by hand: services take `now`/`today` callables, so time is injected."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Clock(Generic[T]):
    def __init__(self, now: T) -> None:
        self.now = now

    def __call__(self) -> T:
        return self.now
