"""Env settings: defaults, overridden by the scenario's ``[env]`` table, overridden by kwargs.

Like HighwayEnv's ``default_config()``: one flat dict, so a scenario file can fix
an experiment's settings and ``gym.make(..., payments_per_step=50)`` can still
change one of them. Unknown keys are rejected with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lngym.envs.actions import DEFAULT_FRACTIONS, DEFAULT_SWAP_FRACTIONS
from lngym.errors import ScenarioError


def default_config() -> dict[str, Any]:
    """Every setting of the env with its default."""
    return {
        "backend": "sim",            # sim | native | docker
        "home": None,                # native, docker: attach to / launch under this home
        "mission_control": True,     # sim: route as LND does, avoiding what failed before (as live LND does)
        "payments_per_step": 10,
        "max_episode_steps": 100,    # truncation
        "fee_weight": 1.0,           # reward penalty per unit of fee/volume
        "action_type": "discrete",   # discrete | continuous
        "fractions": list(DEFAULT_FRACTIONS),
        "max_fraction": 0.2,         # continuous: |v| = 1 moves this share of capacity
        "deadzone": 0.05,            # continuous: smaller |v| does nothing
        "swap_fractions": list(DEFAULT_SWAP_FRACTIONS),  # with a [swap] server: shares a swap moves
        "swap_max_fraction": 0.5,    # continuous: |v| = 1 swaps this share of the channel's capacity
        "blocks_per_step": 1,        # with a [swap] server: blocks mined after each step's payments
        "payment_concurrency": 1,    # live: a step's payments in flight at once (the twin runs them one by one)
        "observation_type": "balances",  # balances | dict | chain
        "success_decay": 0.9,        # dict obs: per-step decay of pair success counts
        "rebalance_max_fee_ppm": 1_000,
        "rebalance_min_fee_sat": 10,
        "traffic_model": None,       # override [traffic] model
        "csv": None,                 # path: record every payment and rebalance
    }


CHOICES = {
    "backend": ("sim", "native", "docker"),
    "action_type": ("discrete", "continuous"),
    "observation_type": ("balances", "dict", "chain"),
}


def merge_config(scenario_env: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults <- scenario [env] <- overrides, validated."""
    config = default_config()
    for source, values in (("scenario [env]", scenario_env), ("env kwargs", overrides)):
        unknown = sorted(set(values) - set(config))
        if unknown:
            raise ScenarioError(f"{source}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(config))}")
        config.update(values)
    if not isinstance(config["mission_control"], bool):
        raise ScenarioError(f"env setting mission_control: expected true or false, got {config['mission_control']!r}")
    for key, allowed in CHOICES.items():
        if config[key] not in allowed:
            raise ScenarioError(f"env setting {key}: expected one of {', '.join(allowed)}, got {config[key]!r}")
    for key in ("payments_per_step", "max_episode_steps", "blocks_per_step", "payment_concurrency"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ScenarioError(f"env setting {key}: expected a whole number of 1 or more, got {value!r}")
    fractions = config["fractions"]
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise ScenarioError(f"env setting fractions: expected shares of capacity in (0, 1], got {fractions!r}")
    swap_fractions = config["swap_fractions"]
    if not swap_fractions or any(not 0 < f <= 1 for f in swap_fractions):
        raise ScenarioError(f"env setting swap_fractions: expected shares of capacity in (0, 1], got {swap_fractions!r}")
    return config
