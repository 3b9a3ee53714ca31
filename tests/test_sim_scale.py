"""The LN snapshot loader (on a tiny CSV set made here) and the generated topologies."""

from __future__ import annotations

import tomllib

import numpy as np

from lngym.network.sim import Sim
from lngym.network.sim.lnsnapshot import load_ln_snapshot
from lngym.network.sim.topology import (
    MAX_CAPACITY_SAT,
    MIN_CAPACITY_SAT,
    scale_free_channels,
    scenario_toml,
)
from lngym.scenario import load_scenario, scenario_from_dict


def write_snapshot(root) -> None:
    """Three nodes: two parallel channels 0-1 and one channel 1-2, amounts in msat."""
    (root / "nodes_ln.csv").write_text("id\n0\n1\n2\n")
    (root / "channels_ln.csv").write_text(
        "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n"
        "0,0,1,0,1,2000000000\n"
        "1,2,3,1,0,1000000000\n"
        "2,4,5,1,2,3000000000\n"
    )
    header = "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base,fee_proportional,min_htlc,timelock\n"
    rows = [
        "0,0,1,0,1,1500000000,1000,1,1000,40",
        "1,0,0,1,0,500000000,2000,10,1000,40",
        "2,1,3,1,0,400000000,7000,70,1000,144",
        "3,1,2,0,1,600000000,7000,70,1000,144",
        "4,2,5,1,2,1000000000,0,100,1000,18",
        "5,2,4,2,1,2000000000,1000,1,1000,18",
    ]
    (root / "edges_ln.csv").write_text(header + "\n".join(rows) + "\n")


def test_ln_snapshot_loader_merges_parallel_channels(tmp_path):
    write_snapshot(tmp_path)
    sim = load_ln_snapshot(tmp_path)
    channels = sim.snapshot().channels
    assert [(c.a, c.b, c.capacity_sat) for c in channels] == [("n0", "n1", 3_000_000), ("n1", "n2", 3_000_000)]
    assert (channels[0].balance_a_sat, channels[0].balance_b_sat) == (2_100_000, 900_000)
    # n1 -> n0 keeps the policy of the larger channel (base 2000 msat, 10 ppm).
    policy = sim.graph.policies[sim.graph.edge_of("n1", "n0")]
    assert (policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta) == (2000, 10, 40)
    result = sim.pay("n0", "n2", 100_000)
    assert result.success and result.route == ("n0", "n1", "n2")
    assert result.fee_msat == 0 + 100_000_000 * 100 // 1_000_000


def test_scale_free_generator_is_reproducible_and_connected():
    first = scale_free_channels(200, 2, np.random.default_rng(5))
    assert first == scale_free_channels(200, 2, np.random.default_rng(5))
    assert len(first) == 3 + 2 * (200 - 3)
    assert len({frozenset(p) for p in first}) == len(first), "one channel per pair"
    text = scenario_toml(60, seed=2)
    scenario = scenario_from_dict(tomllib.loads(text))
    caps = [c.capacity_sat for c in scenario.channels]
    assert MIN_CAPACITY_SAT <= min(caps) and max(caps) <= MAX_CAPACITY_SAT
    assert Sim(scenario).pay("n59", "n0", 1_000).success


def test_shipped_scale_scenarios_load_and_route():
    for name, nodes in (("scale100", 100), ("scale1000", 1000)):
        scenario = load_scenario(name)
        assert len(scenario.nodes) == nodes
        sim = Sim(scenario)
        assert sim.pay(scenario.nodes[-1], scenario.nodes[0], 500).success
