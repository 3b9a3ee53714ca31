"""Registration of lngym's env ids with Gymnasium; ``import lngym`` runs it.

Gymnasium 1.x no longer reads entry-point plugins, so the ids are registered
when the package is imported, once (``gym.make("lngym:LightningSim-v0")``
imports ``lngym`` first, also in the subprocesses of ``AsyncVectorEnv``). Only
the entry point string is registered: the env module, scipy and the backends
load when an env is made, which keeps ``import lngym`` light.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

ENTRY_POINT = "lngym.envs.lightning_env:LightningEnv"

#: id -> (default kwargs, nondeterministic)
ENV_IDS: dict[str, tuple[dict[str, str], bool]] = {
    "LightningSim-v0": ({"backend": "sim"}, False),
    "LightningTestnet-v0": ({"backend": "native"}, True),
}


def register_envs() -> None:
    """Register every lngym id that is not registered yet (safe to call again)."""
    for env_id, (kwargs, nondeterministic) in ENV_IDS.items():
        if env_id not in registry:
            register(id=env_id, entry_point=ENTRY_POINT, kwargs=kwargs, nondeterministic=nondeterministic)
