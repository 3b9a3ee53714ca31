"""The live harness's node checks on a fake stopped network: no lnd or btcd needed.

A network.json and lnd.log files written by hand stand in for a network, and a
Python process named ``lnd`` for a node left running, so each check is shown to
find what it should (and only that) in a second, without starting real nodes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_checks import LogCursor, WatchedNetwork

from lngym.network.native import NativeNetwork
from lngym.network.native.process import pids_using
from lngym.network.native.state import NetworkState, NodeRecord

ERR = "2026-01-01 12:00:00.000 [ERR] HSWC: something broke\n"
INF = "2026-01-01 12:00:00.000 [INF] LTND: all fine\n"


PAIR = """
name = "pair"
nodes = ["alice", "bob"]

[[channels]]
a = "alice"
b = "bob"
capacity = 1_000_000
"""


def write_state(home: Path, alice: int | None, bob: int | None) -> None:
    """A network.json for a two-node network whose nodes have these pids (None: stopped)."""
    scenario = home / "pair.toml"
    scenario.write_text(PAIR)
    nodes = {name: NodeRecord(p2p_port=20000 + i, grpc_port=21000 + i, pid=pid)
             for i, (name, pid) in enumerate({"alice": alice, "bob": bob}.items())}
    NetworkState(scenario_path=str(scenario), data_dir=str(home), btcd_rpc_port=22000, nodes=nodes).save(home)


@pytest.fixture
def fake_node(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process that looks like alice's lnd to /proc (program name ``lnd``, her --lnddir)."""
    process = subprocess.Popen(
        [str(tmp_path / "bin" / "lnd"), "-c", "import time; time.sleep(60)", f"--lnddir={tmp_path / 'alice'}"],
        executable=sys.executable,
    )
    # Seen by the scan the checks use before any test relies on it (a slow start is not a bug).
    deadline = time.monotonic() + 10
    while process.pid not in pids_using(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.pid in pids_using(tmp_path), f"the fake lnd did not come up (exit code {process.poll()})"
    yield process
    process.kill()
    process.wait()


def test_cursor_reads_only_whole_lines_written_since_it_was_opened(tmp_path: Path) -> None:
    log = tmp_path / "lnd.log"
    log.write_text(ERR)
    cursor = LogCursor(log)
    with log.open("a") as out:
        out.write(INF + "2026-01-01 [ERR] half a li")
    assert cursor.new_lines() == [INF.strip()]
    with log.open("a") as out:
        out.write("ne\n")
    assert cursor.new_lines() == ["2026-01-01 [ERR] half a line"]


def test_cursor_reads_a_replaced_log_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "lnd.log"
    log.write_text(INF * 5)
    cursor = LogCursor(log)
    log.unlink()  # a hard reset removes the node directory; lnd starts a new log
    log.write_text(ERR)
    assert cursor.new_lines() == [ERR.strip()]


def test_new_err_lines_are_problems_unless_allowed(tmp_path: Path) -> None:
    write_state(tmp_path, alice=None, bob=None)
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "lnd.log").write_text(ERR)  # written before the test: not its problem
    watched = WatchedNetwork(NativeNetwork(home=tmp_path), owned=False)
    with (tmp_path / "alice" / "lnd.log").open("a") as out:
        out.write(INF + ERR + ERR.replace("something broke", "expected trouble"))
    watched.gather_errors()
    (problem,) = watched.unexpected_errors([re.compile("expected trouble")])
    assert problem.node == "alice" and "1 unexpected [ERR]" in problem.what and "something broke" in problem.what
    assert watched.unexpected_errors([re.compile(r"\[ERR\]")]) == []


def test_a_node_with_a_recorded_pid_but_no_process_is_crashed(
    tmp_path: Path, fake_node: subprocess.Popen[bytes]
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_state(tmp_path, alice=fake_node.pid, bob=gone.pid)
    watched = WatchedNetwork(NativeNetwork(home=tmp_path), owned=True)
    (problem,) = watched.crashed([])
    assert problem.node == "bob" and f"pid {gone.pid} is gone" in problem.what
    assert watched.crashed(["bob"]) == []


def test_a_process_left_on_a_stopped_network_is_named_and_stopped(
    tmp_path: Path, fake_node: subprocess.Popen[bytes]
) -> None:
    write_state(tmp_path, alice=None, bob=None)
    watched = WatchedNetwork(NativeNetwork(home=tmp_path), owned=True)
    (problem,) = watched.leftovers()
    assert problem.node == "alice" and f"pid {fake_node.pid} still runs" in problem.what
    assert fake_node.wait(timeout=20) is not None
    assert watched.leftovers() == []
