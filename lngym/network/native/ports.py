"""Free TCP ports on 127.0.0.1, reserved across processes with lock files.

Binding port 0 alone is racy when several networks start at once (parallel
tests, vector envs): two of them could be handed the same port between the
probe and the daemon's own bind. Each chosen port is therefore also claimed by
an exclusive lock file naming the claiming process; claims of dead processes
are reclaimed, and a network releases its claims when it stops.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

LOCK_DIR = Path(tempfile.gettempdir()) / "lngym-ports"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim(port: int, owner: int) -> bool:
    """Create the lock file for ``port``; reclaim it if its owner is dead."""
    lock = LOCK_DIR / str(port)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and _pid_alive(holder):
                return False
            lock.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(str(owner))
        return True
    return False


def reserve_ports(count: int, owner: int | None = None) -> list[int]:
    """``count`` distinct free loopback ports, each claimed for ``owner`` (a pid)."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    owner = owner or os.getpid()
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in ports and _claim(port, owner):
            ports.append(port)
    return ports


def hand_over(ports: list[int], owner: int) -> None:
    """Re-label claims so they stay valid after the reserving process exits."""
    for port in ports:
        (LOCK_DIR / str(port)).write_text(str(owner))


def release_ports(ports: list[int]) -> None:
    """Drop the claims on ``ports`` (missing claims are fine)."""
    for port in ports:
        (LOCK_DIR / str(port)).unlink(missing_ok=True)
