"""Practice: chat simulations, and the anonymous evaluation around them (docs/evaluation.md).

What is stored about a person: how many times they ran each simulation (`practice_runs`, so
that a run counts as a first or a later one), deleted with their profile. What they chose and
how they answered the checks before and after is never stored with them: it is added to
counters (simulation, step, choice; item, answer; role, region, week). Those counters are held
in this process's memory, per simulation, until at least `BATCH_PEOPLE` different people have
added to that simulation's, then written in one transaction, all dated the week of the write;
a region (or a role) is written only where at least five of those people share it, otherwise
none is. So no row, no write, no order of writes and no date on disk can be matched to one
person's run, even by someone who compares two copies of the database and knows everyone's
region from the users table. The price: a stop loses what fewer than five people added since
the last write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import Database
from bot.db.repositories import practice as repo
from bot.db.repositories.stats import week_start
from bot.domain import Profile
from bot.services.content import Library
from bot.services.content.models import Instrument, Simulation

logger = logging.getLogger(__name__)

TYPING_SECONDS = 1.2
BATCH_PEOPLE = 5  # as the "<5" rule of statistics: fewer could point at someone
# The share of check answers stored as a random value (randomised response, Warner 1965).
RANDOM_ANSWERS = 0.25
PHASES = ("pre", "post")


@dataclass(frozen=True, slots=True)
class Step:
    """A choice a person made: which step, which reply, and whether it was a safe move."""

    step_id: str
    choice_id: str
    safe: bool


# The counter tables (repo.COUNTERS).
RUNS, CHOICES, ANSWERS, COURSES = "runs", "choices", "answers", "courses"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One count: the key's columns before (role, region, week) and after them."""

    table: str
    before: tuple[Any, ...]
    after: tuple[Any, ...]
    person: bytes


class AnonymousTally:
    """Counters of one stream at a time (a simulation's starts, its finished runs with their
    choices, its answers before, its answers after) that reach the database only together
    with at least `batch` different people's contributions to that same stream, all with the
    same period (when they are written), and with a region or a role only where at least
    `batch` of those people share it (else '')."""

    def __init__(self, batch: int = BATCH_PEOPLE) -> None:
        self.batch = batch
        self._entries: dict[str, list[_Entry]] = defaultdict(list)
        # Who added (a keyed hash of the chat, the key never leaving this object) and their
        # role and region: in memory only, never written; no chat id is kept even here.
        self._who: dict[str, dict[bytes, tuple[str, str]]] = defaultdict(dict)
        self._key = secrets.token_bytes(32)

    def _person(self, chat_id: int) -> bytes:
        return hashlib.blake2b(str(chat_id).encode(), key=self._key, digest_size=16).digest()

    def people(self, subject: str) -> int:
        return len(self._who.get(subject, {}))

    def add(
        self, subject: str, table: str, key: tuple[tuple[Any, ...], tuple[Any, ...]], who: Profile
    ) -> None:
        before, after = key
        person = self._person(who.chat_id)
        self._entries[subject].append(_Entry(table, before, after, person))
        role = who.role.value if who.role is not None else ""
        self._who[subject][person] = (role, who.region or "")

    def ready(self, subject: str) -> bool:
        return self.people(subject) >= self.batch

    def _generalised(
        self, who: dict[bytes, tuple[str, str]], column: int
    ) -> dict[bytes, tuple[str, str]]:
        """A value shared by fewer than `batch` people becomes ''; and if the people left
        under '' are fewer than `batch` (the one person from a small region, who would then
        be told apart by elimination), the column becomes '' for everyone."""
        shared = Counter(values[column] for values in who.values())
        kept = {v for v, n in shared.items() if v and n >= self.batch}
        unnamed = sum(n for v, n in shared.items() if v not in kept)
        if 0 < unnamed < self.batch:
            kept = set()

        def general(values: tuple[str, str]) -> tuple[str, str]:
            changed = list(values)
            changed[column] = values[column] if values[column] in kept else ""
            return changed[0], changed[1]

        return {p: general(values) for p, values in who.items()}

    def take(self, subject: str, week: dt.date) -> dict[str, Counter[tuple[Any, ...]]]:
        """The subject's counts, generalised (see the class), and forgotten here."""
        who = self._who.pop(subject, {})
        entries = self._entries.pop(subject, [])
        who = {p: (role, region) for p, (role, region) in who.items()}
        for column in (1, 0):  # regions first, then roles
            who = self._generalised(who, column)
        counts: dict[str, Counter[tuple[Any, ...]]] = defaultdict(Counter)
        for entry in entries:
            counts[entry.table][(*entry.before, *who[entry.person], week, *entry.after)] += 1
        return counts


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
        self.rng: random.Random = random.SystemRandom()
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
        stream = f"{simulation.id}:started"
        self.tally.add(stream, RUNS, ((simulation.id, "started", later), ()), profile)
        await self._added(stream)
        return later

    async def finish(
        self, profile: Profile, simulation: Simulation, later: bool, path: Sequence[Step]
    ) -> None:
        """A run reached an ending: count it and the choices made on the way."""
        stream = f"{simulation.id}:finished"
        self.tally.add(stream, RUNS, ((simulation.id, "finished", later), ()), profile)
        for step in path:
            before = (simulation.id, step.step_id, step.choice_id, later)
            self.tally.add(stream, CHOICES, (before, (step.safe,)), profile)
        await self._added(stream)

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
        stream = f"{subject}:{phase}"
        for item_id, value in answers.items():
            if item_id in known and 1 <= value <= 5:
                key = (instrument.id, subject, phase, item_id, self._randomised(value))
                self.tally.add(stream, ANSWERS, (key, ()), profile)
        await self._added(stream)

    def _randomised(self, value: int) -> int:
        """Randomised response: with probability RANDOM_ANSWERS an answer is stored as a
        uniformly random 1-5 instead, so that no stored answer (nor one worked out by
        comparing two exports) can be held against anyone; /stats corrects the means."""
        if self.rng.random() < RANDOM_ANSWERS:
            return self.rng.randint(1, 5)
        return value

    async def count(
        self,
        stream: str,
        counts: Sequence[tuple[str, tuple[tuple[Any, ...], tuple[Any, ...]]]],
        who: Profile,
    ) -> None:
        """Add a person's counts (table, key) to `stream` in memory, all before the stream may
        be written: a batch then holds all of each of its five people's counts, never a fifth
        person's first count without the rest."""
        for table, key in counts:
            self.tally.add(stream, table, key, who)
        await self._added(stream)

    async def _added(self, subject: str) -> None:
        if self.tally.ready(subject):
            await self.flush(subject)

    async def flush(self, subject: str) -> None:
        """Write what the tally holds for `subject`, if enough people added to it."""
        if not self.tally.ready(subject):
            return
        people = self.tally.people(subject)
        counts = self.tally.take(subject, week_start(self._today()))
        try:
            async with self._db.transaction() as conn:
                await repo.add_counts(conn, counts)
        except Exception:
            # Not kept for a retry: the batch is lost rather than written with fewer people.
            logger.exception("Could not write the practice counters of %d people", people)
            raise
