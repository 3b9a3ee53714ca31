"""lngym: a live Lightning Network (LND on Bitcoin regtest) behind a Gymnasium environment."""

__version__ = "0.1.0"

from lngym.envs.registration import register_envs as _register_envs

_register_envs()
