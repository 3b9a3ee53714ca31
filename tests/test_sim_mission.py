"""The twin's LND mission control: routes learned from past attempts, per sending node."""

from __future__ import annotations

import itertools

from lngym.network import failures
from lngym.network.base import DirectedPolicy
from lngym.network.sim import Sim
from lngym.network.sim import constants as K
from lngym.network.sim.mission import MissionControl
from lngym.scenario import load_scenario, scenario_from_dict

SEED = load_scenario("seed")


def line(*nodes: str, split: float = 0.5):
    """A scenario whose channels form a path through ``nodes`` in order."""
    channels = [{"a": a, "b": b, "capacity": 1_000_000, "split": split} for a, b in itertools.pairwise(nodes)]
    return scenario_from_dict({"name": "line", "nodes": list(nodes), "channels": channels})


def test_a_route_that_worked_is_taken_again_for_smaller_amounts():
    sim = Sim(SEED, mission_control=True)
    first = sim.pay("alice", "dave", 20_000).route  # alice-bob-dave and alice-eve-dave cost the same
    assert len(first) == 3
    assert all(sim.pay("alice", "dave", amount).route == first for amount in (5_000, 19_000, 1_000))


def test_a_failed_pair_is_left_out_of_the_senders_next_routes_only():
    sim = Sim(SEED, mission_control=True)
    assert sim.pay("bob", "carol", 480_000).success  # bob can no longer forward to carol
    result = sim.pay("alice", "carol", 100_000)
    assert result.success and result.attempts == 2 and ("bob", "carol") not in zip(result.route, result.route[1:])
    again = sim.pay("alice", "carol", 100_000)
    assert again.success and again.attempts == 1, "alice remembers that bob could not forward 100,000"
    other = sim.pay("eve", "carol", 100_000, fee_limit_sat=1)  # eve never tried bob: one-fee route
    assert other.success and other.route == ("eve", "dave", "carol")


def test_a_failure_fades_with_lnds_half_life():
    mission = MissionControl()
    mission.record(1, 2, 50_000, False, now=0.0)
    fresh = mission.probability(1, 2, 60_000, 10**9, now=1.0, local=False)
    later = mission.probability(1, 2, 60_000, 10**9, now=K.PENALTY_HALF_LIFE_S, local=False)
    # After one half-life: the node's a priori 0.6 weighs 1 against the failure's 0.5 (0.4),
    # and half the pair's penalty is left (× 0.5).
    assert fresh < K.MIN_ROUTE_PROBABILITY < later
    assert abs(later - K.HOP_PROBABILITY / 1.5 * 0.5) < 1e-12
    assert mission.probability(1, 2, 40_000, 10**9, now=1.0, local=False) > 0.25, "smaller amounts stay likely"


def test_success_and_failure_amounts_bound_each_other_like_lnds():
    mission = MissionControl()
    mission.record(1, 2, 80_000, True, now=0.0)
    mission.record(1, 2, 60_000, False, now=100.0)
    pair = mission.results[1][2]
    assert (pair.success_amt, pair.fail_amt) == (59_999, 60_000)
    mission.record(1, 2, 70_000, False, now=110.0)  # a higher failure within a minute is ignored
    assert pair.fail_amt == 60_000
    mission.record(1, 2, 65_000, True, now=120.0)
    assert (pair.success_amt, pair.fail_amt) == (65_000, 65_001)


def test_no_single_channel_big_enough_is_no_route_not_insufficient_balance():
    sim = Sim(SEED, mission_control=True)
    result = sim.pay("alice", "carol", 600_000)  # alice holds ~988,000 over two channels
    assert not result.success and result.failure_reason == failures.NO_ROUTE and result.attempts == 0
    assert sim.pay("alice", "carol", 2_000_000).failure_reason == failures.INSUFFICIENT_BALANCE


def test_reset_forgets_what_was_learned_like_the_live_reset():
    sim = Sim(SEED, mission_control=True)
    sim.pay("bob", "carol", 480_000)
    sim.pay("alice", "carol", 100_000)
    assert sim.engine.finder is not None and sim.engine.finder.missions
    sim.reset_balances()
    assert not sim.engine.finder.missions


def test_rebalance_routes_with_mission_control_too():
    sim = Sim(SEED, mission_control=True)
    result = sim.rebalance("alice", "bob", 100_000, max_fee_sat=100)
    assert result.success and result.route[:2] == ("alice", "bob") and result.route[-1] == "alice"


def test_from_network_takes_the_policies_a_live_backend_reports():
    announced = {
        (a, b): DirectedPolicy(base_fee_msat=2_000, fee_rate_ppm=10, time_lock_delta=40,
                               min_htlc_msat=1_000, max_htlc_msat=990_000_000)
        for c in SEED.channels for a, b in ((c.a, c.b), (c.b, c.a))
    }
    live = Sim(SEED)
    live.policies = lambda: announced  # what NativeNetwork.policies() returns
    twin = Sim.from_network(live)
    edge = twin.graph.edge_of("bob", "carol")
    assert (twin.graph.base_fee[edge], twin.graph.fee_ppm[edge], twin.graph.max_htlc[edge]) == (2_000, 10, 990_000_000)
    assert twin.pay("alice", "carol", 10_000).fee_msat == 2_000 + 100


def test_same_calls_give_the_same_results_with_mission_control():
    def run() -> list[tuple[bool, tuple[str, ...]]]:
        sim = Sim(line("alice", "bob", "carol", "dave"), mission_control=True)
        return [(r.success, r.route) for r in (sim.pay("alice", "dave", a) for a in range(50_000, 600_000, 50_000))]

    assert run() == run()
