"""Scenarios from other tools: SimLN sim.json, lncli describegraph JSON and CLoTH CSVs (twin only)."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lngym.cli.main import main
from lngym.errors import ScenarioError
from lngym.imports import import_scenario
from lngym.imports.names import MAX_NAME, node_names
from lngym.imports.simln import resolve_activity
from lngym.imports.toml_out import dumps
from lngym.network import make
from lngym.network.sim.lnsnapshot import load_ln_snapshot
from lngym.scenario import load_scenario, scenario_from_dict
from lngym.traffic import Workload

ALICE, BOB, CAROL = ("02" + c * 64 for c in "abc")
#: CLoTH's CSVs of the real LN graph (not in the repository): LNGYM_LN_SNAPSHOT, else the first of the
#: shared data folder beside the checkout and the project machine's /work/shared that holds one.
_SNAPSHOT_PLACES = [Path(__file__).resolve().parents[2] / "shared" / "data" / "ln-snapshot",
                    Path("/work/shared/data/ln-snapshot")]
LN_SNAPSHOT = Path(os.environ.get("LNGYM_LN_SNAPSHOT")
                   or next((p for p in _SNAPSHOT_PLACES if (p / "channels_ln.csv").is_file()), _SNAPSHOT_PLACES[0]))


def simln_end(pubkey: str, alias: str, base_fee: int = 1000, ppm: int = 100, cltv: int = 40) -> dict:
    """One channel end as SimLN's sim_network writes it."""
    return {"pubkey": pubkey, "alias": alias, "max_htlc_count": 483, "max_in_flight_msat": 10**9,
            "min_htlc_size_msat": 1, "max_htlc_size_msat": 10**9, "cltv_expiry_delta": cltv,
            "base_fee": base_fee, "fee_rate_prop": ppm}


def simln_data() -> dict:
    """alice - bob - carol (carol has no alias), and alice paying carol by public key."""
    return {
        "sim_network": [
            {"scid": 1, "capacity_msat": 2_000_000_000,
             "node_1": simln_end(ALICE, "Alice"), "node_2": simln_end(BOB, "Bob")},
            {"scid": 2, "capacity_msat": 1_000_000_000,
             "node_1": simln_end(BOB, "Bob"), "node_2": simln_end(CAROL, "", base_fee=0, ppm=500, cltv=144)},
        ],
        "activity": [{"source": ALICE, "destination": CAROL, "interval_secs": 1, "amount_msat": 2_000_000,
                      "count": 5}],
    }


def describegraph_data() -> dict:
    """lncli's shape: numbers as strings, one direction without a policy, one disabled."""
    def policy(base: str, ppm: str, cltv: int, disabled: bool = False) -> dict:
        return {"time_lock_delta": cltv, "min_htlc": "1000", "fee_base_msat": base,
                "fee_rate_milli_msat": ppm, "disabled": disabled, "max_htlc_msat": "990000000"}

    return {
        "nodes": [{"pub_key": ALICE, "alias": "ACINQ ⚡"}, {"pub_key": BOB, "alias": "acinq"},
                  {"pub_key": CAROL, "alias": "carol"}, {"pub_key": "02" + "d" * 64, "alias": "lonely"}],
        "edges": [
            {"channel_id": "1", "capacity": "1000000", "node1_pub": ALICE, "node2_pub": BOB,
             "node1_policy": policy("1000", "1", 40), "node2_policy": policy("1000", "1", 40)},
            {"channel_id": "2", "capacity": "2000000", "node1_pub": BOB, "node2_pub": CAROL,
             "node1_policy": policy("2000", "50", 80), "node2_policy": None},
            {"channel_id": "3", "capacity": "300000", "node1_pub": ALICE, "node2_pub": CAROL,
             "node1_policy": policy("0", "0", 40, disabled=True), "node2_policy": policy("1000", "1", 40)},
        ],
    }


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def write_cloth(root: Path) -> Path:
    """Two nodes, one channel of 3,000,000 sat (msat in the CSV), 2/3 on node 0's side."""
    (root / "nodes_ln.csv").write_text("id\n0\n1\n")
    (root / "channels_ln.csv").write_text(
        "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,3000000000\n")
    (root / "edges_ln.csv").write_text(
        "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base,fee_proportional,min_htlc,timelock\n"
        "0,0,1,0,1,2000000000,1000,1,1000,144\n1,0,0,1,0,1000000000,500,20,1000,10\n")
    return root


def topology(scenario) -> tuple:
    return scenario.nodes, scenario.channels, scenario.policy, dict(scenario.node_policies), dict(scenario.traffic)


def test_simln_sim_json_loads_with_names_policies_and_activity(tmp_path):
    scenario = load_scenario(write_json(tmp_path / "sim.json", simln_data()))
    carol = "n" + CAROL[:12]
    assert scenario.nodes == ("alice", "bob", carol)
    assert [(c.a, c.b, c.capacity_sat, c.split) for c in scenario.channels] == [
        ("alice", "bob", 2_000_000, 0.5), ("bob", carol, 1_000_000, 0.5)]
    assert (scenario.policy.base_fee_msat, scenario.policy.fee_rate_ppm, scenario.policy.time_lock_delta) == (
        1000, 100, 40)
    assert scenario.policy_of(carol).fee_rate_ppm == 500 and scenario.policy_of(carol).time_lock_delta == 144
    sim = make("sim", scenario)
    requests = Workload.from_scenario(scenario, seed=1).next(5)
    assert {(r.sender, r.receiver, r.amount_sat) for r in requests} == {("alice", carol, 2000)}
    results = sim.pay_many(requests)
    assert all(r.success and r.route == ("alice", "bob", carol) for r in results)


@pytest.mark.parametrize("maker, name", [
    (lambda p: write_json(p / "sim.json", simln_data()), "simln"),
    (lambda p: write_json(p / "graph.json", describegraph_data()), "describegraph"),
    (lambda p: write_cloth(p), "cloth"),
])
def test_import_to_toml_and_back_gives_the_same_scenario(tmp_path, maker, name):
    source = maker(tmp_path)
    out = tmp_path / "out.toml"
    assert main(["scenario", "import", str(source), "--format", name, "-o", str(out)]) == 0
    assert topology(load_scenario(out)) == topology(load_scenario(source))


def test_describegraph_names_policies_and_neighbourhood(tmp_path, capsys):
    path = write_json(tmp_path / "graph.json", describegraph_data())
    scenario = load_scenario(path)
    # Aliases sanitised and kept unique; a node without channels is left out.
    assert scenario.nodes == ("acinq", "acinq_2", "carol")
    assert [c.capacity_sat for c in scenario.channels] == [1_000_000, 2_000_000, 300_000]
    # A node's policy is that of most of its capacity: bob's (acinq_2) is its larger channel's; the
    # disabled and null directions do not count, so alice and carol keep the common one.
    assert (scenario.policy_of("acinq_2").base_fee_msat, scenario.policy_of("acinq_2").fee_rate_ppm) == (2000, 50)
    assert set(scenario.node_policies) == {"acinq_2"}
    assert make("sim", scenario).pay("acinq", "carol", 10_000).success
    table = import_scenario(path, around=CAROL, depth=1)
    assert sorted(table["nodes"]) == ["acinq", "acinq_2", "carol"]
    with pytest.raises(ScenarioError, match="at least one channel"):  # by alias; a lone node has no channel
        import_scenario(path, around="acinq", depth=0)
    assert main(["scenario", "show", str(path)]) == 0
    assert "3 nodes, 3 channels, 3,300,000 sat" in capsys.readouterr().out


def test_cloth_keeps_balances_and_the_loader_needs_its_folder(tmp_path):
    scenario = load_scenario(write_cloth(tmp_path) / "edges_ln.csv")
    assert [(c.a, c.b, c.capacity_sat, round(c.split, 4)) for c in scenario.channels] == [
        ("n0", "n1", 3_000_000, 0.6667)]
    assert scenario.policy_of("n1").time_lock_delta == 18, "below LND's minimum is raised to it"
    with pytest.raises(ScenarioError) as error:
        load_ln_snapshot(tmp_path / "missing")
    message = str(error.value)
    assert "\n" not in message and "missing" in message and "channels_ln.csv" in message and "github.com/marcono/cloth" in message


def test_activity_resolves_with_the_public_keys_of_a_running_network(tmp_path):
    scenario = load_scenario(write_json(tmp_path / "sim.json", simln_data()))
    sim = make("sim", scenario)
    by_key = {node.pubkey: node.name for node in sim.nodes()}
    carol = scenario.nodes[2]
    activity = [{"source": next(k for k, n in by_key.items() if n == "bob"),
                 "destination": next(k for k, n in by_key.items() if n == carol),
                 "interval_secs": 2, "amount_msat": [1_000_000, 3_000_000]}]
    assert resolve_activity("nodes.json", activity, by_key) == [
        {"source": "bob", "destination": carol, "interval_s": 2, "amount_sat": [1000, 3000],
         "description": "SimLN activity 0"}]


def bad(data_change, tmp_path: Path, name: str = "sim.json") -> str:
    """The one-line error of loading simln_data() after ``data_change``."""
    data = simln_data()
    data_change(data)
    path = write_json(tmp_path / name, data)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert "\n" not in message and str(path) in message
    return message


def test_bad_files_give_one_line_errors_naming_file_entry_and_field(tmp_path, capsys):
    assert "sim_network[1].capacity_msat: expected a whole number ≥ 1, got -5" in bad(
        lambda d: d["sim_network"][1].update(capacity_msat=-5), tmp_path)
    assert "sim_network[0].capacity_msat: expected a field here" in bad(
        lambda d: d["sim_network"][0].pop("capacity_msat"), tmp_path)
    assert "sim_network[0].node_2.fee_rate_prop" in bad(
        lambda d: d["sim_network"][0]["node_2"].pop("fee_rate_prop"), tmp_path)
    assert "activity[0].destination: expected a node of the network" in bad(
        lambda d: d["activity"][0].update(destination="02" + "e" * 64), tmp_path)
    graph = describegraph_data()
    graph["edges"][1]["node2_pub"] = "02" + "f" * 64
    path = write_json(tmp_path / "graph.json", graph)
    assert main(["scenario", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: edges[1].node2_pub: expected a node the file lists" in err
    unknown = write_json(tmp_path / "other.json", {"channels": []})
    assert main(["scenario", "show", str(unknown)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SimLN sim.json" in err and "describegraph" in err and "CLoTH" in err
    (tmp_path / "edges_ln.csv").write_text(
        "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base,fee_proportional,min_htlc,timelock\n"
        "0,0,1,0,1,x,1,1,1,1\n")
    (tmp_path / "channels_ln.csv").write_text("id,edge1_id,edge2_id,node1_id,node2_id,capacity\n")
    with pytest.raises(ScenarioError, match=r"edges_ln.csv: line 2.balance: expected a whole number"):
        load_scenario(tmp_path / "channels_ln.csv")


def test_cli_usage_errors_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["scenario", "import", str(tmp_path), "--format", "csv"])
    assert exit_.value.code == 2 and capsys.readouterr().err.count("\n") == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="0123456789abcdef", min_size=66, max_size=66), st.text(max_size=40)),
                unique_by=lambda pair: pair[0], max_size=12))
def test_node_names_are_valid_and_unique(nodes):
    names = node_names(nodes)
    assert len(set(names.values())) == len(nodes)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) and len(n) <= MAX_NAME for n in names.values())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 10**7), st.floats(0, 1)),
                min_size=1, max_size=20))
def test_toml_writer_round_trips_any_channel_list(rows):
    channels, seen = [], set()
    for a, b, capacity, split in rows:
        if a != b and frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            channels.append({"a": f"n{a}", "b": f"n{b}", "capacity": capacity, "split": split})
    if not channels:
        return
    table = {"name": "x ✓ \"quoted\"", "nodes": [f"n{i}" for i in range(8)], "channels": channels,
             "policy": {"base_fee_msat": 0, "nodes": {"n1": {"fee_rate_ppm": 7}}}}
    assert tomllib.loads(dumps(table, header="a\nb")) == table


def test_the_real_ln_snapshot_imports_and_routes():
    if not (LN_SNAPSHOT / "channels_ln.csv").is_file():
        pytest.fail(f"no LN snapshot (channels_ln.csv) in {LN_SNAPSHOT}: set LNGYM_LN_SNAPSHOT to the folder of "
                    "CLoTH's channels_ln.csv / edges_ln.csv", pytrace=False)
    scenario = scenario_from_dict(import_scenario(LN_SNAPSHOT))
    assert (len(scenario.nodes), len(scenario.channels)) == (5995, 27055)  # 45 channels below 20,000 sat left out
    sim = make("sim", scenario)
    assert sim.pay("n177", "n46", 1_000).success
