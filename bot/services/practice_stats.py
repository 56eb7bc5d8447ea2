"""Statistics of practice for /stats and its CSV: how many ran and finished each simulation,
the share of safe choices on first and on later runs, and the change on each measure of the
check between before and after, each with its sample size.

The same protection as the rest of /stats (services.stats): counts below five are shown as
"<5", a mean of fewer than five answers is hidden, and a breakdown hides more groups when the
hidden ones would add up to fewer than five (so that totals minus the shown groups give
nothing away). The checks before and after are unpaired samples (docs/evaluation.md): the
change is the difference of the two means, not a change of the same people. A quarter of the
stored answers are random (randomised response, services.practice): the means shown are
corrected for it, and shown to one decimal.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.db import Database
from bot.db.repositories import practice as repo
from bot.services.practice import RANDOM_ANSWERS
from bot.services.stats import Average, Cell, protected_averages, suppress

# A breakdown key: (role, region), '' for none; None is everyone in the moderator's scope.
Key = tuple[str, str] | None


@dataclass(frozen=True, slots=True)
class Mean:
    people: int
    mean: float


@dataclass(frozen=True, slots=True)
class SimulationStats:
    simulation_id: str
    started: Cell  # runs begun, first and later
    started_first: Cell  # first runs: people
    finished_first: Cell
    finished_later: Cell
    safe_first: Average  # share of safe choices on first runs (people: finished first runs)
    safe_later: Average


@dataclass(frozen=True, slots=True)
class Change:
    before: Average  # the mean answer (1-5) before, with how many answered
    after: Average

    @property
    def difference(self) -> float | None:
        if self.before.share is None or self.after.share is None:
            return None
        return round(self.after.share - self.before.share, 2)


@dataclass(frozen=True, slots=True)
class CheckStats:
    instrument_id: str
    item_id: str
    by: dict[Key, Change]  # None: everyone in scope; (role, region) groups after it


@dataclass(frozen=True, slots=True)
class PracticeStats:
    simulations: tuple[SimulationStats, ...]
    checks: tuple[CheckStats, ...]


def _true_mean(stored: float) -> float:
    """Undo randomised response: a stored answer is the real one, or with probability
    RANDOM_ANSWERS a uniform 1-5 (mean 3), so stored = (1 - p) * real + p * 3."""
    real = (stored - RANDOM_ANSWERS * 3) / (1 - RANDOM_ANSWERS)
    return min(5.0, max(1.0, real))


def _means(counts: Mapping[tuple[Key, int], int]) -> dict[Key, Mean]:
    """(group, answer value) → count, into each group's estimated real mean."""
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for (key, value), count in counts.items():
        totals[key][0] += count
        totals[key][1] += value * count
    return {key: Mean(n, _true_mean(total / n)) for key, (n, total) in totals.items() if n}


def _changes(
    before: Mapping[tuple[Key, int], int], after: Mapping[tuple[Key, int], int]
) -> dict[Key, Change]:
    nobody = Average(None, suppress(0))

    def protected(counts: Mapping[tuple[Key, int], int]) -> dict[Key, Average]:
        # Everyone, and the groups: two breakdowns, each protected on its own.
        means = _means(counts)
        everyone = {k: m for k, m in means.items() if k is None}
        groups = {k: m for k, m in means.items() if k is not None}
        return protected_averages(everyone) | protected_averages(groups)

    before_avg, after_avg = protected(before), protected(after)
    keys = sorted(set(before_avg) | set(after_avg), key=lambda k: (k is not None, k or ("", "")))
    return {k: Change(before_avg.get(k, nobody), after_avg.get(k, nobody)) for k in keys}


def _with_everyone(
    key: tuple[str, str], value: int, count: int
) -> Iterable[tuple[tuple[Key, int], int]]:
    yield (None, value), count
    yield (key, value), count


class PracticeStatsService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def practice(self, region: str | None) -> PracticeStats:
        async with self._db.transaction() as conn:
            runs = await repo.run_counts(conn, region)
            choices = await repo.choice_counts(conn, region)
            answers = await repo.answer_counts(conn, region)
        return PracticeStats(self._simulations(runs, choices), self._checks(answers))

    @staticmethod
    def _simulations(
        runs: list[repo.RunCount], choices: list[repo.ChoiceCount]
    ) -> tuple[SimulationStats, ...]:
        counted: dict[tuple[str, str, bool], int] = defaultdict(int)
        for run in runs:
            counted[(run.simulation_id, run.event, run.later_run)] += run.count
        safe: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
        for choice in choices:
            safe[(choice.simulation_id, choice.later_run)][0] += choice.count * choice.safe
            safe[(choice.simulation_id, choice.later_run)][1] += choice.count

        def share(simulation: str, later: bool) -> Average:
            finished = counted[(simulation, "finished", later)]
            good, total = safe[(simulation, later)]
            shown = finished >= 5 and total > 0
            return Average(round(good / total, 2) if shown else None, suppress(finished))

        simulations = sorted({r.simulation_id for r in runs} | {c.simulation_id for c in choices})
        return tuple(
            SimulationStats(
                simulation_id=s,
                started=suppress(counted[(s, "started", False)] + counted[(s, "started", True)]),
                started_first=suppress(counted[(s, "started", False)]),
                finished_first=suppress(counted[(s, "finished", False)]),
                finished_later=suppress(counted[(s, "finished", True)]),
                safe_first=share(s, False),
                safe_later=share(s, True),
            )
            for s in simulations
        )

    @staticmethod
    def _checks(answers: list[repo.AnswerCount]) -> tuple[CheckStats, ...]:
        phases: dict[tuple[str, str], dict[str, dict[tuple[Key, int], int]]] = defaultdict(
            lambda: {"pre": defaultdict(int), "post": defaultdict(int)}
        )
        for a in answers:
            for key, count in _with_everyone((a.role, a.region), a.value, a.count):
                phases[(a.instrument_id, a.item_id)][a.phase][key] += count
        return tuple(
            CheckStats(instrument, item, _changes(counts["pre"], counts["post"]))
            for (instrument, item), counts in sorted(phases.items())
        )


def practice_csv(stats: PracticeStats) -> bytes:
    """The aggregates as CSV for a regional council's report: one indicator per row, small
    cells as "<5", hidden means empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "subject", "item", "role", "region", "value", "n"])

    def cell(value: Cell) -> str:
        return "<5" if value is None else str(value)

    def mean(average: Average) -> str:
        return "" if average.share is None else f"{average.share:.1f}"

    for s in stats.simulations:
        for indicator, value in (
            ("runs_started", s.started),
            ("first_runs_started", s.started_first),
            ("first_runs_finished", s.finished_first),
            ("later_runs_finished", s.finished_later),
        ):
            writer.writerow([indicator, s.simulation_id, "", "", "", cell(value), ""])
        for indicator, average in (
            ("safe_share_first", s.safe_first),
            ("safe_share_later", s.safe_later),
        ):
            writer.writerow(
                [indicator, s.simulation_id, "", "", "", mean(average), cell(average.people)]
            )
    for check in stats.checks:
        for key, change in check.by.items():
            role, region = key if key is not None else ("all", "all")
            where = [check.instrument_id, check.item_id, role or "none", region or "none"]
            writer.writerow(
                ["mean_before", *where, mean(change.before), cell(change.before.people)]
            )
            writer.writerow(["mean_after", *where, mean(change.after), cell(change.after.people)])
            difference = change.difference
            writer.writerow(
                ["change", *where, "" if difference is None else f"{difference:.1f}", ""]
            )
    return out.getvalue().encode("utf-8")
