"""Daemons as Docker containers on the host network: the docker backend's ``Runtime``.

Two ways to get the containers:

- lngym creates them (``lngym up --backend docker``): each daemon runs the very
  command line the native backend would run, in a container of the local image,
  with host networking (so 127.0.0.1 ports as native) and the network's data
  directory bind-mounted at the same path, as the calling user. TLS cert,
  macaroon and logs are then where the native backend has them, so everything
  above this file is shared. Containers are labelled ``lngym.home=<home>`` and
  ``lngym clean`` removes exactly those.
- docker compose created them (``compose/docker-compose.yml``, then
  ``lngym up --backend docker --attach``): lngym finds them by their
  ``lngym.compose.*`` labels (node name, ports, lnd directory), copies the TLS
  certs and macaroons out of them (``get_archive``) and never removes them or
  their named volumes — ``docker-compose down -v`` does.

Start, stop, restart and kill go through the Docker SDK; a container's pid is
the host's pid of its daemon, so network.json and the live-test checks read it
as they read a native pid.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lngym import __version__
from lngym.errors import DockerError, NodeError
from lngym.network.docker.client import docker_client, sdk
from lngym.network.docker.images import IMAGE_BIN, btcd_image, ensure_images, lnd_image
from lngym.network.native.runtime import NodeProcess
from lngym.wait import stopped_within, wait_until

#: Label carrying the home of the network a container belongs to (``lngym clean`` removes by it).
HOME_LABEL = "lngym.home"
#: Labels of the compose file's services: which node a container is, its ports, its lnd directory.
COMPOSE_NODE = "lngym.compose.node"
COMPOSE_GRPC = "lngym.compose.grpc-port"
COMPOSE_P2P = "lngym.compose.p2p-port"
COMPOSE_RPC = "lngym.compose.rpc-port"
COMPOSE_DIR = "lngym.compose.dir"
#: Files lngym needs from a compose container, relative to its data directory.
NEEDED_FILES = {"lnd": ("tls.cert", "data/chain/bitcoin/regtest/admin.macaroon"), "btcd": ("rpc.cert",)}
#: Seconds a compose container gets to write its TLS cert and macaroon.
FILES_TIMEOUT = 90.0
#: Seconds Docker gives a daemon between SIGTERM and SIGKILL.
STOP_TIMEOUT = 15


class ContainerProcess:
    """One daemon in one container, driven through the Docker SDK."""

    def __init__(self, name: str, kind: str, node_dir: Path, container: str, *, image: str = "",
                 labels: dict[str, str] | None = None, inner_dir: Path | None = None) -> None:
        self.name = name
        self.kind = kind
        self.argv: list[str] = []
        self.pid: int | None = None
        self.node_dir = node_dir
        self.container = container
        self.image = image
        self.labels = labels or {}
        # A compose container's data directory inside it; None for a container lngym creates.
        self.inner_dir = inner_dir
        logs = "logs/bitcoin/regtest/lnd.log" if kind == "lnd" else "logs/regtest/btcd.log"
        self.log_path = node_dir / logs

    @property
    def adopted(self) -> bool:
        """Created by docker compose, not by lngym."""
        return self.inner_dir is not None

    def _get(self) -> Any | None:
        try:
            return docker_client().containers.get(self.container)
        except sdk().errors.NotFound:
            return None

    def start(self) -> int | None:
        """Run the daemon (a fresh container of ``argv``, or compose's container started again)."""
        try:
            if self.adopted:
                container = self._get()
                if container is None:
                    raise DockerError(f"{self.name}: container {self.container} is gone; start it again with "
                                      "`docker-compose -f compose/docker-compose.yml up -d`")
                container.start()
                self._copy_files()
            else:
                self.remove()
                mount = str(self.node_dir.parent)
                container = docker_client().containers.run(
                    self.image, command=self.argv[1:], entrypoint=[self.argv[0]], name=self.container,
                    detach=True, network_mode="host", user=f"{os.getuid()}:{os.getgid()}",
                    volumes={mount: {"bind": mount, "mode": "rw"}}, environment={"HOME": str(self.node_dir)},
                    labels=self.labels,
                )
            container.reload()
        except sdk().errors.APIError as exc:
            raise NodeError(f"{self.name}: docker could not start {self.container}: {exc}", self.name) from None
        self.pid = int(container.attrs["State"]["Pid"]) or None
        return self.pid

    def _copy_files(self) -> None:
        """Copy the TLS cert and macaroon out of a compose container, once it has written them."""
        assert self.inner_dir is not None
        wanted = NEEDED_FILES[self.kind]

        def copied() -> bool:
            return all(self._copy_one(relative) for relative in wanted)

        wait_until(copied, FILES_TIMEOUT, f"{self.container} to write {', '.join(wanted)}", self.check_alive,
                   interval=0.5)

    def _copy_one(self, relative: str) -> bool:
        container = self._get()
        assert container is not None and self.inner_dir is not None
        try:
            stream, _stat = container.get_archive(str(self.inner_dir / relative))
        except sdk().errors.NotFound:
            return False
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.next()
            extracted = archive.extractfile(member) if member is not None else None
            data = extracted.read() if extracted is not None else b""
        if not data:
            return False
        target = self.node_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return True

    def follow(self, pid: int | None) -> None:
        self.pid = pid

    def is_running(self) -> bool:
        container = self._get()
        return container is not None and container.status == "running"

    def check_alive(self) -> None:
        container = self._get()
        if container is not None and container.status == "running":
            return
        code = container.attrs["State"].get("ExitCode") if container is not None else None
        exit_text = f" with code {code}" if code is not None else ""
        raise NodeError(f"{self.name}: container {self.container} exited{exit_text}; last log lines "
                        f"(docker logs {self.container}):\n{self.tail()}", self.name, unreachable=True)

    def tail(self, lines: int = 15) -> str:
        container = self._get()
        if container is None:
            return "(no container)"
        return str(container.logs(tail=lines).decode(errors="replace").rstrip())

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        container = self._get()
        if container is not None and container.status == "running":
            container.stop(timeout=int(timeout))

    def kill(self) -> None:
        container = self._get()
        if container is not None and container.status == "running":
            container.kill()
            self.wait_exit(5.0)

    def wait_exit(self, timeout: float) -> bool:
        return stopped_within(self.is_running, timeout, interval=0.1)

    def remove(self) -> None:
        """Remove a container lngym created (running or not); compose's are never removed."""
        container = self._get()
        if container is not None and not self.adopted:
            container.remove(force=True)


class DockerRuntime:
    """Containers for the daemons of the network under ``home``."""

    backend = "docker"

    def __init__(self, home: Path, compose: bool = False) -> None:
        """``compose``: adopt the containers of ``compose/docker-compose.yml`` instead of creating them."""
        self.home = home
        self.adopts = compose
        self._prefix = "lngym-" + hashlib.sha256(str(home).encode()).hexdigest()[:10]

    def check(self) -> None:
        if self.adopts:
            self._compose_containers()
        else:
            ensure_images()

    def program(self, name: str) -> str:
        return f"{IMAGE_BIN}/{name}"

    def process(self, name: str, kind: str, node_dir: Path, marker: str) -> NodeProcess:
        if self.adopts:
            container = self._compose_containers().get(name)
            inner = Path(container.labels.get(COMPOSE_DIR, "/data")) if container is not None else Path("/data")
            return ContainerProcess(name, kind, node_dir, container.name if container else f"lngym-{name}",
                                    inner_dir=inner)
        labels = {HOME_LABEL: str(self.home), "lngym.node": name, "org.lngym.version": __version__}
        image = lnd_image() if kind == "lnd" else btcd_image()
        return ContainerProcess(name, kind, node_dir, f"{self._prefix}-{name}", image=image, labels=labels)

    def fixed_ports(self, nodes: list[str]) -> list[int] | None:
        """Compose's ports from its labels (btcd RPC, then p2p and gRPC per node); None: pick free ones."""
        if not self.adopts:
            return None
        found = self._compose_containers()
        missing = [name for name in ("btcd", *nodes) if name not in found]
        if missing:
            raise DockerError(f"no running container labelled {COMPOSE_NODE}={missing[0]}; start the compose "
                              "network first: docker-compose -f compose/docker-compose.yml up -d")
        ports = [int(found["btcd"].labels[COMPOSE_RPC])]
        for name in nodes:
            ports += [int(found[name].labels[COMPOSE_P2P]), int(found[name].labels[COMPOSE_GRPC])]
        return ports

    def _compose_containers(self) -> dict[str, Any]:
        containers = docker_client().containers.list(filters={"label": COMPOSE_NODE})
        return {c.labels[COMPOSE_NODE]: c for c in containers}

    def lnd_log_flags(self, node_dir: Path) -> list[str]:
        # The console output goes to Docker's log; lnd's own log file stays beside its data.
        return [f"--logdir={node_dir / 'logs'}"]

    def lncli_argv(self, name: str, node_dir: Path, grpc_target: str, macaroon: Path) -> list[str]:
        docker_cli = shutil.which("docker")
        if docker_cli is None:
            raise DockerError("`lngym lncli` on the docker backend runs `docker exec`, but the docker CLI is "
                              "not on PATH; install it (Debian: apt-get install docker.io)")
        process = self.process(name, "lnd", node_dir, "")
        assert isinstance(process, ContainerProcess)
        lnddir = process.inner_dir or node_dir
        return [docker_cli, "exec", process.container, f"{IMAGE_BIN}/lncli", f"--lnddir={lnddir}",
                "--network=regtest", f"--rpcserver={grpc_target}"]

    def log_lines(self, process: NodeProcess, lines: int, follow: bool) -> Iterator[str]:
        assert isinstance(process, ContainerProcess)
        container = process._get()
        if container is None:
            raise DockerError(f"{process.name}: no container {process.container}")
        for chunk in container.logs(stream=True, follow=follow, tail=lines if lines > 0 else "all"):
            yield chunk.decode(errors="replace")

    def forget(self, home: Path) -> None:
        """Remove the containers lngym created for ``home`` (by label); compose's stay."""
        if self.adopts:
            return
        for container in docker_client().containers.list(all=True, filters={"label": f"{HOME_LABEL}={home}"}):
            container.remove(force=True)
