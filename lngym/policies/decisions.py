"""What a policy sees and what it may ask for: the one vocabulary of every liquidity decision.

A policy is handed a ``PolicyState`` (channels, on-chain wallets, swaps in
flight and ended, chain height and the scenario) and returns decisions: circular
rebalances (``RebalanceSuggestion``, the seed's message) or submarine swaps
(``SwapSuggestion``). It never touches the network itself, so the env, ``lngym
simulate``, the benchmarks and the bridge carry out the very same decisions
through one ``Executor``, and a policy can be tested on hand-made states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from lngym.network.base import (
    FAILED,
    SWAP_IN,
    SWAP_OUT,
    Network,
    RebalanceSuggestion,
    Snapshot,
    SwapResult,
)
from lngym.scenario import Scenario

SWAP_KINDS = (SWAP_IN, SWAP_OUT)


@dataclass(frozen=True)
class SwapSuggestion:
    """A proposal for ``node`` to swap ``amount_sat`` with the scenario's swap server.

    ``swap_in`` (Loop In) moves on-chain funds into ``node``'s side of
    ``channel``; ``swap_out`` (Loop Out) moves funds from its side of ``channel``
    to its wallet. ``channel`` is a scenario channel index (None: any channel).
    """

    node: str
    kind: str
    amount_sat: int
    channel: int | None = None


Decision = RebalanceSuggestion | SwapSuggestion


@dataclass(frozen=True)
class PolicyState:
    """Everything a policy may base a decision on, at one moment."""

    scenario: Scenario
    snapshot: Snapshot
    wallets: Mapping[str, int] = field(default_factory=dict)
    pending: tuple[SwapResult, ...] = ()
    height: int = 0
    #: Swaps that ended since the last reset, oldest first (``Network.ended_swaps``).
    ended: tuple[SwapResult, ...] = ()

    @classmethod
    def of(cls, network: Network) -> PolicyState:
        """The state of a running network (wallets and swaps only where it has a swap server)."""
        if network.scenario.swap is None:
            return cls(network.scenario, network.snapshot())
        return cls(
            network.scenario, network.snapshot(), network.wallet_balances(),
            tuple(network.pending_swaps()), network.height(), tuple(network.ended_swaps()),
        )

    def pending_channels(self) -> set[int]:
        """Channels with a swap in flight (at most one swap per channel is the rule everywhere)."""
        return {s.channel for s in self.pending if s.channel is not None}

    def failed_channels(self, since_height: int) -> set[int]:
        """Channels with a swap that failed after ``since_height``."""
        return {s.channel for s in self.ended if s.status == FAILED and s.channel is not None
                and s.finished_height is not None and s.finished_height > since_height}


class Policy(Protocol):
    """Anything that turns a state into decisions, most urgent first."""

    name: str

    def decide(self, state: PolicyState) -> list[Decision]:
        """The decisions for this moment (an empty list: leave things as they are)."""
        ...
