"""The algorithms ``lngym train`` offers, imported only when one is used (they import torch)."""

from __future__ import annotations

import importlib
from typing import Any

from lngym.errors import SettingError

#: algo name -> (module, class)
ALGOS: dict[str, tuple[str, str]] = {
    "ppo": ("stable_baselines3", "PPO"),
    "maskable-ppo": ("sb3_contrib", "MaskablePPO"),
    "dqn": ("stable_baselines3", "DQN"),
    "sac": ("stable_baselines3", "SAC"),
}

#: The action type each algorithm needs (PPO takes either; the others one of them).
ACTION_TYPES: dict[str, tuple[str, ...]] = {
    "ppo": ("discrete", "continuous"),
    "maskable-ppo": ("discrete",),
    "dqn": ("discrete",),
    "sac": ("continuous",),
}


def require(module: str) -> Any:
    """Import ``module`` of the train extra, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SettingError(f"training needs the train extra ({exc.name} is missing): "
                           "pip install 'lngym[train]'") from None


def algo_class(algo: str) -> Any:
    """The SB3 class of ``algo``."""
    if algo not in ALGOS:
        raise SettingError(f"unknown algo {algo!r}; expected one of {', '.join(ALGOS)}")
    module, name = ALGOS[algo]
    return getattr(require(module), name)
