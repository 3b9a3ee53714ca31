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

With a swap server (``run_rounds``) the trace is the env's: per round, a
policy's decisions (rebalances and swaps, decided once from the live state and
carried out on each side by its own ``lngym.policies.Executor``), then the
round's payments one at a time, then blocks mined on both, which end the swaps
whose confirmations are in. A swap's start and its end are steps of their own,
and after each round both sides' confirmed wallets are compared.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lngym.network import failures
from lngym.network.base import (
    PENDING,
    REBALANCE,
    SWAP_IN,
    SWAP_OUT,
    Network,
    PaymentRequest,
    PaymentResult,
    RebalanceSuggestion,
    Snapshot,
    SwapResult,
)
from lngym.network.sim.network import Sim
from lngym.policies import Executor, RebalancePolicy
from lngym.policies.decisions import Decision, Policy, PolicyState, SwapSuggestion

#: Causes of a disagreement, in the order they are checked.
DIVERGED = "balances had already drifted apart"
ROUTE_CHOICE = "another route from the same state"
SAME_ROUTE = "same route, judged differently"
LIVE_ERROR = "live RPC error"
#: A swap's end, as a step kind (its start has the swap's own kind).
SWAP_END = "swap_end"
#: The failure reason of a decision the Executor did not carry out (no funds, refused amount).
SKIPPED = "skipped"


@dataclass(frozen=True)
class Step:
    """One operation of the trace; ``max_fee_sat`` is set for rebalances only.

    A swap's sender is the swapping node and its receiver the server; ``channel``
    is the scenario channel it is pinned to, if any.
    """

    kind: str
    sender: str
    receiver: str
    amount_sat: int
    max_fee_sat: int = 0
    channel: int | None = None


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
        """Both succeeded or both failed (a swap: both in the same state — pending, succeeded,
        failed — and a decision: carried out on both or skipped on both)."""
        return outcome(self.live) == outcome(self.twin)

    def cause(self) -> str:
        """Why the outcomes differ (only meaningful when they do)."""
        if self.live.failure_reason in (failures.NODE_UNREACHABLE, failures.RPC_ERROR):
            return LIVE_ERROR
        if self.drift_before_sat > 0:
            return DIVERGED
        if self.live.route != self.twin.route:
            return ROUTE_CHOICE
        return SAME_ROUTE


def outcome(result: PaymentResult) -> str:
    """What a step came to, in the terms both sides share."""
    if result.failure_reason == SKIPPED:
        return SKIPPED
    if isinstance(result, SwapResult):
        return result.status
    return "succeeded" if result.success else "failed"


def skipped(step: Step, why: str) -> PaymentResult:
    """The result standing for a decision the Executor skipped."""
    return PaymentResult(step.sender, step.receiver, step.amount_sat, success=False, failure_reason=SKIPPED,
                         failure_detail=why, kind=step.kind)


def decision_step(decision: Decision, network: Network) -> Step:
    """The trace step of a policy's decision."""
    if isinstance(decision, SwapSuggestion):
        assert network.scenario.swap is not None
        return Step(decision.kind, decision.node, network.scenario.swap.server, decision.amount_sat,
                    channel=decision.channel)
    return Step(REBALANCE, decision.from_node, decision.to_node, decision.amount_sat)


def step_decision(step: Step) -> Decision:
    """The decision a rebalance or swap step carries out."""
    if step.kind in (SWAP_IN, SWAP_OUT):
        return SwapSuggestion(step.sender, step.kind, step.amount_sat, step.channel)
    return RebalanceSuggestion(step.sender, step.receiver, step.amount_sat)


def drift_sat(live: Snapshot, twin: Snapshot) -> list[int]:
    """Per channel, how far the ``a`` balances of the two snapshots are apart, in sat."""
    return [abs(x.balance_a_sat - y.balance_a_sat) for x, y in zip(live.channels, twin.channels)]


def run_step(network: Network, step: Step, executor: Executor | None = None) -> PaymentResult:
    """Carry one step out on one side: a decision through ``executor`` if given."""
    if executor is not None and step.kind in (REBALANCE, SWAP_IN, SWAP_OUT):
        done = executor.execute([step_decision(step)])
        if done.results:
            return done.results[0]
        return skipped(step, done.skipped[0][1])
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
        #: After each round of ``run_rounds``: (live wallets, twin wallets).
        self.wallets: list[tuple[dict[str, int], dict[str, int]]] = []
        self._executors: tuple[Executor, Executor] | None = None
        self._swaps: dict[str, _SwapPair] = {}  # by live swap id, while one side is pending
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

    def run_rounds(
        self, rounds: Sequence[Sequence[PaymentRequest]], policy: Policy, executors: tuple[Executor, Executor],
        blocks_per_round: int = 1,
    ) -> list[Comparison]:
        """Per round: ``policy``'s decisions for the live state, the payments, then blocks on both."""
        self._executors = executors
        for requests in rounds:
            for decision in policy.decide(PolicyState.of(self.live)):
                self.step(decision_step(decision, self.live))
            for request in requests:
                self.step(Step("payment", request.sender, request.receiver, request.amount_sat))
            self.mine(blocks_per_round)
        return self.comparisons

    def mine(self, blocks: int) -> list[Comparison]:
        """Mine on both; each swap that ended on either side is compared with the other side's
        state of it (ended in the same blocks, or still pending: a disagreement)."""
        drift = max(drift_sat(self._last_live, self.twin.snapshot()), default=0)
        ended_live = {r.swap_id: r for r in self.live.mine(blocks)}
        ended_twin = {r.swap_id: r for r in self.twin.mine(blocks)}
        pending_twin = {r.swap_id: r for r in self.twin.pending_swaps()}
        pending_live = {r.swap_id: r for r in self.live.pending_swaps()}
        compared = []
        for live_id, pair in list(self._swaps.items()):
            if live_id not in ended_live and pair.twin_id not in ended_twin:
                continue
            live = ended_live.get(live_id, pending_live.get(live_id))
            twin = ended_twin.get(pair.twin_id, pending_twin.get(pair.twin_id))
            if live is None or twin is None:  # one side ended it earlier, already compared
                del self._swaps[live_id]
                continue
            step = Step(SWAP_END, pair.step.sender, pair.step.receiver, pair.step.amount_sat, channel=pair.step.channel)
            compared.append(Comparison(step, live, twin, drift))
            if live_id in ended_live and pair.twin_id in ended_twin:
                del self._swaps[live_id]
        self.comparisons += compared
        self._last_live = self.live.snapshot()
        self.wallets.append((self.live.wallet_balances(), self.twin.wallet_balances()))
        return compared

    def rebalance_round(self) -> None:
        """The policy's suggestions for the live state, carried out on both sides."""
        assert self.policy is not None
        for s in self.policy.suggest(self._last_live, self.live.scenario):
            self.step(Step(REBALANCE, s.from_node, s.to_node, s.amount_sat, self.policy.max_fee_sat(s)))

    def step(self, step: Step) -> Comparison:
        """Live first, then the twin at the same moment of the live clock; both snapshots after."""
        drift = max(drift_sat(self._last_live, self.twin.snapshot()), default=0)
        self._live_at = time.monotonic() - self._started
        live_executor, twin_executor = self._executors or (None, None)
        live = run_step(self.live, step, live_executor)
        twin = run_step(self.twin, step, twin_executor)
        if isinstance(live, SwapResult) and isinstance(twin, SwapResult) and live.status == twin.status == PENDING:
            self._swaps[live.swap_id] = _SwapPair(step, twin.swap_id)
        shadow = None
        if self.shadow is not None:
            self.shadow.load_balances(self._last_live)
            shadow = run_step(self.shadow, step)
        self._last_live = self.live.snapshot()
        comparison = Comparison(step, live, twin, drift, shadow)
        self.comparisons.append(comparison)
        return comparison


@dataclass(frozen=True)
class _SwapPair:
    """A swap started on both sides, until both have ended it."""

    step: Step
    twin_id: str


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
    #: Every step (payments, rebalances, swap starts and ends) that ended alike.
    step_agreement: float = 1.0
    swap_starts: int = 0
    swap_start_agreement: float = 1.0
    swap_ends: int = 0
    swap_end_agreement: float = 1.0
    #: Fees of the swaps that ended on both sides, summed: (live, twin), sat.
    swap_fees: dict[str, tuple[float, float]] | None = None
    #: Last wallets compared: per node, live − twin, sat.
    final_wallet_diff: dict[str, int] | None = None

    @property
    def success_gap_points(self) -> float:
        """Live minus twin success rate of payments, in percentage points."""
        return 100 * (self.live_success - self.twin_success)


def summarise(
    comparisons: list[Comparison], live: Snapshot, twin: Snapshot,
    wallets: Sequence[tuple[dict[str, int], dict[str, int]]] = (),
) -> Summary:
    """Agreement, success rates, causes of disagreement and final drift per channel; with
    swaps, their agreement and fees, and the last wallets compared (``Replay.wallets``)."""
    pays = [c for c in comparisons if c.step.kind == "payment"]
    rebs = [c for c in comparisons if c.step.kind == REBALANCE]
    starts = [c for c in comparisons if c.step.kind in (SWAP_IN, SWAP_OUT)]
    ends = [c for c in comparisons if c.step.kind == SWAP_END]
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
        step_agreement=_share(c.agree for c in comparisons),
        swap_starts=len(starts),
        swap_start_agreement=_share(c.agree for c in starts),
        swap_ends=len(ends),
        swap_end_agreement=_share(c.agree for c in ends),
        swap_fees=_swap_fees(ends) if ends else None,
        final_wallet_diff={node: amount - wallets[-1][1].get(node, 0) for node, amount in wallets[-1][0].items()}
        if wallets else None,
    )


def _swap_fees(ends: list[Comparison]) -> dict[str, tuple[float, float]]:
    """Server, miner and routing fees of the swaps both sides ended, summed per side."""
    both = [(c.live, c.twin) for c in ends if isinstance(c.live, SwapResult) and isinstance(c.twin, SwapResult)
            and c.live.status != PENDING and c.twin.status != PENDING]

    def total(part: str) -> tuple[float, float]:
        return sum(_fee(live, part) for live, _ in both), sum(_fee(twin, part) for _, twin in both)

    return {part: total(part) for part in ("server", "miner", "routing")}


def _fee(result: SwapResult, part: str) -> float:
    if part == "server":
        return result.server_fee_sat
    if part == "miner":
        return result.miner_fee_sat
    return result.fee_msat / 1000 - result.server_fee_sat - result.miner_fee_sat


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0
