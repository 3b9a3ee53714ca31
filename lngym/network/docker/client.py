"""The Docker SDK client, or a one-line error saying what to do.

The ``docker`` package is an optional extra (``pip install 'lngym[docker]'``),
imported only when the docker backend is used, so ``import lngym`` never needs it.
"""

from __future__ import annotations

from typing import Any

from lngym.errors import DockerError

_client: Any = None


def sdk() -> Any:
    """The ``docker`` module, or a one-line error saying how to install it."""
    try:
        import docker
    except ImportError:
        raise DockerError("the docker backend needs the Docker SDK for Python: "
                          "pip install 'lngym[docker]' (or pip install docker)") from None
    return docker


def docker_client() -> Any:
    """A ``docker.DockerClient`` talking to the local dockerd (one per process, reused)."""
    global _client
    if _client is not None:
        return _client
    docker = sdk()
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except docker.errors.DockerException as exc:
        raise DockerError(f"cannot reach dockerd ({_first_line(exc)}); start it (`sudo systemctl start docker`, "
                          "or run `dockerd` as root) and make sure your user may use /var/run/docker.sock, "
                          "or set DOCKER_HOST") from None
    _client = client
    return client


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
