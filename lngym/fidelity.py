"""Replaying one trace on a live network and on its twin, step by step, and comparing.

Used by ``benchmarks/fidelity.py`` (1,000+ payments) and the live fidelity test
(a few dozen). Steps run one at a time on both sides, live first, so the order
is identical; the twin's mission control is timed by the live run's clock, and a
rebalance round (every ``rebalance_every`` payments) is decided once, from the
live snapshot, and carried out on both sides, so both see the very same trace.
After each step both snapshots are taken, so a disagreement can be put down to
a cause: balances that had already drifted apart, a different choice among
routes from the same state, or the same route judged differently.

An optional ``shadow`` twin is put back to the live balances before every step
(keeping what its mission control learned): its agreement measures the model one
payment at a time, without the drift that one different route choice starts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from lngym.network import failures
from lngym.network.base import (
    REBALANCE,
    Network,
    PaymentRequest,
    PaymentResult,
    Snapshot,
)
from lngym.network.sim.network import Sim
from lngym.policies import RebalancePolicy

#: Causes of a disagreement, in the order they are checked.
DIVERGED = "balances had already drifted apart"
ROUTE_CHOICE = "another route from the same state"
SAME_ROUTE = "same route, judged differently"
LIVE_ERROR = "live RPC error"


@dataclass(frozen=True)
class Step:
    """One operation of the trace; ``max_fee_sat`` is set for rebalances only."""

    kind: str
    sender: str
    receiver: str
    amount_sat: int
    max_fee_sat: int = 0


@dataclass(frozen=True)
class Comparison:
    """One step's outcome on both sides and how far apart the channels were before it."""

    step: Step
    live: PaymentResult
    twin: PaymentResult
    drift_before_sat: int
    shadow: PaymentResult | None = None

    @property
    def agree(self) -> bool:
        """Both succeeded or both failed."""
        return self.live.success == self.twin.success

    def cause(self) -> str:
        """Why the outcomes differ (only meaningful when they do)."""
        if self.live.failure_reason in (failures.NODE_UNREACHABLE, failures.RPC_ERROR):
            return LIVE_ERROR
        if self.drift_before_sat > 0:
            return DIVERGED
        if self.live.route != self.twin.route:
            return ROUTE_CHOICE
        return SAME_ROUTE


def drift_sat(live: Snapshot, twin: Snapshot) -> list[int]:
    """Per channel, how far the ``a`` balances of the two snapshots are apart, in sat."""
    return [abs(x.balance_a_sat - y.balance_a_sat) for x, y in zip(live.channels, twin.channels)]


def run_step(network: Network, step: Step) -> PaymentResult:
    """Carry one step out on one side."""
    if step.kind == REBALANCE:
        return network.rebalance(step.sender, step.receiver, step.amount_sat, step.max_fee_sat)
    return network.pay(step.sender, step.receiver, step.amount_sat, description=step.kind)


class Replay:
    """Drives the trace on both sides and keeps every comparison."""

    def __init__(self, live: Network, twin: Sim, policy: RebalancePolicy | None = None,
                 rebalance_every: int = 0, shadow: Sim | None = None) -> None:
        self.live, self.twin, self.shadow = live, twin, shadow
        self.policy, self.rebalance_every = policy, rebalance_every
        self.comparisons: list[Comparison] = []
        self._started = time.monotonic()
        self._live_at = 0.0
        for sim in (twin, shadow):
            if sim is not None:  # mission control ages failures on the live run's clock
                sim.engine.clock = lambda: self._live_at
        self._last_live = live.snapshot()

    def run(self, requests: Iterable[PaymentRequest]) -> list[Comparison]:
        """Every payment, with a rebalance round after each ``rebalance_every`` of them."""
        for count, request in enumerate(requests, start=1):
            self.step(Step("payment", request.sender, request.receiver, request.amount_sat))
            if self.policy is not None and self.rebalance_every and count % self.rebalance_every == 0:
                self.rebalance_round()
        return self.comparisons

    def rebalance_round(self) -> None:
        """The policy's suggestions for the live state, carried out on both sides."""
        assert self.policy is not None
        for s in self.policy.suggest(self._last_live, self.live.scenario):
            self.step(Step(REBALANCE, s.from_node, s.to_node, s.amount_sat, self.policy.max_fee_sat(s)))

    def step(self, step: Step) -> Comparison:
        """Live first, then the twin at the same moment of the live clock; both snapshots after."""
        drift = max(drift_sat(self._last_live, self.twin.snapshot()), default=0)
        self._live_at = time.monotonic() - self._started
        live = run_step(self.live, step)
        twin = run_step(self.twin, step)
        shadow = None
        if self.shadow is not None:
            self.shadow.load_balances(self._last_live)
            shadow = run_step(self.shadow, step)
        self._last_live = self.live.snapshot()
        comparison = Comparison(step, live, twin, drift, shadow)
        self.comparisons.append(comparison)
        return comparison


@dataclass(frozen=True)
class Summary:
    """The fidelity figures of one replay."""

    steps: int
    payments: int
    payment_agreement: float
    live_success: float
    twin_success: float
    rebalances: int
    rebalance_agreement: float
    route_agreement: float
    causes: dict[str, int]
    final_drift_pct: list[float]
    shadow_agreement: float | None = None
    shadow_route_agreement: float | None = None

    @property
    def success_gap_points(self) -> float:
        """Live minus twin success rate of payments, in percentage points."""
        return 100 * (self.live_success - self.twin_success)


def summarise(comparisons: list[Comparison], live: Snapshot, twin: Snapshot) -> Summary:
    """Agreement, success rates, causes of disagreement and final drift per channel."""
    pays = [c for c in comparisons if c.step.kind != REBALANCE]
    rebs = [c for c in comparisons if c.step.kind == REBALANCE]
    both_ok = [c for c in comparisons if c.live.success and c.twin.success]
    shadowed = [(c.live, c.shadow) for c in pays if c.shadow is not None]
    shadow_ok = [(live, shadow) for live, shadow in shadowed if live.success and shadow.success]
    return Summary(
        steps=len(comparisons),
        payments=len(pays),
        payment_agreement=_share(c.agree for c in pays),
        live_success=_share(c.live.success for c in pays),
        twin_success=_share(c.twin.success for c in pays),
        rebalances=len(rebs),
        rebalance_agreement=_share(c.agree for c in rebs),
        route_agreement=_share(c.live.route == c.twin.route for c in both_ok),
        causes=dict(Counter(c.cause() for c in comparisons if not c.agree)),
        final_drift_pct=[100 * d / ch.capacity_sat for d, ch in zip(drift_sat(live, twin), live.channels)],
        shadow_agreement=_share(a.success == b.success for a, b in shadowed) if shadowed else None,
        shadow_route_agreement=_share(a.route == b.route for a, b in shadow_ok) if shadowed else None,
    )


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0
