"""A lookahead oracle for benchmarks: shown the next steps' payments, it tries actions on forks.

Rollout in Bertsekas' sense, with the future known: at each step it forks the
twin once per candidate decision list, carries the candidate out on the fork,
then plays the next ``horizon`` steps' actual payments (mining
``blocks_per_step`` blocks after each) with ``base`` — a heuristic — deciding
every later step, and keeps the candidate under which most of the window's
payments succeed (ties go to the earlier candidate). Candidates are, in this
order, what ``base`` would do — so the oracle departs from it only where that
saves payments in the window —, doing nothing, and whatever
``candidates(state)`` adds (every action the env allows now, in the benchmark).
Since what ``base`` would do is always a candidate, the oracle does at least
as well as ``base`` over each window; it gains by acting earlier or otherwise
where the future says it pays. Swap fees come out of ``base``'s own fee
budget, so the oracle does not win by spending more than the heuristic may.
Fees do not enter the choice otherwise: scored on the window's reward, cheaper
swaps that replace the rollout's later ones win every window and spend the
budget early (measured: the whole 100-block budget of the merchants scenario
gone by step 60).

It knows the future, so no deployable policy can match it: it marks the ceiling
of what a learner could gain on a scenario, not a baseline. Twin only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from lngym.network.base import PaymentRequest
from lngym.network.sim.network import Sim
from lngym.policies.autoloop import FeeBudget
from lngym.policies.decisions import Decision, Policy, PolicyState, SwapSuggestion
from lngym.policies.executor import Executor

Candidates = Callable[[PolicyState], list[list[Decision]]]


class LookaheadOracle:
    """Picks the candidate decisions with the best reward over the known next ``horizon`` steps."""

    name = "oracle"

    def __init__(
        self,
        twin: Sim,
        peek: Callable[[int], list[list[PaymentRequest]]],
        base: Policy,
        candidates: Candidates | None = None,
        horizon: int = 10,
        blocks_per_step: int = 1,
        executor: Callable[[Sim], Executor] = Executor,
    ) -> None:
        self.twin = twin
        self.peek = peek
        self.base = base
        self.candidates = candidates
        self.horizon = horizon
        self.blocks_per_step = blocks_per_step
        self.executor = executor
        budget = getattr(base, "budget", None)
        self.budget: FeeBudget | None = budget if isinstance(budget, FeeBudget) else None

    def decide(self, state: PolicyState) -> list[Decision]:
        """The best-scoring candidate over the next ``horizon`` steps."""
        future = self.peek(self.horizon)
        left = self.budget.left(state.height) if self.budget is not None else None
        # What base would do, asked of a copy so that asking spends nothing of its budget.
        proposals = [copy.deepcopy(self.base).decide(state), []]
        if self.candidates is not None:
            proposals += self.candidates(state)
        best: list[Decision] = []
        best_score = -1
        seen: set[tuple[Decision, ...]] = set()
        for candidate in proposals:
            key = tuple(candidate)
            if key in seen or (left is not None and swap_fees(state, candidate) > left):
                continue
            seen.add(key)
            score = self.score(state, candidate, future)
            if score > best_score:
                best, best_score = candidate, score
        if self.budget is not None and best:
            self.budget.spend(state.height, swap_fees(state, best))
        return best

    def score(self, state: PolicyState, decisions: Sequence[Decision], future: list[list[PaymentRequest]]) -> int:
        """Payments of ``future`` that succeed with ``decisions`` now and ``base`` after."""
        fork = self.twin.fork()
        executor = self.executor(fork)
        rollout = copy.deepcopy(self.base)
        if self.budget is not None and isinstance(getattr(rollout, "budget", None), FeeBudget):
            rollout.budget.spend(state.height, swap_fees(state, decisions))  # type: ignore[attr-defined]
        executor.execute(decisions)
        ok = 0
        for step, requests in enumerate(future):
            if step > 0:
                executor.execute(rollout.decide(PolicyState.of(fork)))
            ok += sum(result.success for result in fork.pay_many(requests))
            if fork.scenario.swap is not None:
                fork.mine(self.blocks_per_step)
        return ok


def swap_fees(state: PolicyState, decisions: Sequence[Decision]) -> int:
    """The quoted server + miner fees of the swaps among ``decisions``."""
    service = state.scenario.swap
    if service is None:
        return 0
    return sum(service.quoted_fee_sat(d.amount_sat)
               for d in decisions if isinstance(d, SwapSuggestion))

