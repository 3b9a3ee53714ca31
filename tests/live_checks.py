"""What the live-test harness checks on each node of a network a test used.

A node that should run still runs, its log gained no unexpected ``[ERR]`` line
during the test, and nothing of a network the test stopped runs on. Each finding
is a ``Problem`` naming its node, so that teardown can report them all at once
(as pyln-testing's teardown checks do) instead of stopping at the first.

Nodes are found through what any process can see (network.json, /proc and the
log files) rather than through the ``NativeNetwork`` object's handles, so the
checks also cover nodes restarted by another process (``lngym restart``, an env
attached to the same home).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lngym.errors import LngymError
from lngym.network.native import NativeNetwork
from lngym.network.native.process import pids_using, stop_pid
from lngym.network.native.state import NetworkState

#: How lnd (and btcd) mark an error in their log: ``2025-01-01 12:00:00.000 [ERR] HSWC: …``.
ERROR_LINE = re.compile(r"\[ERR\]")
_LNDDIR = re.compile(rb"--lnddir=(\S+)")
#: Log lines shown with a crashed node, enough to see why it died.
TAIL_LINES = 8


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one node; ``what`` may span lines (log excerpts)."""

    node: str
    home: Path
    what: str

    def __str__(self) -> str:
        return f"{self.node} (network in {self.home}): {self.what}"


class LogCursor:
    """The end of a log file when watching began, so that only lines written since are read."""

    def __init__(self, path: Path, from_start: bool = False) -> None:
        self.path = path
        self._inode, self._offset = (None, 0) if from_start else _position(path)

    def new_lines(self) -> list[str]:
        """Whole lines appended since the last read; all of a file that was replaced.

        A hard reset removes node directories and lnd starts a new log: a changed
        inode (or a shorter file) means reading the new file from its start.
        """
        inode, size = _position(self.path)
        if inode is None:
            return []
        start = self._offset if inode == self._inode and size >= self._offset else 0
        with self.path.open("rb") as log:
            log.seek(start)
            data = log.read(size - start)
        whole = data[: data.rfind(b"\n") + 1]  # a line still being written is read next time
        self._inode, self._offset = inode, start + len(whole)
        return whole.decode(errors="replace").splitlines()


def _position(path: Path) -> tuple[int | None, int]:
    try:
        stat = path.stat()
    except OSError:
        return None, 0
    return stat.st_ino, stat.st_size


class WatchedNetwork:
    """One network a test used: where its logs stood when the test began, and whether the test owns it.

    An owned network was launched during the test (or lives in its ``fresh_home``):
    teardown stops it and then checks that none of its processes is left.
    """

    def __init__(self, network: NativeNetwork, owned: bool, from_start: bool = False) -> None:
        self.network = network
        self.owned = owned
        self.home = network.home
        self.errors: dict[str, list[str]] = {}
        self._from_start = from_start
        self._cursors: dict[str, LogCursor] = {}
        self._data_dir = network.home
        self._open_cursors()

    @property
    def data_dir(self) -> Path:
        """Where the node directories are (a tmpfs directory for ``tmpfs=True`` networks)."""
        state = self.network.cluster.state
        if state is not None:
            self._data_dir = Path(state.data_dir)
        return self._data_dir

    def _open_cursors(self) -> None:
        """A cursor per lnd log that exists by now; a log that appears later is read whole."""
        for name in self.network.scenario.nodes:
            if name in self._cursors:
                continue
            try:
                path = self.network.log_path(name)
            except LngymError:  # not launched yet: its logs will all be new
                self._from_start = True
                continue
            self._cursors[name] = LogCursor(path, from_start=self._from_start)

    def gather_errors(self) -> None:
        """Collect the ``[ERR]`` lines written since the last look (before a clean removes the logs)."""
        self._open_cursors()
        for name, cursor in self._cursors.items():
            found = [line for line in cursor.new_lines() if ERROR_LINE.search(line)]
            if found:
                self.errors.setdefault(name, []).extend(found)

    def unexpected_errors(self, allowed: Iterable[re.Pattern[str]]) -> list[Problem]:
        """One problem per node whose gathered ``[ERR]`` lines include one no pattern allows."""
        patterns = list(allowed)
        problems = []
        for name, lines in self.errors.items():
            bad = [line for line in lines if not any(p.search(line) for p in patterns)]
            if bad:
                excerpt = "\n".join(bad[:10]) + (f"\n… and {len(bad) - 10} more" if len(bad) > 10 else "")
                problems.append(Problem(name, self.home, f"{len(bad)} unexpected [ERR] log line(s):\n{excerpt}"))
        return problems

    def crashed(self, may_crash: Iterable[str]) -> list[Problem]:
        """Nodes network.json says are up (a recorded pid) whose process is gone."""
        state = NetworkState.load(self.home)
        if state is None:
            return []
        data_dir = Path(state.data_dir)
        expected = {name: record.pid for name, record in state.nodes.items()}
        expected["btcd"] = state.btcd_pid
        skip = _running_nodes(data_dir) | set(may_crash)
        problems = []
        for name, pid in expected.items():
            if pid is None or name in skip:
                continue
            tail = self._tail(name, data_dir)
            problems.append(Problem(name, self.home, f"crashed: pid {pid} is gone, though network.json says "
                                                     f"the network is up; last log lines:\n{tail}"))
        return problems

    def leftovers(self) -> list[Problem]:
        """Processes still using the network's directories once it was stopped; they are stopped too."""
        problems = []
        for directory in {self.data_dir, self.home}:
            for pid in pids_using(directory):
                name = _node_of(pid, self.data_dir)
                problems.append(Problem(name, self.home, f"pid {pid} still runs after the network was stopped"))
                stop_pid(pid, directory)
        return problems

    def _tail(self, name: str, data_dir: Path) -> str:
        try:
            path = self.network.log_path(name)  # where the backend's runtime keeps it
        except LngymError:
            path = data_dir / "btcd" / "btcd.log" if name == "btcd" else data_dir / name / "lnd.log"
        try:
            lines = path.read_text(errors="replace").splitlines()[-TAIL_LINES:]
        except OSError:
            return f"(no log at {path})"
        return "\n".join(lines)


def _running_nodes(data_dir: Path) -> set[str]:
    """Names of the nodes (and ``btcd``) with a live process on ``data_dir``."""
    return {_node_of(pid, data_dir) for pid in pids_using(data_dir)}


def _node_of(pid: int, data_dir: Path) -> str:
    """Which node a process on ``data_dir`` is: the lnd whose ``--lnddir`` it has, else btcd."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return f"pid {pid}"
    found = _LNDDIR.search(cmdline)
    if found is None:
        return "btcd"
    node_dir = Path(found.group(1).decode(errors="replace"))
    return node_dir.name if node_dir.parent == data_dir else str(node_dir)
