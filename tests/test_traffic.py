"""lngym.traffic: seeded workloads, the three models, and errors for malformed [traffic] tables."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lngym.errors import ScenarioError
from lngym.scenario import Scenario, load_scenario, scenario_from_dict
from lngym.traffic import MODELS, Workload

SEED = load_scenario("seed")


def with_traffic(traffic: dict[str, Any], base: Scenario = SEED) -> Scenario:
    """The seed topology (or ``base``) with another [traffic] table."""
    data = {
        "name": base.name,
        "nodes": list(base.nodes),
        "channels": [{"a": c.a, "b": c.b, "capacity": c.capacity_sat, "split": c.split} for c in base.channels],
        "traffic": traffic,
    }
    return scenario_from_dict(data)


def write_scenario(tmp_path: Path, traffic_toml: str) -> Path:
    """A scenario file on disk (seed topology, two channels) with ``traffic_toml`` appended."""
    path = tmp_path / "case.toml"
    path.write_text(
        'nodes = ["alice", "bob", "carol"]\n'
        '[[channels]]\na = "alice"\nb = "bob"\ncapacity = 1_000_000\n'
        '[[channels]]\na = "bob"\nb = "carol"\ncapacity = 1_000_000\n' + traffic_toml,
        encoding="utf-8",
    )
    return path


DEFINED = {
    "model": "defined",
    "defined": {
        "activity": [
            {"source": "alice", "destination": "carol", "amount_sat": 1_000, "interval_s": 2, "count": 3},
            {"source": "bob", "destination": "eve", "amount_sat": [10, 20], "interval_s": 5, "start_s": 1, "count": 2},
        ]
    },
}


# --- same seed, same payments -------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), model=st.sampled_from(sorted(MODELS)))
def test_same_seed_gives_same_payments(seed: int, model: str) -> None:
    scenario = with_traffic(DEFINED) if model == "defined" else SEED
    first = Workload.from_scenario(scenario, seed=seed, model=model).next_timed(40)
    second = Workload.from_scenario(scenario, seed=seed, model=model).next_timed(40)
    assert first == second


def test_count_and_clock_consumers_see_the_same_requests() -> None:
    by_count = Workload.from_scenario(SEED, seed=3).next(50)
    by_clock = [arrival.request for _, arrival in zip(range(50), Workload.from_scenario(SEED, seed=3))]
    assert by_count == by_clock


def test_reseed_restarts_and_other_seeds_differ() -> None:
    workload = Workload.from_scenario(SEED, seed=5)
    first = workload.next(30)
    workload.reseed(5)
    assert workload.next(30) == first
    workload.reseed(6)
    assert workload.next(30) != first


def test_seed_comes_from_the_table_unless_given() -> None:
    scenario = with_traffic({"seed": 11})
    assert Workload.from_scenario(scenario).seed == 11
    assert Workload.from_scenario(scenario, seed=12).seed == 12
    unseeded = with_traffic({})
    assert Workload.from_scenario(scenario).next(10) == Workload.from_scenario(unseeded, seed=11).next(10)


def test_unseeded_workload_reports_a_seed_that_replays_it() -> None:
    workload = Workload.from_scenario(SEED)
    requests = workload.next(20)
    assert Workload.from_scenario(SEED, seed=workload.seed).next(20) == requests


def test_bad_seed_and_count_are_refused() -> None:
    workload = Workload.from_scenario(SEED, seed=1)
    with pytest.raises(ValueError, match="seed"):
        workload.reseed(-1)
    with pytest.raises(ValueError, match="n must"):
        workload.next(-2)


# --- skewed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_skewed_buyers_pay_out_and_merchants_take_in(seed: int) -> None:
    requests = Workload.from_scenario(SEED, seed=seed).next(3_000)
    net = Counter[str]()
    for r in requests:
        net[r.sender] -= r.amount_sat
        net[r.receiver] += r.amount_sat
    assert net["alice"] < 0 and net["eve"] < 0
    assert net["carol"] > 0 and net["dave"] > 0


def test_skewed_amounts_follow_median_and_cap() -> None:
    settings_ = SEED.traffic["skewed"]
    requests = Workload.from_scenario(SEED, seed=9).next(4_000)
    amounts = np.array([r.amount_sat for r in requests])
    assert amounts.min() >= 1 and amounts.max() <= settings_["max_sat"]
    assert abs(np.median(amounts) / settings_["median_sat"] - 1) < 0.1
    assert all(r.sender != r.receiver and r.description for r in requests)


def test_skewed_gaps_are_exponential_at_the_rate() -> None:
    arrivals = Workload.from_scenario(SEED, seed=4).next_timed(4_000)
    gaps = np.array([a.gap_s for a in arrivals])
    assert abs(gaps.mean() * SEED.traffic["skewed"]["rate"] - 1) < 0.06
    assert arrivals[-1].at_s == pytest.approx(gaps.sum())


def test_skewed_zero_weight_node_never_sends() -> None:
    scenario = with_traffic({"skewed": {"buyers": {"bob": 0}}})
    assert all(r.sender != "bob" for r in Workload.from_scenario(scenario, seed=2).next(500))


# --- random (SimLN) -------------------------------------------------------------------------------


def test_random_sources_and_destinations_follow_capacity() -> None:
    workload = Workload.from_scenario(SEED, seed=8, model="random")
    capacity = Counter[str]()
    for channel in SEED.channels:
        capacity[channel.a] += channel.capacity_sat
        capacity[channel.b] += channel.capacity_sat
    total = sum(capacity.values())
    # SimLN: a node sends in proportion to its capacity, to others in proportion to theirs.
    expected = Counter[str]()
    for source, cap_source in capacity.items():
        others = total - cap_source
        for node, cap in capacity.items():
            if node != source:
                expected[node] += cap_source / total * cap / others
    requests = workload.next(20_000)
    sent = Counter(r.sender for r in requests)
    received = Counter(r.receiver for r in requests)
    for node in SEED.nodes:
        assert abs(sent[node] / 20_000 - capacity[node] / total) < 0.015, node
        assert abs(received[node] / 20_000 - expected[node]) < 0.015, node
    # bob and dave hold three channels, the others two: they are picked more often.
    assert min(received["bob"], received["dave"]) > max(received["alice"], received["carol"], received["eve"])


def test_random_amounts_and_gaps_match_simln_parameters() -> None:
    scenario = with_traffic({"random": {"expected_amount_sat": 50_000, "speedup": 1_000.0}})
    workload = Workload.from_scenario(scenario, seed=3, model="random")
    arrivals = workload.next_timed(8_000)
    # Every node of the seed has at least 2 M sat, so the limit of a pair is at least 1 M sat.
    pair_limit = {frozenset(("alice", "carol")): 1_000_000, frozenset(("bob", "dave")): 1_500_000}
    for pair, limit in pair_limit.items():
        amounts = [a.request.amount_sat for a in arrivals if {a.request.sender, a.request.receiver} == pair]
        assert abs(np.median(amounts) / (50_000**2 / limit) - 1) < 0.25
    mean_gap = np.mean([a.gap_s for a in arrivals])
    assert abs(mean_gap * workload.model.total_rate - 1) < 0.05
    # 12 M sat of node capacity, sent twice a month in 50 k payments, 1000x faster.
    assert workload.model.total_rate == pytest.approx(12e6 * 2 / 50_000 / (30 * 24 * 3600) * 1_000)


def test_random_refuses_an_expected_amount_above_half_a_node_capacity() -> None:
    with pytest.raises(ScenarioError, match=r"traffic\.random\.expected_amount_sat: .*alice has 2000000 sat"):
        Workload.from_scenario(with_traffic({"random": {"expected_amount_sat": 1_500_000}}), model="random")


# --- defined --------------------------------------------------------------------------------------


def test_defined_counts_intervals_and_starts() -> None:
    workload = Workload.from_scenario(with_traffic(DEFINED), seed=1)
    arrivals = workload.next_timed(100)
    assert len(arrivals) == 5 and workload.next(1) == []
    timeline = [(a.at_s, a.request.sender, a.request.receiver) for a in arrivals]
    # alice: first after one interval (2 s), then every 2 s; bob: at its start (1 s), then every
    # 5 s; at 6 s both are due and alice, listed first, goes first.
    assert timeline == [
        (1, "bob", "eve"),
        (2, "alice", "carol"),
        (4, "alice", "carol"),
        (6, "alice", "carol"),
        (6, "bob", "eve"),
    ]
    assert [a.gap_s for a in arrivals] == [1, 1, 2, 2, 0]
    assert all(10 <= a.request.amount_sat < 20 for a in arrivals if a.request.sender == "bob")
    assert {a.request.amount_sat for a in arrivals if a.request.sender == "alice"} == {1_000}


def test_defined_without_count_runs_for_ever_with_ranged_intervals() -> None:
    activity = {"source": "alice", "destination": "bob", "amount_sat": 5, "interval_s": [1.0, 3.0]}
    workload = Workload.from_scenario(with_traffic({"model": "defined", "defined": {"activity": [activity]}}), seed=2)
    gaps = [a.gap_s for a in workload.next_timed(1_000)]
    assert len(gaps) == 1_000 and all(1.0 <= g < 3.0 for g in gaps)


def test_sim_json_activities_are_read(tmp_path: Path) -> None:
    sim = {
        "nodes": [{"id": "Alice", "address": "localhost:10011", "macaroon": "m", "cert": "c"}],
        "activity": [
            {"source": "Alice", "destination": "lnd-carol", "interval_secs": 1, "amount_msat": 2_000},
            {"source": "bob", "destination": "Dave", "start_secs": 20, "count": 10, "interval_secs": 2,
             "amount_msat": [5_000, 9_000]},
        ],
    }
    (tmp_path / "sim.json").write_text(json.dumps(sim), encoding="utf-8")
    path = write_scenario(tmp_path, "")
    path.write_text(path.read_text().replace('"carol"]', '"carol", "dave"]')
                    + '[traffic]\nmodel = "defined"\n[traffic.defined]\nsim_json = "sim.json"\n')
    arrivals = Workload.from_scenario(load_scenario(path), seed=1).next_timed(60)
    alice = [a for a in arrivals if a.request.sender == "alice"]
    bob = [a for a in arrivals if a.request.sender == "bob"]
    assert [a.at_s for a in alice[:3]] == [1, 2, 3]
    assert {(a.request.receiver, a.request.amount_sat) for a in alice} == {("carol", 2)}
    assert len(bob) == 10 and [a.at_s for a in bob] == list(range(20, 40, 2))
    assert all(a.request.receiver == "dave" and 5 <= a.request.amount_sat <= 9 for a in bob)


# --- malformed tables -----------------------------------------------------------------------------

MALFORMED = [
    ('[traffic]\nmodel = "poisson"\n', "traffic.model: expected one of skewed, random, defined"),
    ('[traffic]\nmodle = "random"\n', "traffic.modle: expected one of"),
    ("[traffic]\nseed = -3\n", "traffic.seed: expected a seed"),
    ("[traffic.skewed]\nmedian_sat = -5\n", "traffic.skewed.median_sat: expected a median amount"),
    ("[traffic.skewed]\nrate = 0\n", "traffic.skewed.rate: expected payments per second"),
    ("[traffic.skewed]\nmedian_sat = 5000\nmax_sat = 100\n", "traffic.skewed.max_sat: expected a cap of at least"),
    ("[traffic.skewed]\nbuyers = { mallory = 2 }\n", "traffic.skewed.buyers.mallory: expected a node"),
    ("[traffic.skewed]\nbuyers = { alice = -1 }\n", "traffic.skewed.buyers.alice: expected a weight"),
    ("[traffic.skewed]\nmerchants = { alice = 0, bob = 0, carol = 0 }\n", "traffic.skewed.merchants: expected a node"),
    ("[traffic.skewed]\ndescriptions = []\n", "traffic.skewed.descriptions: expected a non-empty list"),
    ("[traffic.random]\ncapacity_multiplier = -2\n", "traffic.random.capacity_multiplier"),
    ("[traffic]\nmodel = \"defined\"\n", "traffic.defined.activity: expected at least one activity"),
    ('[[traffic.defined.activity]]\nsource = "alice"\ndestination = "bob"\ninterval_s = 1\n',
     "traffic.defined.activity[0].amount_sat: expected whole sat"),
    ('[[traffic.defined.activity]]\nsource = "alice"\ndestination = "alice"\namount_sat = 1\ninterval_s = 1\n',
     "traffic.defined.activity[0].destination: expected a node other than the source"),
    ('[[traffic.defined.activity]]\nsource = "alice"\ndestination = "bob"\namount_sat = [5, 5]\ninterval_s = 1\n',
     "traffic.defined.activity[0].amount_sat: expected whole sat above 0, or [low, high]"),
    ('[[traffic.defined.activity]]\nsource = "alice"\ndestination = "bob"\namount_sat = 1\ninterval_s = 1\n'
     "count = 0\n", "traffic.defined.activity[0].count: expected a number of payments"),
    ('[traffic.defined]\nsim_json = "missing.json"\n', "sim_json: expected a readable SimLN sim.json"),
]


@pytest.mark.parametrize("toml, message", MALFORMED)
def test_malformed_traffic_names_file_field_and_expectation(tmp_path: Path, toml: str, message: str) -> None:
    path = write_scenario(tmp_path, toml)
    with pytest.raises(ScenarioError) as caught:
        Workload.from_scenario(load_scenario(path))
    assert message in str(caught.value)
    assert str(tmp_path) in str(caught.value)


@pytest.mark.parametrize(
    "activity, message",
    [
        ({"source": "alice", "destination": "02" + "ab" * 32, "interval_secs": 1, "amount_msat": 1_000},
         "activity[0].destination: expected a node name; public keys are only known once the network runs"),
        ({"source": "alice", "destination": "bob", "interval_secs": 1, "amount_msat": 1_000, "fee": 1},
         "activity[0].fee: expected one of"),
        ({"source": "zed", "destination": "bob", "interval_secs": 1, "amount_msat": 1_000},
         "activity[0].source: expected a node of the scenario"),
    ],
)
def test_malformed_sim_json_names_the_entry(tmp_path: Path, activity: dict[str, Any], message: str) -> None:
    (tmp_path / "sim.json").write_text(json.dumps({"nodes": [], "activity": [activity]}), encoding="utf-8")
    path = write_scenario(tmp_path, '[traffic.defined]\nsim_json = "sim.json"\n')
    with pytest.raises(ScenarioError) as caught:
        Workload.from_scenario(load_scenario(path))
    assert message in str(caught.value) and "sim.json" in str(caught.value)


def test_unknown_model_argument_is_refused() -> None:
    with pytest.raises(ScenarioError, match="traffic.model: expected one of skewed, random, defined, got 'x'"):
        Workload.from_scenario(SEED, model="x")
