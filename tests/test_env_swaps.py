"""The env with a [swap] server: swap actions, masks, chain time, observations, fees, determinism."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from lngym.envs import actions
from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.network.base import SWAP_IN, SWAP_OUT, RebalanceSuggestion
from lngym.policies import PolicyState, SwapSuggestion
from lngym.scenario import load_scenario

MERCHANTS = load_scenario("merchants")  # channels: hub-alice, hub-eve, hub-carol, hub-dave, loop-hub
BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def env(**config) -> LightningEnv:
    return LightningEnv(MERCHANTS, **{"backend": "sim", **config})


def test_scenarios_without_a_swap_server_keep_their_spaces() -> None:
    seed = LightningEnv("seed")
    assert seed.action_space.n == 1 + 2 * 6 * 3
    assert seed.observation_space.shape == (6,)
    assert LightningEnv("seed", action_type="continuous").action_space.shape == (6,)


def test_swap_actions_follow_the_rebalances_and_round_trip() -> None:
    slots = actions.swap_slots(MERCHANTS)
    assert ("loop" not in {node for _, node in slots}) and len(slots) == 9  # 4 leaf channels × 2 ends + hub's end
    space = actions.discrete_space(MERCHANTS)
    assert space.n == 1 + 2 * 5 * 3 + 2 * 9 * 3
    first_swap = 1 + 2 * 5 * 3
    assert actions.decode_discrete(first_swap, MERCHANTS) == SwapSuggestion("hub", SWAP_IN, 100_000, 0)
    assert actions.decode_discrete(first_swap + 1 * 3 + 2, MERCHANTS) == SwapSuggestion("hub", SWAP_OUT, 500_000, 0)
    for action in range(1, space.n):
        assert actions.encode_suggestion(actions.decode_discrete(action, MERCHANTS), MERCHANTS) == action
    vector = actions.encode_continuous(SwapSuggestion("alice", SWAP_IN, 250_000, 0), MERCHANTS)
    assert actions.decode_continuous(vector, MERCHANTS) == [SwapSuggestion("alice", SWAP_IN, 250_000, 0)]


def test_masks_rule_out_each_kind_of_impossible_action() -> None:
    e = env(swap_fractions=[0.04, 0.1, 0.5], fractions=[0.5, 0.6, 0.7])
    e.reset(seed=0)
    n_rebalance = 1 + 2 * 5 * 3
    index = {actions.decode_discrete(a, MERCHANTS, e.config["fractions"], e.config["swap_fractions"]): a
             for a in range(1, e.action_space.n)}
    mask = e.action_masks()
    assert mask[0] and mask.dtype == bool and mask.shape == (e.action_space.n,)
    # 40,000 sat is below the server's 50,000 minimum.
    assert not mask[index[SwapSuggestion("alice", SWAP_IN, 40_000, 0)]]
    assert mask[index[SwapSuggestion("alice", SWAP_IN, 100_000, 0)]]
    # carol has no on-chain funds for a Loop In; she can Loop Out what she holds (500,000 less reserve).
    assert not mask[index[SwapSuggestion("carol", SWAP_IN, 100_000, 2)]]
    assert mask[index[SwapSuggestion("carol", SWAP_OUT, 100_000, 2)]]
    assert not mask[index[SwapSuggestion("carol", SWAP_OUT, 500_000, 2)]]
    # Rebalances of 500,000 and 600,000 need more than the 500,000 alice holds less her reserve.
    assert not mask[index[RebalanceSuggestion("alice", "hub", 500_000)]]
    assert not mask[index[RebalanceSuggestion("alice", "hub", 600_000)]]
    assert not mask[index[RebalanceSuggestion("hub", "alice", 600_000)]]
    # A swap in flight on channel 0 rules out every other swap on it.
    e.step(index[SwapSuggestion("alice", SWAP_IN, 100_000, 0)])
    mask = e.action_masks()
    assert not any(mask[a] for d, a in index.items() if isinstance(d, SwapSuggestion) and d.channel == 0)
    assert mask[index[SwapSuggestion("eve", SWAP_IN, 100_000, 1)]]
    assert n_rebalance == min(a for d, a in index.items() if isinstance(d, SwapSuggestion))


def test_an_inactive_channel_rules_out_its_actions() -> None:
    from dataclasses import replace

    from lngym.envs.masks import action_masks

    e = env()
    e.reset(seed=0)
    state = e.state()
    channels = tuple(replace(c, active=c.index != 0) for c in state.snapshot.channels)
    mask = action_masks(replace(state, snapshot=replace(state.snapshot, channels=channels)), [0.05], [0.1])
    for action in range(1, len(mask)):
        decision = actions.decode_discrete(action, MERCHANTS, [0.05], [0.1])
        on_zero = (decision.channel == 0) if isinstance(decision, SwapSuggestion) else \
            MERCHANTS.channel_index(decision.from_node, decision.to_node) == 0
        if on_zero:
            assert not mask[action]


def test_a_swap_completes_after_blocks_per_step_times_confirmations(tmp_path) -> None:
    e = env(blocks_per_step=1, payments_per_step=2, csv=str(tmp_path / "rows.csv"))
    e.reset(seed=3)
    confirmations = MERCHANTS.swap.confirmations
    _, _, _, _, info = e.step_with([SwapSuggestion("alice", SWAP_IN, 200_000, 0)])
    assert info["swaps_started"] == 1 and info["swaps"] == []
    for _ in range(confirmations - 2):
        _, _, _, _, info = e.step(0)
        assert info["swaps"] == []
    _, reward, _, _, info = e.step(0)
    (swap,) = info["swaps"]
    assert (swap["kind"], swap["node"], swap["success"], swap["blocks"]) == (SWAP_IN, "alice", True, confirmations)
    assert info["swap_server_fee_sat"] == 1_000 and info["swap_miner_fee_sat"] == 300
    assert info["fee_sat"] == pytest.approx(1_300)
    assert reward == pytest.approx(info["success_rate"] - 1_300 / info["volume_sat"])
    e.close()
    assert "swap_in" in (tmp_path / "rows.csv").read_text()


def test_blocks_per_step_speeds_chain_time() -> None:
    e = env(blocks_per_step=3, payments_per_step=2)
    e.reset(seed=3)
    e.step_with([SwapSuggestion("alice", SWAP_IN, 200_000, 0)])
    assert e.network.height() == 3 and e.network.pending_swaps() == []


def test_same_seed_same_trajectory_with_swaps() -> None:
    def run() -> list:
        e = env(payments_per_step=5, max_episode_steps=12, observation_type="chain")
        obs, _ = e.reset(seed=11)
        trajectory = [obs.tolist()]
        rng = np.random.default_rng(0)
        for _ in range(12):
            allowed = np.flatnonzero(e.action_masks())
            obs, reward, _, _, info = e.step(int(rng.choice(allowed)))
            trajectory.append((obs.tolist(), reward, info["swaps"], info["successes"]))
        return trajectory

    assert run() == run()


@pytest.mark.parametrize("kind", ["chain", "dict"])
def test_observations_with_wallets_and_pending_swaps_pass_gymnasiums_checks(kind) -> None:
    e = env(observation_type=kind, payments_per_step=2, max_episode_steps=5)
    check_env(e, skip_render_check=True)
    obs, _ = e.reset(seed=0)
    obs, *_ = e.step_with([SwapSuggestion("alice", SWAP_IN, 200_000, 0)])
    pending = obs[-5:] if kind == "chain" else obs["pending"]
    wallets = obs[5:11] if kind == "chain" else obs["wallets"]
    assert pending.tolist() == [1.0, 0, 0, 0, 0]
    alice = MERCHANTS.nodes.index("alice")  # 10 M to spend + 10,000 anchor reserve − 200,000 − 300 miner fee
    assert wallets[alice] == pytest.approx(9_809_700 / (9_809_700 + 1_000_000))


def test_action_masks_needs_a_discrete_env() -> None:
    e = env(action_type="continuous")
    e.reset(seed=0)
    with pytest.raises(SettingError, match="discrete"):
        e.action_masks()


def test_peek_shows_the_next_steps_without_consuming_them() -> None:
    e = env(payments_per_step=3)
    e.reset(seed=5)
    ahead = e.peek(2)
    assert [len(step) for step in ahead] == [3, 3]
    _, _, _, _, info = e.step(0)
    assert info["payments"] == 3 and e.peek(1)[0] == ahead[1]


def test_policy_state_of_a_running_network_has_wallets_and_pending_swaps() -> None:
    e = env()
    e.reset(seed=0)
    e.step_with([SwapSuggestion("alice", SWAP_IN, 200_000, 0)])
    state = PolicyState.of(e.network)  # alice: 10 M + 10,000 anchor reserve − 200,000 − 300 miner fee
    assert state.pending_channels() == {0} and state.height == 1 and state.wallets["alice"] == 9_809_700


def test_decisions_benchmark_runs_end_to_end_with_its_ci_columns() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import decisions
    finally:
        sys.path.remove(str(BENCHMARKS))
    lines = decisions.run(["merchants"], episodes=2, steps=5, horizon=3)
    header = next(line for line in lines if line.startswith("| policy"))
    assert "95 % CI" in header and "Δ vs none" in header and "swap miner fee" in header
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| policy")]
    assert [row.split(" | ")[0] for row in rows][:4] == ["| none", "| circular", "| autoloop", "| combined"]
    assert rows[4].startswith("| oracle (rollout of ")
    assert all(" ± " in row for row in rows)
    assert any(line.startswith("Best heuristic: ") for line in lines)
    assert any(line.startswith("oracle (rollout of ") and "paired (goal ≥ 5)" in line for line in lines)
