"""Env actions <-> decisions: the one mapping the env and the WebSocket bridge share.

Discrete action ``0`` is a no-op; action ``1 + (c·2 + d)·K + k`` moves fraction
``fractions[k]`` of channel ``c``'s capacity from one end to the other by a
circular rebalance: ``d = 0`` from ``a`` to ``b`` (towards ``b``), ``d = 1``
from ``b`` to ``a``. With a ``[swap]`` server the swaps follow: for each swap
slot ``s`` (a channel end that is not the server, in ``swap_slots`` order),
action ``1 + 2·C·K + (s·2 + j)·J + k`` swaps ``swap_fractions[k]`` of the
channel's capacity, ``j = 0`` in (Loop In) and ``j = 1`` out (Loop Out).

The continuous action is one number per channel in [-1, 1]: positive moves
towards ``b``, negative towards ``a``, by ``|v| × max_fraction`` of the
capacity; with a swap server one more number per swap slot: positive swaps in,
negative out, ``|v| × swap_max_fraction`` of the capacity. Values smaller than
``deadzone`` do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from lngym.network.base import SWAP_IN, SWAP_OUT, RebalanceSuggestion
from lngym.policies.decisions import Decision, SwapSuggestion
from lngym.scenario import Scenario

#: Fractions of capacity a discrete rebalance action can move (K = 3).
DEFAULT_FRACTIONS = (0.05, 0.1, 0.2)
#: Fractions of capacity a discrete swap action can move (J = 3).
DEFAULT_SWAP_FRACTIONS = (0.1, 0.25, 0.5)


def swap_slots(scenario: Scenario) -> list[tuple[int, str]]:
    """(channel, node) for every channel end that can swap: none without a server, never the server."""
    if scenario.swap is None:
        return []
    server = scenario.swap.server
    return [(c, node) for c, spec in enumerate(scenario.channels) for node in (spec.a, spec.b) if node != server]


def discrete_count(
    scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS,
    swap_fractions: Sequence[float] = DEFAULT_SWAP_FRACTIONS,
) -> int:
    """``1 + 2·C·K + 2·S·J``."""
    return 1 + 2 * len(scenario.channels) * len(fractions) + 2 * len(swap_slots(scenario)) * len(swap_fractions)


def discrete_space(
    scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS,
    swap_fractions: Sequence[float] = DEFAULT_SWAP_FRACTIONS,
) -> spaces.Discrete:
    """``Discrete(1 + 2·C·K + 2·S·J)`` (``1 + 2·C·K`` without a swap server)."""
    return spaces.Discrete(discrete_count(scenario, fractions, swap_fractions))


def continuous_space(scenario: Scenario) -> spaces.Box:
    """``Box(-1, 1, (C + S,))``: a desired shift per channel, then a swap per slot."""
    return spaces.Box(-1.0, 1.0, (len(scenario.channels) + len(swap_slots(scenario)),), dtype=np.float32)


def decode_discrete(
    action: int, scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS,
    swap_fractions: Sequence[float] = DEFAULT_SWAP_FRACTIONS,
) -> Decision | None:
    """The decision a discrete action stands for (None for the no-op)."""
    count = discrete_count(scenario, fractions, swap_fractions)
    action = int(action)
    if not 0 <= action < count:
        raise ValueError(f"action must be in 0..{count - 1}, got {action}")
    if action == 0:
        return None
    rebalances = 2 * len(scenario.channels) * len(fractions)
    if action <= rebalances:
        index, level = divmod(action - 1, len(fractions))
        channel, direction = divmod(index, 2)
        spec = scenario.channels[channel]
        src, dst = (spec.a, spec.b) if direction == 0 else (spec.b, spec.a)
        amount = max(1, int(spec.capacity_sat * fractions[level]))
        return RebalanceSuggestion(from_node=src, to_node=dst, amount_sat=amount)
    index, level = divmod(action - 1 - rebalances, len(swap_fractions))
    slot, way = divmod(index, 2)
    channel, node = swap_slots(scenario)[slot]
    amount = max(1, int(scenario.channels[channel].capacity_sat * swap_fractions[level]))
    return SwapSuggestion(node, SWAP_IN if way == 0 else SWAP_OUT, amount, channel)


def encode_suggestion(
    suggestion: Decision, scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS,
    swap_fractions: Sequence[float] = DEFAULT_SWAP_FRACTIONS,
) -> int:
    """The discrete action closest to a decision (its channel and direction, nearest fraction)."""
    if isinstance(suggestion, SwapSuggestion):
        slot = _slot(suggestion, scenario)
        channel = swap_slots(scenario)[slot][0]
        wanted = suggestion.amount_sat / scenario.channels[channel].capacity_sat
        level = min(range(len(swap_fractions)), key=lambda k: abs(swap_fractions[k] - wanted))
        way = 0 if suggestion.kind == SWAP_IN else 1
        return 1 + 2 * len(scenario.channels) * len(fractions) + (slot * 2 + way) * len(swap_fractions) + level
    channel = scenario.channel_index(suggestion.from_node, suggestion.to_node)
    spec = scenario.channels[channel]
    direction = 0 if scenario.node(suggestion.from_node) == spec.a else 1
    wanted = suggestion.amount_sat / spec.capacity_sat
    level = min(range(len(fractions)), key=lambda k: abs(fractions[k] - wanted))
    return 1 + (channel * 2 + direction) * len(fractions) + level


def decode_continuous(
    vector: Sequence[float], scenario: Scenario, max_fraction: float = 0.2, deadzone: float = 0.05,
    swap_max_fraction: float = 0.5,
) -> list[Decision]:
    """Decisions for a continuous action: one per value outside the dead zone."""
    slots = swap_slots(scenario)
    values = np.clip(np.asarray(vector, dtype=np.float64).reshape(-1), -1.0, 1.0)
    if values.shape[0] != len(scenario.channels) + len(slots):
        raise ValueError(f"continuous action needs {len(scenario.channels) + len(slots)} values, got {values.shape[0]}")
    decisions: list[Decision] = []
    for spec, value in zip(scenario.channels, values.tolist()):
        if abs(value) < deadzone:
            continue
        src, dst = (spec.a, spec.b) if value > 0 else (spec.b, spec.a)
        amount = max(1, int(spec.capacity_sat * abs(value) * max_fraction))
        decisions.append(RebalanceSuggestion(from_node=src, to_node=dst, amount_sat=amount))
    for (channel, node), value in zip(slots, values[len(scenario.channels):].tolist()):
        if abs(value) < deadzone:
            continue
        amount = max(1, int(scenario.channels[channel].capacity_sat * abs(value) * swap_max_fraction))
        decisions.append(SwapSuggestion(node, SWAP_IN if value > 0 else SWAP_OUT, amount, channel))
    return decisions


def encode_continuous(
    suggestion: Decision, scenario: Scenario, max_fraction: float = 0.2, swap_max_fraction: float = 0.5
) -> np.ndarray:
    """The continuous action for one decision: its value set, every other value 0."""
    slots = swap_slots(scenario)
    vector = np.zeros(len(scenario.channels) + len(slots), dtype=np.float32)
    if isinstance(suggestion, SwapSuggestion):
        slot = _slot(suggestion, scenario)
        capacity = scenario.channels[slots[slot][0]].capacity_sat
        sign = 1.0 if suggestion.kind == SWAP_IN else -1.0
        vector[len(scenario.channels) + slot] = sign * min(1.0, suggestion.amount_sat / (capacity * swap_max_fraction))
        return vector
    channel = scenario.channel_index(suggestion.from_node, suggestion.to_node)
    spec = scenario.channels[channel]
    sign = 1.0 if scenario.node(suggestion.from_node) == spec.a else -1.0
    vector[channel] = sign * min(1.0, suggestion.amount_sat / (spec.capacity_sat * max_fraction))
    return vector


def _slot(swap: SwapSuggestion, scenario: Scenario) -> int:
    """The swap slot of a decision (its channel must be given and be one of its node's)."""
    for slot, (channel, node) in enumerate(swap_slots(scenario)):
        if channel == swap.channel and node == swap.node:
            return slot
    raise ValueError(f"{swap.node} cannot swap through channel {swap.channel}")
