"""The Network interface and its backends; ``make`` is the one place that knows them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lngym.errors import LngymError
from lngym.network.base import (
    ChannelState,
    DirectedPolicy,
    ManagedNetwork,
    Network,
    NodeInfo,
    PaymentRequest,
    PaymentResult,
    RebalanceSuggestion,
    Snapshot,
)
from lngym.scenario import Scenario, load_scenario

#: The backends ``make`` builds, by the name envs, the CLI and benchmarks use.
BACKENDS = ("sim", "native", "docker", "attach")
#: Backends whose nodes are daemons under a home (processes or containers).
PROCESS_BACKENDS = ("native", "docker")


def recorded_backend(home: str | os.PathLike[str]) -> str | None:
    """The backend of the network under ``home`` (its network.json says; absent means native),
    or None if no network was ever started or attached there."""
    from lngym.network.attach.registry import is_attached
    from lngym.network.native.state import NetworkState

    if is_attached(home):
        return "attach"
    saved = NetworkState.load(Path(home).expanduser().resolve())
    return saved.backend if saved is not None else None


def make(
    backend: str,
    scenario: Scenario | str | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
    tmpfs: bool = False,
    **options: Any,
) -> Network:
    """A network of ``backend`` for ``scenario`` (a Scenario, a name in envs/ or a path).

    ``home`` is where a backend with processes keeps its state: ``make`` attaches
    to the network running there or launches one on ``start()``; without a home
    the network gets a temporary one of its own, deleted when it stops. The
    in-process twin has no state on disk and takes neither. A network under
    ``home`` keeps its own backend: ``native`` there attaches to (or stops, or
    cleans) containers if the docker backend started them, and a home that
    ``lngym attach`` registered always gets the attach backend (its nodes are
    not lngym's to launch). Other ``options`` go to the backend's constructor
    (e.g. ``mission_control`` for ``sim``, ``compose`` for ``docker``).
    """
    if backend in (*PROCESS_BACKENDS, "attach") and home is not None:
        backend = recorded_backend(home) or backend
    if backend == "sim":
        from lngym.network.sim import Sim

        if home is not None or tmpfs:
            raise LngymError("the sim backend keeps no state on disk: home and tmpfs do not apply")
        return Sim(scenario if isinstance(scenario, Scenario) else load_scenario(scenario), **options)
    if backend == "attach":
        from lngym.network.attach import AttachNetwork

        return AttachNetwork(scenario if isinstance(scenario, Scenario) else None, home=home)
    if backend == "native":
        from lngym.network.native import NativeNetwork, temporary_home

        if home is None:
            return NativeNetwork(scenario, home=temporary_home(), tmpfs=tmpfs, ephemeral=True, **options)
        return NativeNetwork(scenario, home=home, tmpfs=tmpfs, **options)
    if backend == "docker":
        from lngym.network.docker import docker_network
        from lngym.network.native import temporary_home

        if home is None:
            return docker_network(scenario, temporary_home(), tmpfs=tmpfs, ephemeral=True, **options)
        return docker_network(scenario, home, tmpfs=tmpfs, **options)
    raise LngymError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "PROCESS_BACKENDS",
    "ChannelState",
    "DirectedPolicy",
    "ManagedNetwork",
    "Network",
    "NodeInfo",
    "PaymentRequest",
    "PaymentResult",
    "RebalanceSuggestion",
    "Snapshot",
    "make",
    "recorded_backend",
]
