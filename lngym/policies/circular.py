"""Circular rebalancing baselines: channel states in, ``RebalanceSuggestion``s out.

``suggest(snapshot, scenario)`` is the seed's own interface (``lngym rebalance``
uses it); ``decide(state)`` is the same rule as a ``Policy``. Suggestions name
nodes by their scenario names (``alice``); the bridge turns them into wire names.
"""

from __future__ import annotations

import math
from typing import Protocol

from lngym.errors import SettingError
from lngym.network.base import RebalanceSuggestion, Snapshot
from lngym.policies.decisions import Decision, PolicyState
from lngym.scenario import Scenario

#: Default fee cap of the baseline: 0.1 % of the amount moved, a common rebalancing budget.
DEFAULT_MAX_FEE_PPM = 1_000


class RebalancePolicy(Protocol):
    """Anything that turns a snapshot into rebalance suggestions."""

    def suggest(self, snapshot: Snapshot, scenario: Scenario) -> list[RebalanceSuggestion]:
        """Suggestions for this moment, most urgent first."""
        ...

    def max_fee_sat(self, suggestion: RebalanceSuggestion) -> int:
        """The most the executor may pay in fees to carry out ``suggestion``."""
        ...


class BaselineRebalancer:
    """The seed's rebalance-channels.sh as a policy: push every lopsided channel back to its target.

    A channel whose share on one side is further than ``threshold`` from
    ``target`` gets one suggestion, from the side with the surplus to the other,
    for exactly the surplus (so a fee-free execution lands it on the target).
    ``target=None`` means each channel's opening split in the scenario.
    Inactive channels are left alone: a rebalance through them cannot succeed.
    """

    name = "circular"

    def __init__(
        self,
        target: float | None = 0.5,
        threshold: float = 0.2,
        max_fee_ppm: int = DEFAULT_MAX_FEE_PPM,
    ) -> None:
        if target is not None and not 0.0 <= target <= 1.0:
            raise SettingError(f"target must be a share from 0 to 1, got {target!r}")
        if not 0.0 <= threshold < 1.0:
            raise SettingError(f"threshold must be a share from 0 up to 1, got {threshold!r}")
        if isinstance(max_fee_ppm, bool) or not isinstance(max_fee_ppm, int) or max_fee_ppm < 0:
            raise SettingError(f"max_fee_ppm must be a whole number of 0 or more, got {max_fee_ppm!r}")
        self.target = target
        self.threshold = threshold
        self.max_fee_ppm = max_fee_ppm

    def suggest(self, snapshot: Snapshot, scenario: Scenario) -> list[RebalanceSuggestion]:
        """One suggestion per channel off target by more than the threshold, furthest off first."""
        found: list[tuple[float, RebalanceSuggestion]] = []
        for channel in snapshot.channels:
            if not channel.active or channel.capacity_sat <= 0:
                continue
            target = self.target if self.target is not None else scenario.channels[channel.index].split
            surplus_a = channel.balance_a_sat - round(target * channel.capacity_sat)
            if abs(surplus_a) <= self.threshold * channel.capacity_sat:
                continue
            source, sink = (channel.a, channel.b) if surplus_a > 0 else (channel.b, channel.a)
            urgency = abs(surplus_a) / channel.capacity_sat
            found.append((urgency, RebalanceSuggestion(source, sink, abs(surplus_a))))
        found.sort(key=lambda pair: -pair[0])
        return [suggestion for _, suggestion in found]

    def decide(self, state: PolicyState) -> list[Decision]:
        """``suggest`` as a ``Policy``: only circular rebalances, whatever the wallets hold."""
        return list(self.suggest(state.snapshot, state.scenario))

    def max_fee_sat(self, suggestion: RebalanceSuggestion) -> int:
        """``max_fee_ppm`` of the amount, rounded up to whole sat."""
        return math.ceil(suggestion.amount_sat * self.max_fee_ppm / 1_000_000)

    def __repr__(self) -> str:
        return (
            f"BaselineRebalancer(target={self.target}, threshold={self.threshold}, "
            f"max_fee_ppm={self.max_fee_ppm})"
        )


class NoRebalancer:
    """Never rebalances: the seed's ``REBALANCE_FREQUENCY = 0``, the floor any agent must beat."""

    name = "none"

    def suggest(self, snapshot: Snapshot, scenario: Scenario) -> list[RebalanceSuggestion]:
        """Nothing, whatever the channels look like."""
        return []

    def decide(self, state: PolicyState) -> list[Decision]:
        """Nothing: no rebalance, no swap."""
        return []

    def max_fee_sat(self, suggestion: RebalanceSuggestion) -> int:
        """No budget: this policy never asks for a rebalance."""
        return 0

    def __repr__(self) -> str:
        return "NoRebalancer()"
