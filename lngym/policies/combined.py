"""Circular rebalancing for local imbalance, swaps for net imbalance.

A node whose channels together hold too little (or too much) of their capacity
on its side is *net* imbalanced: moving funds between its own channels cannot
help it, only a swap with the chain can. A node whose total is fine but whose
channels are lopsided is *locally* imbalanced: a circular rebalance fixes that
without on-chain fees. ``Combined`` tells the two apart per node and uses the
cheap tool where it works.
"""

from __future__ import annotations

from lngym.errors import SettingError
from lngym.network.base import SWAP_IN, SWAP_OUT, ChannelState
from lngym.policies.autoloop import (
    DEFAULT_FEE_BUDGET_SAT,
    DEFAULT_WINDOW_BLOCKS,
    FeeBudget,
    affordable_swap,
    routable,
)
from lngym.policies.circular import BaselineRebalancer
from lngym.policies.decisions import Decision, PolicyState


class Combined:
    """Swaps for nodes whose total local share is outside [low, high]; circular rebalances for the rest."""

    name = "combined"

    def __init__(
        self, low: float = 0.3, high: float = 0.7, target: float = 0.5,
        fee_budget_sat: int = DEFAULT_FEE_BUDGET_SAT, window_blocks: int = DEFAULT_WINDOW_BLOCKS, circular: BaselineRebalancer | None = None,
    ) -> None:
        if not 0.0 <= low < target < high <= 1.0:
            raise SettingError(f"thresholds must satisfy 0 ≤ low < target < high ≤ 1, got {low}, {target}, {high}")
        self.low, self.high, self.target = low, high, target
        self.budget = FeeBudget(fee_budget_sat, window_blocks)
        self.circular = circular if circular is not None else BaselineRebalancer()

    def decide(self, state: PolicyState) -> list[Decision]:
        """Swaps first (one per net-imbalanced node), then circular rebalances led by balanced nodes."""
        shares = net_shares(state)
        decisions: list[Decision] = [*self._swaps(state, shares)]
        for suggestion in self.circular.decide(state):
            share = shares.get(getattr(suggestion, "from_node", ""))
            if share is not None and self.low <= share <= self.high:
                decisions.append(suggestion)
        return decisions

    def _swaps(self, state: PolicyState, shares: dict[str, float]) -> list[Decision]:
        service = state.scenario.swap
        if service is None:
            return []
        busy = state.pending_channels()
        wallets = dict(state.wallets)
        decisions: list[Decision] = []
        for node, share in sorted(shares.items(), key=lambda item: abs(item[1] - self.target), reverse=True):
            if self.low <= share <= self.high:
                continue
            kind = SWAP_IN if share < self.low else SWAP_OUT
            mine = [c for c in state.snapshot.channels
                    if node in (c.a, c.b) and c.active and c.index not in busy and routable(state, node, c)]
            if not mine:
                continue
            # Loop In where the node holds least, Loop Out where it holds most.
            shares = {c.index: c.balance_of(node) / c.capacity_sat for c in mine}
            pick = min if kind == SWAP_IN else max
            channel: ChannelState = pick(mine, key=lambda c: shares[c.index])
            total = sum(c.capacity_sat for c in state.snapshot.channels if node in (c.a, c.b))
            held = sum(c.balance_of(node) for c in state.snapshot.channels if node in (c.a, c.b))
            room = round(self.high * channel.capacity_sat) - channel.balance_of(node)
            wanted = min(round(self.target * total) - held, room) if kind == SWAP_IN else held - round(self.target * total)
            swap = affordable_swap(state, service, self.budget, node, channel, kind, wanted, wallets)
            if swap is not None:
                busy.add(channel.index)
                decisions.append(swap)
        return decisions

    def __repr__(self) -> str:
        return f"Combined(low={self.low}, high={self.high}, target={self.target}, circular={self.circular!r})"


def net_shares(state: PolicyState) -> dict[str, float]:
    """Each node's (but the swap server's) local funds over its channels' capacity."""
    server = state.scenario.swap.server if state.scenario.swap is not None else None
    held: dict[str, int] = {}
    total: dict[str, int] = {}
    for c in state.snapshot.channels:
        for node in (c.a, c.b):
            held[node] = held.get(node, 0) + c.balance_of(node)
            total[node] = total.get(node, 0) + c.capacity_sat
    return {node: held[node] / total[node] for node in held if node != server and total[node] > 0}
