"""Gymnasium envs on a Lightning network: ``LightningTestnet-v0`` (live) and ``LightningSim-v0`` (twin)."""

from lngym.envs.lightning_env import LightningEnv
from lngym.envs.registration import ENV_IDS, register_envs

__all__ = ["ENV_IDS", "LightningEnv", "register_envs"]
