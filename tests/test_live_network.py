"""The native network on real btcd and lnd processes: up, check, restart, down, clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lngym.errors import UnknownNodeError
from lngym.network.check import run_check
from lngym.network.native import NativeNetwork
from lngym.network.native.process import pids_using
from lngym.network.native.state import NetworkState

# The same tests on lnd processes and on lnd containers (tests/live_harness.py's fixture).
pytestmark = [pytest.mark.live, pytest.mark.backends("native", "docker")]


def lngym(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in a child process."""
    env = dict(os.environ)
    if home is not None:
        env["LNGYM_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "lngym.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )


def test_up_gives_five_synced_nodes_six_active_channels_and_full_graphs(network: NativeNetwork) -> None:
    nodes = network.nodes()
    assert [n.name for n in nodes] == ["alice", "bob", "carol", "dave", "eve"]
    assert all(n.alive and n.synced and len(n.pubkey) == 66 for n in nodes)
    snapshot = network.snapshot()
    assert len(snapshot.channels) == 6
    assert all(c.active and c.capacity_sat == 1_000_000 for c in snapshot.channels)
    # Opened balanced: the opener keeps half minus the commitment fee and anchors.
    for channel in snapshot.channels:
        assert channel.balance_b_sat == 500_000
        assert 490_000 < channel.balance_a_sat < 500_000
    wanted = {int(c.id) for c in snapshot.channels}
    for node in network.cluster.lnd.values():
        graph = node.client.describe_graph()
        edges = {e.channel_id for e in graph.edges if e.HasField("node1_policy") and e.HasField("node2_policy")}
        assert edges == wanted, f"{node.name}'s graph lacks channels"


def test_status_json_lists_nodes_and_channels(network: NativeNetwork) -> None:
    result = lngym("--home", str(network.home), "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert {n["name"] for n in status["nodes"]} == set(network.scenario.nodes)
    assert all(n["synced"] for n in status["nodes"])
    first = status["channels"][0]
    assert (first["a"], first["b"], first["capacity"], first["active"]) == ("alice", "bob", 1_000_000, True)
    assert first["balance_b"] == 500_000


def test_check_passes_on_every_channel_and_multi_hop(network: NativeNetwork) -> None:
    steps = list(run_check(network))
    assert all(step.ok for step in steps), [s for s in steps if not s.ok]
    assert sum(step.what.startswith("pay ") for step in steps) == 12
    assert any(step.what.startswith("multi-hop") for step in steps)
    cli = lngym("--home", str(network.home), "check")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "all checks passed" in cli.stdout


def test_payment_larger_than_any_route_fails_with_lnds_reason(network: NativeNetwork) -> None:
    result = network.pay("alice", "carol", 900_000)
    assert not result.success
    assert result.failure_reason in ("no_route", "insufficient_balance")
    assert network.snapshot().channels[0].balance_b_sat == 500_000  # nothing moved


def test_unknown_node_is_refused_everywhere(network: NativeNetwork) -> None:
    with pytest.raises(UnknownNodeError):
        network.pay("alice", "mallory", 1_000)
    for command in (["lncli", "mallory", "getinfo"], ["logs", "mallory"], ["restart", "mallory"]):
        result = lngym("--home", str(network.home), *command)
        assert result.returncode == 1
        assert "unknown node 'mallory'" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_lncli_passthrough_talks_to_the_node(network: NativeNetwork) -> None:
    result = lngym("--home", str(network.home), "lncli", "lnd-bob", "getinfo")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["identity_pubkey"] == network.cluster.lnd["bob"].pubkey


def test_up_on_a_running_network_changes_nothing(network: NativeNetwork) -> None:
    pids = {name: node.process.pid for name, node in network.cluster.lnd.items()}
    result = lngym("--home", str(network.home), "up")
    assert result.returncode == 0
    assert "already running" in result.stdout
    assert {name: node.process.pid for name, node in network.cluster.lnd.items()} == pids


def test_restart_brings_a_node_back_with_active_channels(network: NativeNetwork) -> None:
    old_pid = network.cluster.lnd["carol"].process.pid
    result = lngym("--home", str(network.home), "restart", "carol")
    assert result.returncode == 0, result.stderr
    network.attach()  # pick up the new pid from network.json
    assert network.cluster.lnd["carol"].process.pid != old_pid
    assert all(c.active for c in network.snapshot().channels)
    assert network.pay("bob", "carol", 1_000).success


def test_two_networks_run_side_by_side_and_down_and_clean_leave_nothing(
    network: NativeNetwork, fresh_home: Path
) -> None:
    second = NativeNetwork("seed", home=fresh_home, tmpfs=True)
    second.up()
    data_dir = Path(second.cluster.state.data_dir)
    assert data_dir.is_relative_to("/dev/shm") and (data_dir / "alice").is_dir()
    pids = [n.process.pid for n in second.cluster.lnd.values()] + [second.cluster.btcd.process.pid]
    ours = {n.config.grpc_port for n in network.cluster.lnd.values()}
    assert ours.isdisjoint({n.config.grpc_port for n in second.cluster.lnd.values()})
    assert second.pay("alice", "carol", 2_000).success
    assert network.pay("alice", "carol", 2_000).success  # the first one is unaffected
    assert lngym("down", home=fresh_home).returncode == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or b"lngym" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert network.pay("bob", "dave", 1_000).success  # the first network still runs
    assert lngym("clean", home=fresh_home).returncode == 0
    assert not fresh_home.exists() and not data_dir.exists()


def test_a_network_of_eight_nodes_comes_up_and_pays_across(fresh_home: Path) -> None:
    """envs/relay.toml: eight lnd, each with several websockets to btcd (more than its default cap of 25)."""
    network = NativeNetwork("relay", home=fresh_home, tmpfs=True)
    network.up()
    try:
        assert all(info.synced and info.alive for info in network.nodes())
        assert all(c.active for c in network.snapshot().channels)
        assert network.pay("alice", "dave", 5_000).success
        height = network.height()
        network.mine(1)
        assert all(node.client.get_info().block_height == height + 1 for node in network.cluster.lnd.values())
    finally:
        network.clean()


def test_check_without_a_network_says_so(tmp_path: Path) -> None:
    result = lngym("check", home=tmp_path / "nothing-here")
    assert result.returncode == 1
    assert "no network is running" in result.stderr
    assert "lngym up" in result.stderr


# alice's pid is erased from network.json on purpose, so `lngym down` finds her only
# after stopping btcd, and her btcd client logs the dropped connection.
@pytest.mark.allow_log_errors(r"RPCC: Websocket receive error from 127\.0\.0\.1:\d+: websocket: close 1006")
def test_hard_reset_rebuilds_the_network_at_its_initial_split(fresh_home: Path) -> None:
    network = NativeNetwork("seed", home=fresh_home)
    network.up()
    try:
        initial = [(c.balance_a_sat, c.balance_b_sat) for c in network.snapshot().channels]
        assert network.pay("alice", "dave", 50_000).success
        old_pubkey = network.cluster.lnd["alice"].pubkey
        restored = network.reset_balances(hard=True)
        assert [(c.balance_a_sat, c.balance_b_sat) for c in restored.channels] == initial
        assert all(c.active for c in restored.channels)
        assert network.cluster.lnd["alice"].pubkey != old_pubkey  # really a new network
        assert network.pay("alice", "dave", 1_000).success
        # A daemon whose pid was lost from network.json is still found and stopped by down.
        state = NetworkState.load(fresh_home)
        state.nodes["alice"].pid = None
        state.save(fresh_home)
        assert lngym("down", home=fresh_home).returncode == 0
        assert pids_using(Path(state.data_dir)) == []
    finally:
        network.down()


def test_a_node_that_exits_during_start_stops_everything_and_shows_its_log(
    fresh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lngym.errors import NodeError
    from lngym.network.native import lnd_node

    monkeypatch.setattr(lnd_node, "FAST_REGTEST_FLAGS", [*lnd_node.FAST_REGTEST_FLAGS, "--no-such-flag"])
    network = NativeNetwork("seed", home=fresh_home)
    with pytest.raises(NodeError) as failure:
        network.up()
    message = str(failure.value)
    assert "process exited" in message and "no-such-flag" in message
    assert f"Node directories are in {fresh_home}" in message
    assert not network.is_running()
    assert all(not node.process.is_running() for node in network.cluster.lnd.values())
