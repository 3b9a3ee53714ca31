"""How a node's daemon is run: the one seam between the native and the docker backend.

A ``NativeCluster`` plans ports, writes network.json, funds and connects the
nodes; what it asks a ``Runtime`` for is a process handle per daemon (start,
alive?, stop, kill, log tail), the program path on the daemon's command line,
lnd's logging flags, lncli's command line, a node's log lines, and what to
remove with the home. ``LocalRuntime`` runs local processes; the docker
backend (``lngym.network.docker``) runs the very same command lines in
containers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from lngym.network.base import read_log
from lngym.network.native.process import DaemonProcess
from lngym.paths import find_binary


class NodeProcess(Protocol):
    """What the cluster needs of one running daemon, wherever it runs."""

    name: str
    argv: list[str]
    log_path: Path
    pid: int | None

    def start(self) -> int | None:
        """Launch the daemon with ``argv``; returns its pid (as the host sees it)."""

    def follow(self, pid: int | None) -> None:
        """Track the daemon another process (re)started under ``pid``."""

    def is_running(self) -> bool:
        """True while the daemon runs."""

    def check_alive(self) -> None:
        """Raise ``NodeError`` with the last log lines if the daemon has exited."""

    def tail(self, lines: int = 15) -> str:
        """The last lines of the daemon's output."""

    def stop(self, timeout: float = ...) -> None:
        """Stop gracefully, killing after ``timeout``; a no-op if not running."""

    def kill(self) -> None:
        """Kill at once, as a crash would."""

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the daemon is gone; True if it exited in time."""


class Runtime(Protocol):
    """Where and how a cluster's daemons run."""

    #: The backend name recorded in network.json (``native`` or ``docker``).
    backend: str
    #: True if the daemons were started by someone else (docker compose) and lngym adopts them.
    adopts: bool

    def check(self) -> None:
        """Raise a one-line ``LngymError`` if daemons cannot be run at all (before anything starts)."""

    def program(self, name: str) -> str:
        """The path of ``lnd`` or ``btcd`` as the daemon's command line names it."""

    def process(self, name: str, kind: str, node_dir: Path, marker: str) -> NodeProcess:
        """A handle on daemon ``name`` (``kind`` ``lnd`` or ``btcd``) whose data is in ``node_dir``."""

    def fixed_ports(self, nodes: list[str]) -> list[int] | None:
        """Ports the daemons already listen on (btcd RPC, then p2p and gRPC per node), or None to pick free ones."""

    def lnd_log_flags(self, node_dir: Path) -> list[str]:
        """lnd flags that put its log where ``process(...).log_path`` says."""

    def lncli_argv(self, name: str, node_dir: Path, grpc_target: str, macaroon: Path) -> list[str]:
        """lncli's command line for one node."""

    def log_lines(self, process: NodeProcess, lines: int, follow: bool) -> Iterator[str]:
        """A daemon's last ``lines`` log lines (all if 0), then new ones while ``follow``."""

    def forget(self, home: Path) -> None:
        """Remove what this runtime made for the network under ``home`` besides its files."""


class LocalRuntime:
    """Daemons as local processes, their output in a log file beside their data."""

    backend = "native"
    adopts = False

    def check(self) -> None:
        for binary in ("lnd", "btcd"):
            find_binary(binary)

    def program(self, name: str) -> str:
        return str(find_binary(name))

    def process(self, name: str, kind: str, node_dir: Path, marker: str) -> NodeProcess:
        return DaemonProcess(name, [], node_dir / f"{kind}.log", marker=marker)

    def fixed_ports(self, nodes: list[str]) -> list[int] | None:
        return None

    def lnd_log_flags(self, node_dir: Path) -> list[str]:
        return ["--logging.file.disable"]  # its console output is the log file

    def lncli_argv(self, name: str, node_dir: Path, grpc_target: str, macaroon: Path) -> list[str]:
        return [str(find_binary("lncli")), f"--lnddir={node_dir}", "--network=regtest",
                f"--rpcserver={grpc_target}", f"--macaroonpath={macaroon}"]

    def log_lines(self, process: NodeProcess, lines: int, follow: bool) -> Iterator[str]:
        return read_log(process.log_path, lines, follow)

    def forget(self, home: Path) -> None:
        """Local processes leave nothing outside their directories."""
