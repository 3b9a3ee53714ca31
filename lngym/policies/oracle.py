"""A lookahead oracle for benchmarks: it is shown the next steps' payments and tries actions on forks.

At each step it forks the twin once per candidate decision list, carries the
candidate out on the fork, plays the next ``horizon`` steps' actual payments
(mining ``blocks_per_step`` blocks after each) with no further decisions, and
keeps the candidate with the best reward over that window (ties go to the
earlier candidate, so doing nothing wins a tie). Candidates are doing nothing,
every action the env allows now, and what the heuristics would do. It knows
the future, so no deployable policy can match it: it marks the ceiling of what
a learner could gain on a scenario, not a baseline to deploy. Twin only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lngym.network.base import PENDING, PaymentRequest, SwapResult
from lngym.network.sim.network import Sim
from lngym.policies.decisions import Decision, PolicyState
from lngym.policies.executor import Executor

Candidates = Callable[[PolicyState], list[list[Decision]]]


class LookaheadOracle:
    """Picks, among ``candidates(state)``, the decisions with the best reward over the known future."""

    name = "oracle"

    def __init__(
        self,
        twin: Sim,
        peek: Callable[[int], list[list[PaymentRequest]]],
        candidates: Candidates,
        horizon: int = 6,
        blocks_per_step: int = 1,
        fee_weight: float = 1.0,
        executor: Callable[[Sim], Executor] = Executor,
    ) -> None:
        self.twin = twin
        self.peek = peek
        self.candidates = candidates
        self.horizon = horizon
        self.blocks_per_step = blocks_per_step
        self.fee_weight = fee_weight
        self.executor = executor

    def decide(self, state: PolicyState) -> list[Decision]:
        """The best-scoring candidate over the next ``horizon`` steps."""
        future = self.peek(self.horizon)
        best: list[Decision] = []
        best_score = float("-inf")
        seen: set[tuple[Decision, ...]] = set()
        for candidate in [[], *self.candidates(state)]:
            key = tuple(candidate)
            if key in seen:
                continue
            seen.add(key)
            score = self.score(candidate, future)
            if score > best_score + 1e-12:
                best, best_score = candidate, score
        return best

    def score(self, decisions: Sequence[Decision], future: list[list[PaymentRequest]]) -> float:
        """Success rate minus fee_weight × fees / volume over ``future``, on a fork."""
        fork = self.twin.fork()
        executed = self.executor(fork).execute(decisions)
        fees = sum(r.fee_msat for r in executed.results if r.success and not isinstance(r, SwapResult)) / 1000
        fees += sum(r.fee_sat for r in executed.results if isinstance(r, SwapResult) and r.status != PENDING)
        ok = tried = volume = 0
        for requests in future:
            for result in fork.pay_many(requests):
                ok += result.success
                volume += result.amount_sat
            tried += len(requests)
            if fork.scenario.swap is not None:
                fees += sum(s.fee_sat for s in fork.mine(self.blocks_per_step))
        return ok / max(tried, 1) - self.fee_weight * fees / max(volume, 1)
