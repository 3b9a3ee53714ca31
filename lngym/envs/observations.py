"""Observation types, chosen by ``observation_type`` as HighwayEnv chooses its observation classes.

- ``balances``: per channel, the share of its capacity on its ``a`` side.
- ``dict``: ``balances`` and the recent success rate per ordered node pair;
  with a swap server also ``wallets`` and ``pending`` (as in ``chain``).
- ``chain``: one flat Box, ``balances`` then each node's on-chain balance
  scaled as ``w / (w + capacity of its channels)`` (0 for an empty wallet,
  ½ for a wallet as large as its channels, below 1 however large), then per
  channel 1 if a swap is in flight on it, else 0. The scaling keeps every
  value in [0, 1) without a cap that would hide differences between large wallets.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from lngym.errors import ScenarioError
from lngym.policies.decisions import PolicyState
from lngym.scenario import Scenario

#: Largest per-pair success-rate vector the Dict observation builds (about 300 nodes).
MAX_PAIRS = 100_000


def pair_count(scenario: Scenario) -> int:
    """Ordered (sender, receiver) pairs."""
    return len(scenario.nodes) * (len(scenario.nodes) - 1)


def make_space(scenario: Scenario, observation_type: str) -> spaces.Space:
    """The observation space of ``observation_type`` for ``scenario``."""
    channels, nodes = len(scenario.channels), len(scenario.nodes)
    balances = spaces.Box(0.0, 1.0, (channels,), dtype=np.float32)
    if observation_type == "balances":
        return balances
    if observation_type == "chain":
        return spaces.Box(0.0, 1.0, (2 * channels + nodes,), dtype=np.float32)
    pairs = pair_count(scenario)
    if pairs > MAX_PAIRS:
        raise ScenarioError(
            f"observation_type='dict' needs a success rate per node pair ({pairs:,} for "
            f"{nodes:,} nodes, more than {MAX_PAIRS:,}); use 'balances'"
        )
    parts: dict[str, spaces.Space] = {
        "balances": balances, "success_rate": spaces.Box(0.0, 1.0, (pairs,), dtype=np.float32),
    }
    if scenario.swap is not None:
        parts["wallets"] = spaces.Box(0.0, 1.0, (nodes,), dtype=np.float32)
        parts["pending"] = spaces.Box(0.0, 1.0, (channels,), dtype=np.float32)
    return spaces.Dict(parts)


def wallet_shares(state: PolicyState) -> np.ndarray:
    """Each node's on-chain balance scaled by its channels' capacity (see the module docstring)."""
    capacity = {node: 0 for node in state.scenario.nodes}
    for spec in state.scenario.channels:
        capacity[spec.a] += spec.capacity_sat
        capacity[spec.b] += spec.capacity_sat
    values = []
    for node in state.scenario.nodes:
        wallet = max(state.wallets.get(node, 0), 0)
        values.append(wallet / (wallet + capacity[node]) if wallet + capacity[node] > 0 else 0.0)
    return np.asarray(values, dtype=np.float32)


def pending_flags(state: PolicyState) -> np.ndarray:
    """1 per channel with a swap in flight."""
    flags = np.zeros(len(state.scenario.channels), dtype=np.float32)
    for channel in state.pending_channels():
        flags[channel] = 1.0
    return flags
