"""Opt-in trouble: injected errors, dropped connections, slow answers, and Telegram's
flood control.

Nothing here is active unless a test asks for it, so a plain fake is a well-behaved
Telegram.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from fake_telegram.errors import ApiError, default_description, too_many_requests


@dataclass(slots=True)
class _FailRule:
    method: str  # lower case
    error: ApiError
    remaining: int
    chat_id: int | None


@dataclass(slots=True)
class FaultPlan:
    """Per-method faults a test asked for."""

    _failures: list[_FailRule] = field(default_factory=list)
    _drops: dict[tuple[str, int | None], int] = field(default_factory=dict)
    _delays: dict[str, float] = field(default_factory=dict)
    _flaky: dict[str, tuple[float, random.Random, float]] = field(default_factory=dict)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` only, if given) fail."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        error = ApiError(
            error_code,
            description or default_description(error_code, retry_after),
            retry_after=retry_after,
        )
        self._failures.append(_FailRule(method.lower(), error, times, chat_id))

    def drop_next(self, method: str, *, times: int = 1, chat_id: int | None = None) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` only, if given) lose their
        connection, unanswered."""
        key = (method.lower(), chat_id)
        self._drops[key] = self._drops.get(key, 0) + times

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` ``seconds`` late (0 removes the delay)."""
        if seconds > 0:
            self._delays[method.lower()] = seconds
        else:
            self._delays.pop(method.lower(), None)

    def flaky(self, method: str, share: float, *, seed: int = 0, slow: float = 1.0) -> None:
        """From now on, a ``share`` of the calls of ``method`` meet a transient fault, drawn
        in turn from: a 500, a 502, a dropped connection, and an answer ``slow`` seconds late
        (which then succeeds). Seeded, so a run can be repeated; 0 switches it off."""
        if share > 0:
            self._flaky[method.lower()] = (share, random.Random(seed), slow)
        else:
            self._flaky.pop(method.lower(), None)

    def clear(self) -> None:
        """Remove every fault."""
        self._failures.clear()
        self._drops.clear()
        self._delays.clear()
        self._flaky.clear()

    # -- used by the server --------------------------------------------------------------

    def delay_for(self, method: str) -> float:
        """How long to hold this call before answering."""
        return self._delays.get(method.lower(), 0.0)

    def take_drop(self, method: str, chat_id: int | None = None) -> bool:
        """Whether this call must be dropped (consumes one planned drop)."""
        for key in ((method.lower(), chat_id), (method.lower(), None)):
            left = self._drops.get(key, 0)
            if left > 0:
                self._drops[key] = left - 1
                return True
        return False

    def take_flaky(self, method: str) -> str | None:
        """The transient fault this call meets, if any: "500", "502", "drop" or "slow"."""
        plan = self._flaky.get(method.lower())
        if plan is None:
            return None
        share, rng, _ = plan
        if rng.random() >= share:
            return None
        return rng.choice(("500", "502", "drop", "slow"))

    def slow_for(self, method: str) -> float:
        plan = self._flaky.get(method.lower())
        return plan[2] if plan is not None else 0.0

    def take_failure(self, method: str, chat_id: int | None) -> ApiError | None:
        """The error this call must get, if one is planned (consumes it)."""
        key = method.lower()
        for rule in self._failures:
            if rule.method == key and rule.chat_id in (None, chat_id):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
                return rule.error
        return None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's documented broadcast limits, with its tolerance for short bursts."""

    per_second: float = 30.0  # messages per second, all chats together
    global_burst: float = 30.0
    private_per_second: float = 1.0  # messages per second to one private chat
    private_burst: float = 3.0
    group_per_minute: float = 20.0  # messages per minute to one group
    group_burst: float = 20.0


@dataclass(slots=True)
class _Bucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` per second."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass(slots=True)
class RateLimiter:
    """Flood control over message-sending methods; answers 429 with ``retry_after``."""

    limits: RateLimits = field(default_factory=RateLimits)
    _global: _Bucket | None = None
    _chats: dict[int, _Bucket] = field(default_factory=dict)

    def check(self, chat_id: int, is_private: bool, now: float) -> None:
        """Count one message to ``chat_id`` or raise 429 when over the limit."""
        limits = self.limits
        if self._global is None:
            self._global = _Bucket(limits.global_burst, limits.per_second, limits.global_burst, now)
        chat = self._chats.get(chat_id)
        if chat is None:
            if is_private:
                chat = _Bucket(
                    limits.private_burst, limits.private_per_second, limits.private_burst, now
                )
            else:
                chat = _Bucket(
                    limits.group_burst, limits.group_per_minute / 60, limits.group_burst, now
                )
            self._chats[chat_id] = chat
        wait = max(self._global.wait_time(now), chat.wait_time(now))
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._global.take()
        chat.take()
