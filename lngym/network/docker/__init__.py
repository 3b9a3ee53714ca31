"""The docker backend: the native backend's network, its daemons run as containers (see runtime.py)."""

from __future__ import annotations

import os
from pathlib import Path

from lngym.network.docker.runtime import DockerRuntime
from lngym.network.native import NativeNetwork
from lngym.network.native.state import NetworkState
from lngym.scenario import Scenario


def docker_network(
    scenario: Scenario | str | None,
    home: str | os.PathLike[str],
    tmpfs: bool = False,
    ephemeral: bool = False,
    compose: bool = False,
    wallet_password: str | None = None,
) -> NativeNetwork:
    """The network under ``home`` with containers for daemons.

    ``compose``: adopt the running containers of ``compose/docker-compose.yml``
    (``lngym up --backend docker --attach``); a home whose network was adopted
    so keeps adopting them.
    """
    resolved = Path(home).expanduser().resolve()
    saved = NetworkState.load(resolved)
    adopted = compose or (saved is not None and saved.adopted)
    runtime = DockerRuntime(resolved, compose=adopted)
    return NativeNetwork(scenario, home=resolved, tmpfs=tmpfs, ephemeral=ephemeral, runtime=runtime,
                         wallet_password=wallet_password)


__all__ = ["DockerRuntime", "docker_network"]
