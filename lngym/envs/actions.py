"""Env actions <-> rebalance suggestions: the one mapping the env and the WebSocket bridge share.

Discrete action ``0`` is a no-op; action ``1 + (c·2 + d)·K + k`` moves fraction
``fractions[k]`` of channel ``c``'s capacity from one end to the other: ``d = 0``
from ``a`` to ``b`` (towards ``b``), ``d = 1`` from ``b`` to ``a``. The
continuous action is one number per channel in [-1, 1]: positive moves towards
``b``, negative towards ``a``, by ``|v| × max_fraction`` of the capacity;
values smaller than ``deadzone`` do nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from lngym.network.base import RebalanceSuggestion
from lngym.scenario import Scenario

#: Fractions of capacity a discrete action can move (K = 3).
DEFAULT_FRACTIONS = (0.05, 0.1, 0.2)


def discrete_space(scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS) -> spaces.Discrete:
    """``Discrete(1 + 2·C·K)``."""
    return spaces.Discrete(1 + 2 * len(scenario.channels) * len(fractions))


def continuous_space(scenario: Scenario) -> spaces.Box:
    """``Box(-1, 1, (C,))``: a desired shift per channel."""
    return spaces.Box(-1.0, 1.0, (len(scenario.channels),), dtype=np.float32)


def decode_discrete(
    action: int, scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> RebalanceSuggestion | None:
    """The suggestion a discrete action stands for (None for the no-op)."""
    count = 1 + 2 * len(scenario.channels) * len(fractions)
    action = int(action)
    if not 0 <= action < count:
        raise ValueError(f"action must be in 0..{count - 1}, got {action}")
    if action == 0:
        return None
    index, level = divmod(action - 1, len(fractions))
    channel, direction = divmod(index, 2)
    spec = scenario.channels[channel]
    src, dst = (spec.a, spec.b) if direction == 0 else (spec.b, spec.a)
    amount = max(1, int(spec.capacity_sat * fractions[level]))
    return RebalanceSuggestion(from_node=src, to_node=dst, amount_sat=amount)


def encode_suggestion(
    suggestion: RebalanceSuggestion, scenario: Scenario, fractions: Sequence[float] = DEFAULT_FRACTIONS
) -> int:
    """The discrete action closest to a suggestion (its channel and direction, nearest fraction)."""
    channel = scenario.channel_index(suggestion.from_node, suggestion.to_node)
    spec = scenario.channels[channel]
    direction = 0 if scenario.node(suggestion.from_node) == spec.a else 1
    wanted = suggestion.amount_sat / spec.capacity_sat
    level = min(range(len(fractions)), key=lambda k: abs(fractions[k] - wanted))
    return 1 + (channel * 2 + direction) * len(fractions) + level


def decode_continuous(
    vector: Sequence[float], scenario: Scenario, max_fraction: float = 0.2, deadzone: float = 0.05
) -> list[RebalanceSuggestion]:
    """Suggestions for a continuous action, one per channel whose value is outside the dead zone."""
    values = np.clip(np.asarray(vector, dtype=np.float64).reshape(-1), -1.0, 1.0)
    if values.shape[0] != len(scenario.channels):
        raise ValueError(f"continuous action needs {len(scenario.channels)} values, got {values.shape[0]}")
    suggestions = []
    for spec, value in zip(scenario.channels, values.tolist()):
        if abs(value) < deadzone:
            continue
        src, dst = (spec.a, spec.b) if value > 0 else (spec.b, spec.a)
        amount = max(1, int(spec.capacity_sat * abs(value) * max_fraction))
        suggestions.append(RebalanceSuggestion(from_node=src, to_node=dst, amount_sat=amount))
    return suggestions


def encode_continuous(
    suggestion: RebalanceSuggestion, scenario: Scenario, max_fraction: float = 0.2
) -> np.ndarray:
    """The continuous action for one suggestion: its channel's value set, every other channel 0."""
    channel = scenario.channel_index(suggestion.from_node, suggestion.to_node)
    spec = scenario.channels[channel]
    sign = 1.0 if scenario.node(suggestion.from_node) == spec.a else -1.0
    vector = np.zeros(len(scenario.channels), dtype=np.float32)
    vector[channel] = sign * min(1.0, suggestion.amount_sat / (spec.capacity_sat * max_fraction))
    return vector


def max_fee_sat(amount_sat: int, max_fee_ppm: int, floor_sat: int) -> int:
    """Fee budget of a rebalance: ``max_fee_ppm`` of the amount, but at least ``floor_sat``."""
    return max(floor_sat, math.ceil(amount_sat * max_fee_ppm / 1_000_000))
