"""lngym.traffic: seeded workloads, the three models, and errors for malformed [traffic] tables."""

from __future__ import annotations

import itertools
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


# --- amount scale ---------------------------------------------------------------------------------


def test_amount_scale_is_a_share_of_the_median_capacity() -> None:
    # The seed's channels are all 1,000,000 sat: 2 % is a 20,000 sat median (or SimLN mean).
    skewed = Workload.from_scenario(with_traffic({"skewed": {"amount_scale": 0.02}}), seed=4)
    amounts = np.array([r.amount_sat for r in skewed.next(4_000)])
    assert abs(np.median(amounts) / 20_000 - 1) < 0.1
    assert amounts.max() <= 1_000_000  # the cap defaults to the median capacity
    tidal = Workload.from_scenario(with_traffic({"tidal": {"amount_scale": 0.05, "sigma": 0.0}}), seed=4, model="tidal")
    assert {r.amount_sat for r in tidal.next(50)} == {50_000}
    random = Workload.from_scenario(with_traffic({"random": {"amount_scale": 0.01}}), seed=4, model="random")
    assert random.model.expected_sat == 10_000


# --- seed_mix (the original simulator's mix) -------------------------------------------------------


def _neighbours(scenario: Scenario) -> dict[str, set[str]]:
    peers: dict[str, set[str]] = {node: set() for node in scenario.nodes}
    for channel in scenario.channels:
        peers[channel.a].add(channel.b)
        peers[channel.b].add(channel.a)
    return peers


@pytest.mark.parametrize("seed", [0, 1])
def test_seed_mix_is_70_25_5_and_each_kind_pays_whom_it_says(seed: int) -> None:
    model = Workload.from_scenario(SEED, model="seed_mix").model
    draws = list(itertools.islice(model.draws(np.random.default_rng(seed)), 20_000))
    shares = Counter(kind for kind, _ in draws)
    # A sender that has not received yet pays a neighbour instead of paying back: a few in 20,000.
    assert abs(shares["neighbour"] / 20_000 - 0.70) < 0.012
    assert abs(shares["remote"] / 20_000 - 0.25) < 0.012
    assert abs(shares["circular"] / 20_000 - 0.05) < 0.006
    peers = _neighbours(SEED)
    last_payer: dict[str, str] = {}
    for kind, arrival in draws:
        sender, receiver = arrival.request.sender, arrival.request.receiver
        assert sender != receiver
        if kind == "neighbour":
            assert receiver in peers[sender]
        elif kind == "remote":
            assert receiver not in peers[sender]
        else:
            assert receiver == last_payer[sender]
        last_payer[receiver] = sender


def test_seed_mix_amounts_and_gaps_are_uniform_in_range() -> None:
    arrivals = Workload.from_scenario(SEED, seed=5, model="seed_mix").next_timed(20_000)
    amounts = np.array([a.request.amount_sat for a in arrivals])
    gaps = np.array([a.gap_s for a in arrivals])
    assert amounts.min() == 500 and amounts.max() == 3_000  # both ends drawn
    assert abs(amounts.mean() - 1_750) < 15
    assert gaps.min() >= 10 and gaps.max() <= 30 and abs(gaps.mean() - 20) < 0.15
    assert arrivals[-1].at_s == pytest.approx(gaps.sum())


def test_seed_mix_on_a_full_mesh_pays_neighbours_instead_of_remote_nodes() -> None:
    mesh = scenario_from_dict({
        "nodes": ["a", "b", "c"],
        "channels": [{"a": x, "b": y, "capacity": 100_000} for x, y in (("a", "b"), ("b", "c"), ("a", "c"))],
        "traffic": {"model": "seed_mix"},
    })
    kinds = Counter(kind for kind, _ in itertools.islice(
        Workload.from_scenario(mesh).model.draws(np.random.default_rng(3)), 2_000))
    assert kinds["remote"] == 0 and kinds["neighbour"] > 1_800 and kinds["circular"] > 50


# --- tidal ----------------------------------------------------------------------------------------


def _eastward_flow(scenario: Scenario, seed: int, count: int, window: int) -> list[int]:
    """Net sat flowing from west to east in each window of ``window`` payments."""
    workload = Workload.from_scenario(scenario, seed=seed, model="tidal")
    east = set(workload.model.east)
    flows = []
    for start in range(0, count, window):
        batch = workload.next(window)
        flows.append(sum(r.amount_sat if r.receiver in east else -r.amount_sat for r in batch))
    return flows


@pytest.mark.parametrize("shape", ["sine", "regimes"])
def test_tidal_net_flow_turns_every_half_period(shape: str) -> None:
    scenario = with_traffic({"tidal": {"period": 200, "shape": shape, "amplitude": 0.8}})
    flows = _eastward_flow(scenario, seed=2, count=1_600, window=100)
    # Four periods of 200 payments: east in the first half of each, west in the second.
    assert [flow > 0 for flow in flows] == [True, False] * 8


def test_tidal_sides_default_to_halves_and_bias_sets_a_steady_direction() -> None:
    default = Workload.from_scenario(SEED, model="tidal").model
    assert (default.west, default.east) == (("alice", "bob"), ("carol", "dave", "eve"))
    one_side = with_traffic({"tidal": {"east": ["alice"]}})
    assert Workload.from_scenario(one_side, model="tidal").model.west == ("bob", "carol", "dave", "eve")
    biased = with_traffic({"tidal": {"period": 200, "amplitude": 0.3, "bias": 0.5}})
    assert all(flow > 0 for flow in _eastward_flow(biased, seed=1, count=800, window=100))
    requests = Workload.from_scenario(biased, seed=1, model="tidal").next(500)
    sides = (set(default.west), set(default.east))
    assert all({r.sender, r.receiver} & sides[0] and {r.sender, r.receiver} & sides[1] for r in requests)


def test_tidal_east_share_follows_the_wave() -> None:
    model = Workload.from_scenario(with_traffic({"tidal": {"period": 100, "amplitude": 1.0}}), model="tidal").model
    assert model.east_share(0) == pytest.approx(0.5)
    assert model.east_share(25) == pytest.approx(1.0)
    assert model.east_share(75) == pytest.approx(0.0)
    regimes = with_traffic({"tidal": {"period": 100, "shape": "regimes", "amplitude": 0.6, "phase": 0.5}})
    model = Workload.from_scenario(regimes, model="tidal").model
    assert [model.east_share(k) for k in (0, 49, 50, 99)] == pytest.approx([0.2, 0.2, 0.8, 0.8])


# --- malformed tables -----------------------------------------------------------------------------

MALFORMED = [
    ('[traffic]\nmodel = "poisson"\n', "traffic.model: expected one of skewed, random, defined, seed_mix, tidal"),
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
    ("[traffic.skewed]\namount_scale = 0.02\nmedian_sat = 5000\n",
     "traffic.skewed.amount_scale: expected either amount_scale or median_sat, not both"),
    ("[traffic.skewed]\namount_scale = 1.5\n", "traffic.skewed.amount_scale: expected a share of the median channel"),
    ("[traffic.random]\namount_scale = 0\n", "traffic.random.amount_scale: expected a share of the median channel"),
    ("[traffic.seed_mix]\nremote_share = 0.5\n",
     "traffic.seed_mix.neighbour_share: expected shares of neighbour, remote and circular that add up to 1"),
    ("[traffic.seed_mix]\ncircular_share = -0.05\nneighbour_share = 0.8\n",
     "traffic.seed_mix.circular_share: expected a share between 0 and 1"),
    ("[traffic.seed_mix]\namount_sat = [0, 100]\n", "traffic.seed_mix.amount_sat: expected whole sat"),
    ("[traffic.seed_mix]\namount_sat = [1.5, 100]\n", "traffic.seed_mix.amount_sat: expected whole sat"),
    ("[traffic.seed_mix]\ngap_s = [30, 10]\n", "traffic.seed_mix.gap_s: expected seconds"),
    ("[traffic.seed_mix]\nrate = 2\n", "traffic.seed_mix.rate: expected one of"),
    ('[traffic.tidal]\nshape = "square"\n', "traffic.tidal.shape: expected one of sine, regimes, got 'square'"),
    ("[traffic.tidal]\nperiod = 1\n", "traffic.tidal.period: expected a period of at least 2 payments"),
    ("[traffic.tidal]\nperiod = 10.5\n", "traffic.tidal.period: expected a period"),
    ("[traffic.tidal]\namplitude = 2\n", "traffic.tidal.amplitude: expected a swing between 0 and 1"),
    ("[traffic.tidal]\nbias = -3\n", "traffic.tidal.bias: expected a steady flow between -1 and 1"),
    ("[traffic.tidal]\nphase = 1\n", "traffic.tidal.phase: expected a point of the cycle"),
    ('[traffic.tidal]\nwest = ["mallory"]\n', "traffic.tidal.west: expected nodes of the scenario"),
    ('[traffic.tidal]\nwest = ["alice", "alice"]\n', "traffic.tidal.west: expected each node once"),
    ('[traffic.tidal]\nwest = ["alice", "bob"]\neast = ["bob", "carol"]\n',
     "traffic.tidal.east: expected nodes not also in west (bob are in both)"),
    ('[traffic.tidal]\nwest = ["alice", "bob", "carol"]\n', "traffic.tidal.east: expected a side with at least one node"),
    ("[traffic.tidal]\nmedian_sat = 5000\nmax_sat = 10\n", "traffic.tidal.max_sat: expected a cap of at least"),
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
    with pytest.raises(ScenarioError, match="traffic.model: expected one of skewed, random, defined, seed_mix, tidal, got 'x'"):
        Workload.from_scenario(SEED, model="x")
