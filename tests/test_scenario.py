"""Scenario files: the seed loads, and each malformation names file, field and expectation."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from lngym.errors import NetworkStateError, ScenarioError, UnknownNodeError
from lngym.network.native.bootstrap import validate_for_lnd
from lngym.scenario import (
    FeePolicy,
    Scenario,
    load_scenario,
    scenario_from_dict,
    wire_name,
)

SEED_NODES = ("alice", "bob", "carol", "dave", "eve")


def test_seed_is_the_ring_with_the_bob_dave_chord() -> None:
    seed = load_scenario()
    assert seed.nodes == SEED_NODES
    pairs = [(c.a, c.b) for c in seed.channels]
    assert pairs == [("alice", "bob"), ("bob", "carol"), ("carol", "dave"), ("dave", "eve"),
                     ("eve", "alice"), ("bob", "dave")]
    assert all(c.capacity_sat == 1_000_000 and c.push_sat == 500_000 for c in seed.channels)
    assert seed.policy.fee_rate_ppm == 0


def test_node_names_accept_the_wire_form() -> None:
    seed = load_scenario("seed")
    assert seed.node("lnd-alice") == "alice" and wire_name("alice") == "lnd-alice"
    assert seed.channel_index("lnd-bob", "alice") == 0
    with pytest.raises(UnknownNodeError, match="unknown node 'mallory'"):
        seed.node("mallory")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        ('nodes = ["alice"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000', "nodes", "at least two"),
        ('nodes = ["alice", "Bob!"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000', "nodes[1]", "lowercase"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="carol"\ncapacity=100000', "channels[0].b", "one of the nodes"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity="big"', "channels[0].capacity", "positive integer"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\nsplit=1.5', "channels[0].split", "from 0 to 1"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\ncolour=1', "channels[0].colour", "one of a, b"),
        ('nodes = ["alice", "bob"]\nchannels = []', "channels", "non-empty list"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy]\nfee_rate_ppm=-1', "policy.fee_rate_ppm", "≥ 0"),
        ('nodes = ["a1", "b1"]\ntopology = 3', "topology", "one of"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy.nodes.mallory]\nbase_fee_msat=2000', "policy.nodes.mallory", "one of the nodes"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy.nodes.bob]\nbase_fee_msat=-1', "policy.nodes.bob.base_fee_msat", "≥ 0"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy.nodes.bob]\nbase_fee_msat=1.5', "policy.nodes.bob.base_fee_msat", "whole number"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy.nodes.bob]\ntime_lock_delta=9', "policy.nodes.bob.time_lock_delta", "at least 18"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy.nodes.bob]\nfee=1', "policy.nodes.bob.fee", "one of base_fee_msat"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy]\nnodes = { bob = 3 }', "policy.nodes.bob", "a table"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy]\nnodes = 3', "policy.nodes", "a table"),
        ('nodes = ["alice", "bob"]\n[[channels]]\na="alice"\nb="bob"\ncapacity=100000\n[policy]\nbasefee = 3', "policy.basefee", "one of base_fee_msat"),
    ],
)
def test_malformed_scenario_names_file_field_and_expectation(
    tmp_path: Path, body: str, field: str, expected: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert message.startswith(str(path.resolve()))
    assert f": {field}: expected" in message and expected in message


def test_invalid_toml_and_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "nodes = [\n"))
    with pytest.raises(ScenarioError, match="no scenario named 'atlantis'"):
        load_scenario("atlantis")
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "absent.toml")


def test_lnd_limits_are_checked_before_anything_starts() -> None:
    huge = scenario_from_dict(
        {"nodes": ["alice", "bob"], "channels": [{"a": "alice", "b": "bob", "capacity": 50_000_000}]}
    )
    with pytest.raises(NetworkStateError, match="channels\\[0\\].capacity"):
        validate_for_lnd(huge)


def test_node_policy_overrides_merge_with_the_global_policy() -> None:
    scenario = scenario_from_dict({
        "nodes": ["alice", "bob", "carol"],
        "channels": [{"a": "alice", "b": "bob", "capacity": 100_000}],
        "policy": {"fee_rate_ppm": 0, "nodes": {"bob": {"base_fee_msat": 2000}, "carol": {"time_lock_delta": 40}}},
    })
    assert scenario.policy == FeePolicy(base_fee_msat=1000, fee_rate_ppm=0, time_lock_delta=80)
    assert scenario.policy_of("alice") == scenario.policy
    assert scenario.policy_of("lnd-bob") == FeePolicy(base_fee_msat=2000, fee_rate_ppm=0, time_lock_delta=80)
    assert scenario.policy_of("carol") == FeePolicy(base_fee_msat=1000, fee_rate_ppm=0, time_lock_delta=40)
    with pytest.raises(UnknownNodeError):
        scenario.policy_of("mallory")


def test_scenarios_without_overrides_give_every_node_the_global_policy() -> None:
    seed = load_scenario("seed")
    assert seed.node_policies == {}
    assert {seed.policy_of(n) for n in seed.nodes} == {seed.policy}


def _routes(scenario: Scenario, source: str, target: str, avoid: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """Every simple path from ``source`` to ``target`` that does not pass through ``avoid``."""
    neighbours: dict[str, set[str]] = {n: set() for n in scenario.nodes}
    for c in scenario.channels:
        neighbours[c.a].add(c.b)
        neighbours[c.b].add(c.a)
    found: list[tuple[str, ...]] = []

    def extend(path: tuple[str, ...]) -> None:
        if path[-1] == target:
            found.append(path)
            return
        for nxt in sorted(neighbours[path[-1]] - set(path) - avoid):
            extend((*path, nxt))

    extend((source,))
    return found


def _fee_msat(scenario: Scenario, forwarders: tuple[str, ...]) -> int:
    """What the nodes that forward charge (base fees only: every scenario checked has 0 ppm)."""
    return sum(scenario.policy_of(node).base_fee_msat for node in forwarders)


def test_seed_fidelity_has_no_two_routes_of_equal_fee() -> None:
    scenario = load_scenario("seed-fidelity")
    seed = load_scenario("seed")
    assert [(c.a, c.b, c.capacity_sat, c.split) for c in scenario.channels] == [
        (c.a, c.b, c.capacity_sat, c.split) for c in seed.channels
    ]
    assert scenario.traffic == seed.traffic
    policies = [scenario.policy_of(n) for n in scenario.nodes]
    assert all(p.fee_rate_ppm == 0 and p.base_fee_msat % 1000 == 0 for p in policies)
    for source, target in itertools.permutations(scenario.nodes, 2):
        fees = [_fee_msat(scenario, route[1:-1]) for route in _routes(scenario, source, target)]
        assert len(set(fees)) == len(fees), (source, target, fees)
    for c in scenario.channels:  # rebalance circuits: out through the channel, back another way
        for out, first in ((c.a, c.b), (c.b, c.a)):
            circuits = [r for r in _routes(scenario, first, out) if r != (first, out)]
            fees = [_fee_msat(scenario, route[:-1]) for route in circuits]
            assert len(set(fees)) == len(fees), (out, first, fees)


def test_the_seed_itself_has_equally_cheap_routes() -> None:
    """Why seed-fidelity exists: on the seed alice->dave costs the same via bob and via eve."""
    seed = load_scenario("seed")
    fees = sorted(_fee_msat(seed, r[1:-1]) for r in _routes(seed, "alice", "dave"))
    assert fees[0] == fees[1]


def test_each_lnd_is_started_with_its_own_nodes_fee_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The native backend hands every lnd its node's policy, not the global one (no processes run)."""
    from lngym.network.native import runtime
    from lngym.network.native.cluster import NativeCluster
    from lngym.network.native.state import NetworkState, NodeRecord

    monkeypatch.setattr(runtime, "find_binary", lambda name: Path("/usr/bin") / name)
    network = NativeCluster("seed-fidelity", home=tmp_path)
    names = network.scenario.nodes
    network.state = NetworkState(
        scenario_path=str(network.scenario.path), data_dir=str(tmp_path / "data"), btcd_rpc_port=18_000,
        nodes={n: NodeRecord(p2p_port=18_001 + 2 * i, grpc_port=18_002 + 2 * i) for i, n in enumerate(names)},
    )
    network._build_processes()
    for name in names:
        flags = [f for f in network.lnd[name].argv() if f.startswith("--bitcoin.basefee=")]
        assert flags == [f"--bitcoin.basefee={network.scenario.policy_of(name).base_fee_msat}"]
    assert network.lnd["dave"].policy.base_fee_msat == 5000 and network.lnd["alice"].policy.base_fee_msat == 1000
