"""Carrying decisions out: the one place that turns rebalance and swap suggestions into calls.

The env, ``lngym simulate``, the benchmarks and the bridge all go through
``Executor``, so a policy's decisions cost the same fees and meet the same
refusals wherever it runs. A decision the network's state rules out now (a swap
without the funds for it, an amount the server refuses) is skipped with its
reason rather than raised: policies and agents propose from a state that may
have moved, and one stale proposal must not end an episode.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lngym.errors import InsufficientFundsError, InvalidAmountError
from lngym.network.base import (
    PENDING,
    SWAP_IN,
    Network,
    PaymentResult,
    RebalanceSuggestion,
)
from lngym.policies.decisions import Decision, SwapSuggestion

#: Default fee cap of a rebalance: 0.1 % of the amount, but at least 10 sat.
REBALANCE_MAX_FEE_PPM = 1_000
REBALANCE_MIN_FEE_SAT = 10
#: A failed rebalance is retried with half the amount down to this size.
MIN_REBALANCE_SAT = 10_000


@dataclass
class Executed:
    """What became of a list of decisions."""

    #: Rebalance results and swaps as started (pending, or failed at once).
    results: list[PaymentResult] = field(default_factory=list)
    #: Decisions not carried out, with why.
    skipped: list[tuple[Decision, str]] = field(default_factory=list)


def rebalance_fee_cap(amount_sat: int, max_fee_ppm: int, floor_sat: int) -> int:
    """Fee budget of a rebalance: ``max_fee_ppm`` of the amount, but at least ``floor_sat``."""
    return max(floor_sat, math.ceil(amount_sat * max_fee_ppm / 1_000_000))


class Executor:
    """Carries out decisions on ``network``, in order, reporting every ended result to ``on_result``.

    ``halvings`` retries a failed rebalance with half the amount (``lngym
    simulate`` does, since the whole deviation rarely fits through the return
    path at once); the env does not, so that one action is one attempt.
    """

    def __init__(
        self,
        network: Network,
        rebalance_max_fee_ppm: int = REBALANCE_MAX_FEE_PPM,
        rebalance_min_fee_sat: int = REBALANCE_MIN_FEE_SAT,
        halvings: int = 0,
        on_result: Callable[[PaymentResult], None] | None = None,
    ) -> None:
        self.network = network
        self.rebalance_max_fee_ppm = rebalance_max_fee_ppm
        self.rebalance_min_fee_sat = rebalance_min_fee_sat
        self.halvings = halvings
        self.on_result = on_result

    def execute(self, decisions: Sequence[Decision]) -> Executed:
        """Carry out each decision; see the module docstring for what is skipped."""
        done = Executed()
        for decision in decisions:
            if isinstance(decision, SwapSuggestion):
                self._swap(decision, done)
            else:
                done.results.append(self.rebalance(decision))
        return done

    def rebalance(self, suggestion: RebalanceSuggestion) -> PaymentResult:
        """One rebalance (with its halvings), every attempt reported."""
        amount = suggestion.amount_sat
        for _attempt in range(self.halvings + 1):
            cap = rebalance_fee_cap(amount, self.rebalance_max_fee_ppm, self.rebalance_min_fee_sat)
            result = self.network.rebalance(suggestion.from_node, suggestion.to_node, amount, cap)
            self._report(result)
            if result.success or amount < 2 * MIN_REBALANCE_SAT:
                break
            amount //= 2
        return result

    def _swap(self, swap: SwapSuggestion, done: Executed) -> None:
        start = self.network.swap_in if swap.kind == SWAP_IN else self.network.swap_out
        try:
            result = start(swap.node, swap.amount_sat, swap.channel)
        except (InsufficientFundsError, InvalidAmountError) as error:
            done.skipped.append((swap, str(error)))
            return
        if result.status != PENDING:
            self._report(result)
        done.results.append(result)

    def _report(self, result: PaymentResult) -> None:
        if self.on_result is not None:
            self.on_result(result)
