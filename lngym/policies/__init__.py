"""Liquidity policies: a ``PolicyState`` in, decisions (rebalances, swaps) out, carried out by ``Executor``.

Baselines by name (``make_policy``): ``none``, ``circular`` (the seed's
threshold rebalancer), ``autoloop`` (Loop's Autoloop rules), ``combined``
(circular for local imbalance, swaps for net). ``LookaheadOracle`` is for
benchmarks only: it is shown the future.
"""

from __future__ import annotations

from lngym.errors import SettingError
from lngym.policies.autoloop import Autoloop, FeeBudget
from lngym.policies.circular import (
    DEFAULT_MAX_FEE_PPM,
    BaselineRebalancer,
    NoRebalancer,
    RebalancePolicy,
)
from lngym.policies.combined import Combined
from lngym.policies.decisions import Decision, Policy, PolicyState, SwapSuggestion
from lngym.policies.executor import Executed, Executor
from lngym.policies.oracle import LookaheadOracle

#: The baselines ``lngym simulate --policy`` and the benchmarks know by name.
BASELINES = ("none", "circular", "autoloop", "combined")


def make_policy(name: str) -> Policy:
    """A fresh baseline by name, with its default settings."""
    makers = {"none": NoRebalancer, "circular": BaselineRebalancer, "autoloop": Autoloop, "combined": Combined}
    if name not in makers:
        raise SettingError(f"unknown policy {name!r}; known: {', '.join(BASELINES)}")
    policy: Policy = makers[name]()
    return policy


__all__ = [
    "BASELINES", "DEFAULT_MAX_FEE_PPM", "Autoloop", "BaselineRebalancer", "Combined", "Decision", "Executed",
    "Executor", "FeeBudget", "LookaheadOracle", "NoRebalancer", "Policy", "PolicyState", "RebalancePolicy",
    "SwapSuggestion", "make_policy",
]
