"""Random Telegram faults, and people who cope with them the way people do.

`Chaos` injects at most one fault on getUpdates and one on a send method before each step
of a person (the fake consumes a planned fault with the next matching call), and counts
the faults the bot really met by reading the fake's record of calls: answers 429 and 5xx
and dropped connections never happen in the fake otherwise, and a slow answer counts once
per delayed call.

`Person` drives a fake user through flows made of steps. A step is an action and the
effect it should have; when the effect is missing (the reply was lost to a fault), the
person does it again, as someone who sees nothing happen presses again; when what they
need to press is nowhere to be seen, they start the flow over (/start, /menu, /report).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fake_telegram import ChatMessage, FakeTelegram, FakeUser

SEND_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery")
FAULT_KINDS = ("429", "5xx", "drop", "slow")
WAIT = 30.0  # seconds an action may take at most (backoff after getUpdates faults included)
TRIES = 4  # presses of the same button before starting the flow over
RESTARTS = 6  # restarts of a flow before the test gives up


class StuckError(Exception):
    """What the person needs to press is not on screen."""


@dataclass
class Chaos:
    fake: FakeTelegram
    rng: random.Random
    get_updates_rate: float = 0.4
    send_rate: float = 0.8
    enabled: bool = True
    planned: Counter[str] = field(default_factory=Counter)
    met: Counter[str] = field(default_factory=Counter)
    _delayed: list[str] = field(default_factory=list)

    def inject(self, *, spare: Sequence[tuple[str, str]] = ()) -> None:
        """Plan random faults for the next calls; `spare` lists (method, kind) pairs that
        must not be injected in this step."""
        if not self.enabled:
            return
        if self.rng.random() < self.get_updates_rate:
            self._plan("getUpdates", self.rng.choice(FAULT_KINDS), spare)
        if self.rng.random() < self.send_rate:
            self._plan(self.rng.choice(SEND_METHODS), self.rng.choice(FAULT_KINDS), spare)

    def _plan(self, method: str, kind: str, spare: Sequence[tuple[str, str]]) -> None:
        if (method, kind) in spare:
            return
        fake = self.fake
        if kind == "429":
            fake.fail_next(method, 429, retry_after=1)
        elif kind == "5xx":
            code = self.rng.choice((500, 502, 503, 504))
            fake.fail_next(method, code, description=f"{code} from the chaos plan")
        elif kind == "drop":
            fake.drop_next(method)
        else:
            fake.delay(method, round(self.rng.uniform(0.2, 0.6), 2))
            self._delayed.append(method)
        self.planned[f"{method} {kind}"] += 1

    def account(self, first_call: int, delay_started: float) -> None:
        """Count the faults met since call number `first_call`, then lift what is left."""
        for call in self.fake.calls[first_call:]:
            if call.dropped:
                self.met[f"{call.method} drop"] += 1
            elif call.status == 429:
                self.met[f"{call.method} 429"] += 1
            elif call.status is not None and call.status >= 500:
                self.met[f"{call.method} 5xx"] += 1
            elif call.method in self._delayed and call.at >= delay_started:
                self.met[f"{call.method} slow"] += 1
        for method in self._delayed:
            self.fake.delay(method, 0)
        self._delayed.clear()
        self.fake.faults.clear()

    @property
    def total(self) -> int:
        return sum(self.met.values())


@dataclass
class Step:
    name: str
    act: Callable[[], Awaitable[object]]
    done: Callable[[], Awaitable[bool]]
    spare: Sequence[tuple[str, str]] = ()


@dataclass
class Tally:
    """What people had to do because of faults."""

    presses_again: int = 0
    restarts: int = 0


class Person:
    def __init__(self, user: FakeUser, chaos: Chaos, tally: Tally) -> None:
        self.user = user
        self.chaos = chaos
        self.tally = tally

    # -- what a person does --------------------------------------------------------------

    async def send(self, text: str) -> None:
        await self.user.send(text, timeout=WAIT)

    async def press(self, label: str) -> None:
        """Press the newest visible button labelled `label` (StuckError if there is none)."""
        message = self.newest_with(label)
        if message is None:
            raise StuckError(label)
        await self.user.click_in(message.message_id, label, timeout=WAIT)

    async def vote(self, option: int) -> None:
        await self.user.answer_poll([option], timeout=WAIT)

    # -- what a person sees --------------------------------------------------------------

    def newest_with(self, label: str) -> ChatMessage | None:
        for message in reversed(self.user.messages):
            if message.from_bot and any(label in row for row in message.buttons):
                return message
        return None

    def sees_button(self, label: str) -> bool:
        return self.newest_with(label) is not None

    def sees_text(self, text: str) -> bool:
        return any(text in m.text for m in self.user.messages if m.from_bot)

    # -- flows -----------------------------------------------------------------------------

    async def flow(self, steps: Sequence[Step]) -> None:
        """Go through the steps; the first one starts the flow (over)."""
        restarts = 0
        index = 0
        while index < len(steps):
            if await self._attempt(steps[index]):
                index += 1
                continue
            restarts += 1
            self.tally.restarts += 1
            if restarts > RESTARTS:
                raise AssertionError(f"{self.user!r} never got through {steps[index].name!r}")
            index = 0

    async def _attempt(self, step: Step) -> bool:
        for attempt in range(TRIES):
            if attempt:
                self.tally.presses_again += 1
            first_call = len(self.chaos.fake.calls)
            delay_started = _now()
            self.chaos.inject(spare=step.spare)
            try:
                await step.act()
            except StuckError:
                return False
            finally:
                self.chaos.account(first_call, delay_started)
            if await step.done():
                return True
        return False


def _now() -> float:
    return time.time()
