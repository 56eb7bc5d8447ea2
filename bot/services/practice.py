"""Practice: chat simulations, and the anonymous evaluation around them (docs/evaluation.md).

What is stored about a person: how many times they ran each simulation (`practice_runs`, so
that a run counts as a first or a later one), deleted with their profile. What they chose and
how they answered the checks before and after is never stored with them: it is added to
counters (simulation, step, choice; item, answer; role, region, week), and those counters are
held in this process's memory until at least `BATCH_PEOPLE` different people have added to
them, then written in one transaction. So no row, no write and no order of writes on disk
can be matched to one person's run, even by someone who reads the database's pages and its
write-ahead log between two writes. The price: a stop loses what fewer than five people added
since the last write.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Database
from bot.db.repositories import practice as repo
from bot.domain import Profile
from bot.services.content import Library
from bot.services.content.models import Instrument, Simulation

logger = logging.getLogger(__name__)

TYPING_SECONDS = 1.2
BATCH_PEOPLE = 5  # as the "<5" rule of statistics: fewer could point at someone
PHASES = ("pre", "post")


@dataclass(frozen=True, slots=True)
class Step:
    """A choice a person made: which step, which reply, and whether it was a safe move."""

    step_id: str
    choice_id: str
    safe: bool


class AnonymousTally:
    """Counters that reach the database only together with at least `batch` people's."""

    def __init__(self, batch: int = BATCH_PEOPLE) -> None:
        self.batch = batch
        self.runs: Counter[tuple[Any, ...]] = Counter()
        self.choices: Counter[tuple[Any, ...]] = Counter()
        self.answers: Counter[tuple[Any, ...]] = Counter()
        # Who added since the last write: in memory only, to count people, never written.
        self._people: set[int] = set()

    @property
    def people(self) -> int:
        return len(self._people)

    def added_by(self, chat_id: int) -> None:
        self._people.add(chat_id)

    def ready(self) -> bool:
        return len(self._people) >= self.batch

    def take(self) -> tuple[Counter[tuple[Any, ...]], ...]:
        taken = (self.runs, self.choices, self.answers)
        self.runs, self.choices, self.answers = Counter(), Counter(), Counter()
        self._people = set()
        return taken


def _where(profile: Profile, today: dt.date) -> tuple[str, str, dt.date]:
    role = profile.role.value if profile.role is not None else ""
    return role, profile.region or "", repo.week_of(today)


class PracticeService:
    def __init__(
        self,
        db: Database,
        library: Library,
        today: Callable[[], dt.date],
        tally: AnonymousTally | None = None,
    ) -> None:
        self._db, self._library, self._today = db, library, today
        self.tally = tally or AnonymousTally()
        # The pause, with "typing…", before each of the other person's messages: it reads
        # like a chat and keeps under Telegram's pace of about one message a second per chat.
        self.typing_seconds = TYPING_SECONDS

    def simulations_for(self, profile: Profile) -> tuple[Simulation, ...]:
        return self._library.simulations_for(profile.role)

    def instrument_of(self, simulation: Simulation) -> Instrument:
        instrument = self._library.instrument(simulation.check)
        assert instrument is not None  # the loader checked it
        return instrument

    async def begin(self, profile: Profile, simulation: Simulation) -> bool:
        """Count the start of a run; True if the person ran this simulation before."""
        async with self._db.transaction() as conn:
            earlier = await repo.add_run(conn, profile.chat_id, simulation.id)
        later = earlier > 0
        where = _where(profile, self._today())
        self.tally.runs[(simulation.id, "started", later, *where)] += 1
        await self._added(profile.chat_id)
        return later

    async def finish(
        self, profile: Profile, simulation: Simulation, later: bool, path: Sequence[Step]
    ) -> None:
        """A run reached an ending: count it and the choices made on the way."""
        where = _where(profile, self._today())
        self.tally.runs[(simulation.id, "finished", later, *where)] += 1
        for step in path:
            key = (simulation.id, step.step_id, step.choice_id, later, *where, step.safe)
            self.tally.choices[key] += 1
        await self._added(profile.chat_id)

    async def answered(
        self,
        profile: Profile,
        instrument: Instrument,
        subject: str,
        phase: str,
        answers: Mapping[str, int],
    ) -> None:
        """A check before or after (`phase`) was answered: count each answer, unlinked."""
        assert phase in PHASES
        known = {item.id for item in instrument.items}
        where = _where(profile, self._today())
        for item_id, value in answers.items():
            if item_id in known and 1 <= value <= 5:
                self.tally.answers[(instrument.id, subject, phase, item_id, value, *where)] += 1
        await self._added(profile.chat_id)

    async def _added(self, chat_id: int) -> None:
        self.tally.added_by(chat_id)
        if self.tally.ready():
            await self.flush()

    async def flush(self) -> None:
        """Write what the tally holds, if enough people added to it (see the module)."""
        if not self.tally.ready():
            return
        people = self.tally.people
        runs, choices, answers = self.tally.take()
        try:
            async with self._db.transaction() as conn:
                await repo.add_counts(conn, runs, choices, answers)
        except Exception:
            logger.exception("Could not write the practice counters of %d people", people)
            self.tally.runs.update(runs)  # kept for the next write (the people count restarts)
            self.tally.choices.update(choices)
            self.tally.answers.update(answers)
            raise
