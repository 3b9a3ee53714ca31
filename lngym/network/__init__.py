"""The Network interface and its backends; ``make`` is the one place that knows them."""

from __future__ import annotations

import os
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
BACKENDS = ("sim", "native", "attach")


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
    in-process twin has no state on disk and takes neither. A home that
    ``lngym attach`` registered always gets the attach backend (its nodes are
    not lngym's to launch). Other ``options``
    go to the backend's constructor (e.g. ``mission_control`` for ``sim``).
    """
    if backend == "sim":
        from lngym.network.sim import Sim

        if home is not None or tmpfs:
            raise LngymError("the sim backend keeps no state on disk: home and tmpfs do not apply")
        return Sim(scenario if isinstance(scenario, Scenario) else load_scenario(scenario), **options)
    if backend == "attach" or (backend == "native" and _attached(home)):
        from lngym.network.attach import AttachNetwork

        return AttachNetwork(scenario if isinstance(scenario, Scenario) else None, home=home)
    if backend == "native":
        from lngym.network.native import NativeNetwork, temporary_home

        if home is None:
            return NativeNetwork(scenario, home=temporary_home(), tmpfs=tmpfs, ephemeral=True, **options)
        return NativeNetwork(scenario, home=home, tmpfs=tmpfs, **options)
    raise LngymError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")


def _attached(home: str | os.PathLike[str] | None) -> bool:
    from lngym.network.attach.registry import is_attached

    return is_attached(home)


__all__ = [
    "BACKENDS",
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
]
