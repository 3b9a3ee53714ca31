"""Gymnasium envs on a Lightning network: ``LightningTestnet-v0`` (live) and ``LightningSim-v0`` (twin)."""

from __future__ import annotations

from typing import Any

from lngym.envs.registration import ENV_IDS, register_envs

__all__ = ["ENV_IDS", "LightningEnv", "register_envs"]


def __getattr__(name: str) -> Any:
    """Import the env class only when asked for, so ``import lngym`` stays light."""
    if name == "LightningEnv":
        from lngym.envs.lightning_env import LightningEnv

        return LightningEnv
    raise AttributeError(name)
