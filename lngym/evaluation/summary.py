"""Per-policy figures over episodes: success with its 95 % CI, the paired difference, fees, failures.

Only complete episodes enter the intervals, and a paired difference uses only
the seeds both policies completed, so a node that died in one policy's episode
cannot make another policy look better or worse; ``marked`` says how many were
left out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lngym.evaluation.episodes import FEE_KINDS, EpisodeResult
from lngym.evaluation.intervals import Interval, mean_interval


@dataclass(frozen=True)
class PolicySummary:
    """One row of the evaluation table (success and differences in percentage points)."""

    policy: str
    episodes: int
    marked: int
    success: Interval
    difference: Interval | None  # to the first policy, paired by seed; None for the first policy itself
    fees: dict[str, float]       # mean per episode, by kind
    volume_sat: float            # mean per episode
    actions: float               # mean per episode
    failures: dict[str, int]     # total over complete episodes, by LND reason

    @property
    def fee_sat(self) -> float:
        return sum(self.fees.values())


def summarize(results: Mapping[str, Sequence[EpisodeResult]]) -> list[PolicySummary]:
    """A summary per policy, in the order given; the first policy is the reference of the differences."""
    reference = next(iter(results), None)
    reference_by_seed = {e.seed: e for e in results.get(reference, ()) if e.complete} if reference else {}
    rows = []
    for policy, episodes in results.items():
        done = [e for e in episodes if e.complete]
        difference = None
        if policy != reference:
            pairs = [(e, reference_by_seed[e.seed]) for e in done if e.seed in reference_by_seed]
            difference = mean_interval([100 * (e.success - r.success) for e, r in pairs])
        failures: Counter[str] = Counter()
        for e in done:
            failures.update(e.failures)
        rows.append(PolicySummary(
            policy=policy, episodes=len(done), marked=len(episodes) - len(done),
            success=mean_interval([e.success for e in done]).scaled(100), difference=difference,
            fees={kind: _mean([e.fee(kind) for e in done]) for kind in FEE_KINDS},
            volume_sat=_mean([e.volume_sat for e in done]), actions=_mean([e.actions for e in done]),
            failures=dict(failures.most_common()),
        ))
    return rows


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")
