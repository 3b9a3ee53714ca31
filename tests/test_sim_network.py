"""The simulated backend on small topologies: accounting, routing, failures, rebalance, reset."""

from __future__ import annotations

import itertools

import pytest

from lngym.errors import InvalidAmountError
from lngym.network import failures, limits
from lngym.network.base import DirectedPolicy
from lngym.network.sim import Sim
from lngym.network.sim import constants as K
from lngym.scenario import load_scenario, scenario_from_dict


def line(*nodes: str, capacity: int = 1_000_000, split: float = 0.5):
    """A scenario whose channels form a path through ``nodes`` in order."""
    channels = [{"a": a, "b": b, "capacity": capacity, "split": split} for a, b in itertools.pairwise(nodes)]
    return scenario_from_dict({"name": "line", "nodes": list(nodes), "channels": channels})


def test_opening_holds_back_commit_fee_and_anchors_from_the_opener():
    sim = Sim(load_scenario("seed"))
    first = sim.snapshot().channels[0]
    assert first.balance_b_sat == 500_000
    assert first.balance_a_sat == 500_000 - K.commit_fee_sat() - 2 * K.ANCHOR_SAT == 498_778  # measured live


def test_opener_keeps_lnds_fee_buffer_beyond_its_reserve():
    # Live LND: the opener of a fresh seed channel could send 487,872 sat in one HTLC, not a sat more.
    sim = Sim(line("alice", "bob"))
    assert not sim.pay("alice", "bob", 487_873).success
    assert sim.pay("alice", "bob", 487_872).success


def test_two_hop_payment_pays_the_middle_node_its_fee():
    sim = Sim(line("alice", "bob", "carol"))
    before = sim.snapshot()
    result = sim.pay("alice", "carol", 100_000)
    assert result.success and result.route == ("alice", "bob", "carol") and result.attempts == 1
    assert result.fee_msat == K.DEFAULT_BASE_FEE_MSAT + 100_000 * K.MSAT * K.DEFAULT_FEE_RATE_PPM // 1_000_000
    after = sim.snapshot()
    paid = 100_000 + result.fee_msat // K.MSAT
    assert after.channels[0].balance_a_sat == before.channels[0].balance_a_sat - paid - 1  # msat rounding
    assert after.channels[1].balance_b_sat == before.channels[1].balance_b_sat + 100_000


def test_reserve_is_never_spent():
    sim = Sim(line("alice", "bob"))
    spendable = 500_000 - limits.reserve_sat(1_000_000)
    assert not sim.pay("bob", "alice", spendable + 1).success
    assert sim.pay("bob", "alice", spendable).success
    assert not sim.pay("bob", "alice", 1).success


def test_sender_without_outbound_gets_insufficient_balance():
    sim = Sim(line("alice", "bob", split=1.0))
    result = sim.pay("bob", "alice", 1_000)
    assert not result.success and result.failure_reason == failures.INSUFFICIENT_BALANCE and result.attempts == 0


def test_depleted_remote_channel_fails_then_retries_around_it():
    sim = Sim(load_scenario("seed"))
    # Drain bob's side of bob-carol: bob pays carol almost all he can.
    assert sim.pay("bob", "carol", 480_000).success
    result = sim.pay("alice", "carol", 100_000)
    assert result.success
    assert result.attempts == 2, "first try alice-bob-carol fails at bob, the retry avoids it"
    assert result.route[-1] == "carol" and result.route != ("alice", "bob", "carol")


def test_no_route_names_the_last_failure():
    sim = Sim(line("alice", "bob", "carol"))
    assert sim.pay("bob", "carol", 480_000).success
    result = sim.pay("alice", "carol", 100_000)
    assert not result.success and result.attempts == 1
    assert result.failure_reason == "no_route"
    assert result.failure_detail == "last attempt: temporary channel failure at bob"


def test_failed_payment_changes_nothing():
    sim = Sim(line("alice", "bob", "carol"))
    sim.pay("bob", "carol", 480_000)
    before = sim.snapshot().channels
    assert not sim.pay("alice", "carol", 100_000).success
    assert sim.snapshot().channels == before


def test_fee_limit_is_respected():
    policies = {("bob", "carol"): DirectedPolicy(base_fee_msat=50_000)}
    sim = Sim(line("alice", "bob", "carol"), policies=policies)
    # bob charges 50,000 msat base + 10 msat (1 ppm of 10,000 sat) = 50.01 sat.
    assert sim.pay("alice", "carol", 10_000, fee_limit_sat=50).failure_reason == failures.NO_ROUTE
    result = sim.pay("alice", "carol", 10_000, fee_limit_sat=51)
    assert result.success and result.fee_msat == 50_000 + 10_000 * K.MSAT // 1_000_000


def test_min_htlc_keeps_small_payments_off_a_channel():
    policies = {("bob", "carol"): DirectedPolicy(min_htlc_msat=5_000_000)}
    sim = Sim(line("alice", "bob", "carol"), policies=policies)
    assert sim.pay("alice", "carol", 1_000).failure_reason == failures.NO_ROUTE
    assert sim.pay("alice", "carol", 6_000).success


def test_rebalance_moves_liquidity_in_its_channel_and_only_costs_fees():
    sim = Sim(load_scenario("seed"))
    before = sim.snapshot()
    result = sim.rebalance("alice", "bob", 100_000, max_fee_sat=100)
    assert result.success and result.route[:2] == ("alice", "bob") and result.route[-1] == "alice"
    after = sim.snapshot()
    assert after.channels[0].balance_b_sat == before.channels[0].balance_b_sat + 100_000 + result.fee_msat // 1000
    alice_before = before.channels[0].balance_a_sat + before.channels[4].balance_b_sat
    alice_after = after.channels[0].balance_a_sat + after.channels[4].balance_b_sat
    assert alice_before - alice_after in (result.fee_msat // 1000, result.fee_msat // 1000 + 1)


def test_rebalance_without_another_channel_says_so_like_the_live_backend():
    sim = Sim(line("alice", "bob", "carol"))
    result = sim.rebalance("alice", "bob", 10_000, max_fee_sat=100)
    assert not result.success and result.failure_reason == "no_return_path"
    assert result.failure_detail == "alice has no other channel to route the payment back"


def test_rebalance_without_a_way_back_finds_no_route():
    sim = Sim(line("dave", "alice", "bob", "carol"))
    result = sim.rebalance("alice", "bob", 10_000, max_fee_sat=100)
    assert not result.success and result.failure_reason == failures.NO_ROUTE and result.attempts == 0


def test_rebalance_beyond_capacity_is_bad_input():
    with pytest.raises(InvalidAmountError, match="capacity"):
        Sim(load_scenario("seed")).rebalance("alice", "bob", 1_000_001, max_fee_sat=100)


def test_rebalance_tries_the_neighbour_with_most_inbound_first():
    sim = Sim(load_scenario("seed"))
    assert sim.pay("bob", "carol", 300_000).success  # carol's side of bob-carol grows
    result = sim.rebalance("bob", "alice", 10_000, max_fee_sat=100)
    assert result.success and result.route[-2:] == ("carol", "bob")


def test_reset_restores_the_initial_split_exactly():
    sim = Sim(load_scenario("seed"))
    initial = list(sim.engine.balances)
    for sender, receiver in [("alice", "carol"), ("eve", "dave"), ("bob", "eve")]:
        sim.pay(sender, receiver, 123_457)
    sim.rebalance("alice", "bob", 50_000, 100)
    assert sim.engine.balances != initial
    sim.reset_balances()
    assert sim.engine.balances == initial


def test_from_snapshot_starts_identical():
    sim = Sim(load_scenario("seed"))
    sim.pay("alice", "carol", 200_000)
    twin = Sim.from_snapshot(sim.scenario, sim.snapshot())
    assert twin.snapshot().channels == sim.snapshot().channels
    assert twin.pay("eve", "bob", 5_000).route == sim.pay("eve", "bob", 5_000).route


def test_from_network_copies_state_and_policies():
    policies = {("bob", "carol"): DirectedPolicy(base_fee_msat=5_000, fee_rate_ppm=100)}
    live = Sim(load_scenario("seed"), policies=policies)
    live.pay("alice", "dave", 300_000)
    live.policies = lambda: policies  # what a backend that reports its policies offers
    twin = Sim.from_network(live)
    assert twin.snapshot().channels == live.snapshot().channels
    assert twin.pay("alice", "carol", 1_000).fee_msat == live.pay("alice", "carol", 1_000).fee_msat == 5_000 + 100


def test_wire_names_are_accepted():
    assert Sim(load_scenario("seed")).pay("lnd-alice", "lnd-bob", 1_000).success


def test_each_node_charges_its_own_scenario_fee_on_its_outgoing_directions():
    scenario = load_scenario("seed-fidelity")
    sim = Sim(scenario)
    for name in scenario.nodes:
        for e in sim.graph.out_edges[sim.graph.node_id[name]]:
            assert sim.graph.base_fee[e] == scenario.policy_of(name).base_fee_msat
    # alice->dave: via bob (2 sat) is cheaper than via eve (4 sat); bob->eve: via alice (1) not dave (5).
    to_dave = sim.pay("alice", "dave", 10_000)
    assert to_dave.route == ("alice", "bob", "dave") and to_dave.fee_msat == 2_000
    to_eve = sim.pay("bob", "eve", 10_000)
    assert to_eve.route == ("bob", "alice", "eve") and to_eve.fee_msat == 1_000
