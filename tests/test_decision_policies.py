"""lngym.policies' swapping baselines and the executor, on hand-made states of the merchants scenario."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lngym.errors import SettingError
from lngym.network import limits
from lngym.network.base import (
    FAILED,
    SWAP_IN,
    SWAP_OUT,
    ChannelState,
    RebalanceSuggestion,
    Snapshot,
    SwapResult,
)
from lngym.network.sim import Sim
from lngym.policies import (
    Autoloop,
    Combined,
    Executor,
    NoRebalancer,
    PolicyState,
    SwapSuggestion,
    make_policy,
)
from lngym.scenario import load_scenario

MERCHANTS = load_scenario("merchants")  # channels: hub-alice, hub-eve, hub-carol, hub-dave, loop-hub
RELAY = load_scenario("relay")


def state(scenario, b_shares: dict[int, float], wallets=None, pending=(), height=0) -> PolicyState:
    """``scenario``'s channels with ``b`` holding the given share (0.5 elsewhere)."""
    channels = []
    for i, spec in enumerate(scenario.channels):
        b = round(b_shares.get(i, 0.5) * spec.capacity_sat)
        channels.append(ChannelState(i, f"c{i}", spec.a, spec.b, spec.capacity_sat, spec.capacity_sat - b, b, True))
    funds = {"alice": 10_000_000, "eve": 10_000_000, "loop": 50_000_000} if wallets is None else wallets
    return PolicyState(scenario, Snapshot(tuple(channels)), funds, tuple(pending), height)


def pending_on(channel: int, node: str = "alice") -> SwapResult:
    return SwapResult(node, "loop", 100_000, False, kind=SWAP_IN, swap_id="x", node=node, channel=channel)


def test_autoloop_loops_in_an_empty_buyer_and_out_a_full_merchant_back_to_target() -> None:
    decisions = Autoloop().decide(state(MERCHANTS, {0: 0.1, 2: 0.95}))
    assert SwapSuggestion("alice", SWAP_IN, 400_000, 0) in decisions
    assert SwapSuggestion("carol", SWAP_OUT, 450_000, 2) in decisions
    assert len(decisions) == 2  # the hub's ends of those channels are on the other side of the same channel


def test_autoloop_leaves_channels_inside_its_thresholds_and_with_a_swap_in_flight_alone() -> None:
    assert Autoloop().decide(state(MERCHANTS, {0: 0.3, 2: 0.7})) == []
    assert Autoloop().decide(state(MERCHANTS, {0: 0.1}, pending=[pending_on(0)])) == []


def test_autoloop_sizes_a_loop_in_to_what_the_wallet_may_spend_and_skips_below_the_server_minimum() -> None:
    reserve = limits.anchor_reserve_sat(MERCHANTS, "alice")  # LND's, on top of what alice may spend
    funds = {"alice": reserve + 200_300, "loop": 50_000_000}
    assert Autoloop().decide(state(MERCHANTS, {0: 0.1}, wallets=funds)) == [SwapSuggestion("alice", SWAP_IN, 200_000, 0)]
    assert Autoloop().decide(state(MERCHANTS, {0: 0.1}, wallets={"alice": reserve + 40_000})) == []


def test_autoloop_rests_a_channel_whose_swap_failed_and_returns_to_it_after_the_backoff() -> None:
    failed = replace(pending_on(0), status=FAILED, failure_reason="no_route", started_height=7, finished_height=10)
    policy = Autoloop(failure_backoff_blocks=20)
    lopsided = state(MERCHANTS, {0: 0.1, 1: 0.1})  # alice and eve both want a Loop In
    assert policy.decide(replace(lopsided, ended=(failed,), height=29)) == [SwapSuggestion("eve", SWAP_IN, 400_000, 1)]
    assert SwapSuggestion("alice", SWAP_IN, 400_000, 0) in policy.decide(replace(lopsided, ended=(failed,), height=30))


def test_autoloop_stops_when_the_fee_budget_of_the_window_is_spent_and_resumes_after_it() -> None:
    policy = Autoloop(fee_budget_sat=2_500, window_blocks=10)  # one 400k loop in costs 2,000 + 300
    assert len(policy.decide(state(MERCHANTS, {0: 0.1}, height=0))) == 1
    assert policy.decide(state(MERCHANTS, {1: 0.1}, height=5)) == []
    assert policy.decide(state(MERCHANTS, {1: 0.1}, height=10)) == [SwapSuggestion("eve", SWAP_IN, 400_000, 1)]


def test_combined_swaps_for_net_imbalance_and_rebalances_for_local() -> None:
    # relay holds 90 % of its west channels and 10 % of its east ones: locally lopsided, net balanced.
    local = state(RELAY, {0: 0.1, 1: 0.1, 2: 0.9, 3: 0.9}, wallets={})
    decisions = Combined().decide(local)
    assert decisions and all(isinstance(d, RebalanceSuggestion) and d.from_node in ("relay", "carol", "dave")
                             for d in decisions)
    # alice with one channel, nearly empty: net short, so a Loop In and no rebalance of hers.
    net = Combined().decide(state(MERCHANTS, {0: 0.1}))
    assert net[0] == SwapSuggestion("alice", SWAP_IN, 400_000, 0)
    assert not any(isinstance(d, RebalanceSuggestion) and d.from_node == "alice" for d in net)


def test_make_policy_knows_the_baselines_and_refuses_others() -> None:
    assert isinstance(make_policy("none"), NoRebalancer)
    assert make_policy("autoloop").name == "autoloop"
    with pytest.raises(SettingError, match="unknown policy 'loopmax'"):
        make_policy("loopmax")
    with pytest.raises(SettingError, match="low < target < high"):
        Autoloop(low=0.6)


def test_executor_skips_a_swap_the_network_refuses_now_and_changes_nothing() -> None:
    sim = Sim(MERCHANTS)
    executed = Executor(sim).execute([SwapSuggestion("carol", SWAP_IN, 100_000, 2)])  # carol has only her reserve
    assert executed.results == [] and "anchor reserve" in executed.skipped[0][1]
    assert sim.wallet_balances()["carol"] == limits.anchor_reserve_sat(MERCHANTS, "carol") and sim.pending_swaps() == []


def test_fork_leaves_the_twin_it_came_from_untouched() -> None:
    sim = Sim(MERCHANTS)
    sim.swap_in("alice", 200_000, 0)
    before = (sim.snapshot().channels, sim.wallet_balances(), sim.pending_swaps(), sim.height())
    fork = sim.fork()
    fork.pay("alice", "carol", 50_000)
    fork.mine(5)
    assert fork.pending_swaps() == [] and fork.height() == 5
    assert (sim.snapshot().channels, sim.wallet_balances(), sim.pending_swaps(), sim.height()) == before


def memory(sim: Sim) -> dict[int, dict[int, dict[int, dict[str, float]]]]:
    """What each sender's mission control holds, as plain values."""
    return {source: {frm: {to: vars(pair).copy() for to, pair in pairs.items()} for frm, pairs in mc.results.items()}
            for source, mc in sim.engine.finder.missions.items()}


def test_a_fork_with_mission_control_learns_apart_from_the_twin_it_came_from() -> None:
    sim = Sim(MERCHANTS, mission_control=True)
    assert sim.pay("eve", "carol", 400_000).success  # empties most of hub -> carol
    assert not sim.pay("alice", "carol", 300_000).success  # fails at hub: alice's mission control learns it
    learned = memory(sim)
    assert learned
    fork = sim.fork()
    assert memory(fork) == learned
    assert fork.pay("carol", "alice", 300_000).success
    assert memory(fork) != learned and memory(sim) == learned


def test_simulate_runs_a_swapping_policy_and_mines_a_block_per_policy_round() -> None:
    from lngym.simulation import Simulation, SimulationConfig

    sim = Sim(MERCHANTS)
    seen: list[str] = []
    run = Simulation(sim, SimulationConfig(payments=300, concurrency=1, rebalance_every=10, seed=2, speed=float("inf")),
                     policy=make_policy("autoloop"), on_result=lambda r: seen.append(r.kind))
    run.run()
    assert sim.height() == 30
    assert {SWAP_IN, SWAP_OUT} <= set(seen)


def test_oracle_picks_the_swap_that_saves_future_payments_without_touching_the_twin() -> None:
    from lngym.envs.lightning_env import LightningEnv
    from lngym.policies import LookaheadOracle

    env = LightningEnv(MERCHANTS, backend="sim", payments_per_step=10)
    env.reset(seed=0)
    assert env.network.pay("alice", "carol", 450_000).success  # alice can hardly pay any more
    refill = SwapSuggestion("alice", SWAP_IN, 400_000, 0)
    useless = SwapSuggestion("dave", SWAP_OUT, 100_000, 3)
    oracle = LookaheadOracle(env.network, env.peek, NoRebalancer(), lambda state: [[useless], [refill]], horizon=8)
    before = (env.network.snapshot().channels, env.network.wallet_balances(), env.network.height(), env.peek(8))
    assert oracle.decide(env.state()) == [refill]
    assert (env.network.snapshot().channels, env.network.wallet_balances(), env.network.height(), env.peek(8)) == before
