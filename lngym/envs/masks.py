"""Which actions can be carried out now: sb3-contrib MaskablePPO's ``action_masks()``.

An action is ruled out when the network's present state makes it fail before
it starts: a rebalance or Loop Out without the local balance, a Loop In
without the on-chain funds, a swap on a channel that has one in flight, an
amount the swap server refuses, an inactive channel. (A rebalance that would
find no return path is not ruled out: finding out costs a route search, which
is what taking the action does.) The no-op is always allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lngym.envs import actions
from lngym.network import limits
from lngym.network.base import SWAP_IN, RebalanceSuggestion
from lngym.policies.decisions import Decision, PolicyState, SwapSuggestion


def action_masks(
    state: PolicyState, fractions: Sequence[float], swap_fractions: Sequence[float]
) -> np.ndarray:
    """A bool per discrete action: True where it can be carried out now."""
    count = actions.discrete_count(state.scenario, fractions, swap_fractions)
    mask = np.zeros(count, dtype=bool)
    mask[0] = True
    for action in range(1, count):
        decision = actions.decode_discrete(action, state.scenario, fractions, swap_fractions)
        mask[action] = decision is not None and why_not(decision, state) is None
    return mask


def why_not(decision: Decision, state: PolicyState) -> str | None:
    """Why ``decision`` cannot be carried out in ``state``, or None if it can."""
    if isinstance(decision, RebalanceSuggestion):
        index = state.scenario.channel_index(decision.from_node, decision.to_node)
        channel = state.snapshot.channels[index]
        if not channel.active:
            return f"channel {index} is inactive"
        spare = channel.balance_of(decision.from_node) - limits.reserve_sat(channel.capacity_sat)
        if spare < decision.amount_sat:
            return f"{decision.from_node} has {max(spare, 0):,} sat to move in channel {index}, less than {decision.amount_sat:,}"
        return None
    return _swap_why_not(decision, state)


def _swap_why_not(swap: SwapSuggestion, state: PolicyState) -> str | None:
    service = state.scenario.swap
    if service is None:
        return "the scenario has no swap server"
    if not service.min_sat <= swap.amount_sat <= service.max_sat:
        return f"{swap.amount_sat:,} sat is outside the server's {service.min_sat:,}–{service.max_sat:,}"
    if swap.channel is None:
        return None
    channel = state.snapshot.channels[swap.channel]
    if not channel.active:
        return f"channel {swap.channel} is inactive"
    if swap.channel in state.pending_channels():
        return f"channel {swap.channel} has a swap in flight"
    if swap.kind == SWAP_IN:
        funds = limits.spendable_sat(state.scenario, swap.node, state.wallets.get(swap.node, 0))
        if funds < swap.amount_sat + service.miner_fee_sat:
            return f"{swap.node} may spend {max(funds, 0):,} sat on-chain, less than {swap.amount_sat:,} + miner fee"
        return None
    spare = channel.balance_of(swap.node) - limits.reserve_sat(channel.capacity_sat)
    if spare < swap.amount_sat + service.server_fee_sat(swap.amount_sat):
        return f"{swap.node} has {max(spare, 0):,} sat to move in channel {swap.channel}, less than the swap"
    if limits.spendable_sat(state.scenario, service.server, state.wallets.get(service.server, 0)) < swap.amount_sat:
        return f"the server {service.server} lacks the on-chain funds"
    return None
