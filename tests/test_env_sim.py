"""LightningSim-v0: Gymnasium's checker, determinism, spaces, reward, info, render, recording."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lngym  # noqa: F401  (registers the ids)
from lngym.envs import actions
from lngym.envs.registration import register_envs
from lngym.errors import ScenarioError
from lngym.network.base import RebalanceSuggestion
from lngym.scenario import load_scenario

CONFIGS = [{}, {"observation_type": "dict"}, {"action_type": "continuous"}]


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "dict-obs", "continuous"])
def test_gymnasium_check_env(config):
    env = gym.make("LightningSim-v0", **config)
    # Render checks need a display for "human"; tests/test_env_registry.py runs them under Xvfb.
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def rollout(seed: int, steps: int = 15) -> list:
    env = gym.make("LightningSim-v0", payments_per_step=20)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    trajectory = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trajectory.append((obs, reward, terminated, truncated, info))
    env.close()
    return trajectory


def test_same_seed_gives_identical_trajectories():
    first, second = rollout(7), rollout(7)
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert gym.utils.env_checker.data_equivalence(a, b)
    assert not all(
        gym.utils.env_checker.data_equivalence(a, b) for a, b in zip(first[1:], rollout(8)[1:])
    ), "another seed should give other payments"


def test_reset_restores_balances_and_replays_the_payments():
    env = gym.make("LightningSim-v0").unwrapped
    start, _ = env.reset(seed=3)
    _, _, _, _, info_a = env.step(0)
    again, _ = env.reset(seed=3)
    _, _, _, _, info_b = env.step(0)
    assert np.array_equal(start, again)
    assert info_a == info_b


def test_rebalance_action_moves_its_channel_and_noop_does_not():
    env = gym.make("LightningSim-v0", payments_per_step=1).unwrapped
    scenario = env.scenario
    obs, _ = env.reset(seed=0)
    env.network.pay_many = lambda requests, **_: []  # isolate the action from the traffic
    after_noop, *_ = env.step(0)
    assert np.array_equal(after_noop, obs)
    action = actions.encode_suggestion(RebalanceSuggestion("alice", "bob", 100_000), scenario)
    after, _, _, _, info = env.step(action)
    assert info["rebalances"][0]["success"]
    assert after[0] == pytest.approx(obs[0] - 0.1, abs=0.001), "alice's share of alice-bob drops by 10%"
    assert info["rebalance_fee_sat"] > 0


def test_reward_is_success_rate_minus_weighted_fees():
    env = gym.make("LightningSim-v0", payments_per_step=30, fee_weight=2.0).unwrapped
    env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(1)
    expected = info["success_rate"] - 2.0 * info["rebalance_fee_sat"] / info["volume_sat"]
    assert reward == pytest.approx(expected)
    assert info["payments"] == 30 == info["successes"] + info["failures"]
    assert sum(info["failure_reasons"].values()) == info["failures"]
    assert not terminated and not truncated


def test_truncates_after_max_episode_steps():
    from lngym.envs import LightningEnv

    for env in (gym.make("LightningSim-v0", max_episode_steps=3), LightningEnv(max_episode_steps=3)):
        env.reset(seed=0)
        flags = [env.step(0)[3] for _ in range(3)]
        assert flags == [False, False, True]


def test_discrete_action_mapping_round_trips():
    scenario = load_scenario("seed")
    space = actions.discrete_space(scenario)
    assert space.n == 1 + 2 * 6 * 3
    assert actions.decode_discrete(0, scenario) is None
    for action in range(1, space.n):
        suggestion = actions.decode_discrete(action, scenario)
        assert actions.encode_suggestion(suggestion, scenario) == action
    with pytest.raises(ValueError):
        actions.decode_discrete(space.n, scenario)


def test_continuous_action_has_a_dead_zone_and_signs():
    scenario = load_scenario("seed")
    vector = [0.0, 1.0, -0.5, 0.01, 0.0, 0.0]
    suggestions = actions.decode_continuous(vector, scenario, max_fraction=0.2, deadzone=0.05)
    assert suggestions == [
        RebalanceSuggestion("bob", "carol", 200_000),
        RebalanceSuggestion("dave", "carol", 100_000),
    ]


def test_config_merges_scenario_env_and_kwargs_and_rejects_typos():
    env = gym.make("LightningSim-v0", payments_per_step=7).unwrapped
    assert env.config["payments_per_step"] == 7 and env.config["fee_weight"] == 1.0
    seed = load_scenario("seed")
    scenario = dataclasses.replace(seed, env={"payments_per_step": 3, "fee_weight": 0.5})
    env = gym.make("LightningSim-v0", scenario=scenario, fee_weight=0.25).unwrapped
    assert (env.config["payments_per_step"], env.config["fee_weight"]) == (3, 0.25)
    with pytest.raises(ScenarioError, match="payment_per_step"):
        gym.make("LightningSim-v0", payment_per_step=7)
    with pytest.raises(ScenarioError, match="use 'balances'"):
        gym.make("LightningSim-v0", scenario="scale1000", observation_type="dict")


def test_render_modes():
    env = gym.make("LightningSim-v0", render_mode="ansi")
    env.reset(seed=0)
    env.step(0)
    table = env.render()
    assert "alice - bob" in table and "% on alice" in table
    env = gym.make("LightningSim-v0", render_mode="rgb_array")
    env.reset(seed=0)
    image = env.render()
    assert image.shape == (540, 960, 3) and image.dtype == np.uint8 and len(np.unique(image.reshape(-1, 3), axis=0)) >= 4


def test_csv_records_every_payment_and_rebalance(tmp_path):
    path = tmp_path / "payments.csv"
    env = gym.make("LightningSim-v0", payments_per_step=5, csv=str(path))
    env.reset(seed=0)
    env.step(1)
    env.step(0)
    env.close()
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11
    assert [r["kind"] for r in rows].count("rebalance") == 1
    assert rows[0]["sender"] == "lnd-alice"


def test_registration_is_idempotent_and_works_in_a_fresh_interpreter():
    register_envs()
    register_envs()
    assert gym.spec("LightningTestnet-v0").nondeterministic
    assert not gym.spec("LightningSim-v0").nondeterministic
    code = (
        "import gymnasium as gym, sys; env = gym.make('lngym:LightningSim-v0'); env.reset(seed=0); "
        "env.step(0); print(env.observation_space.shape, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "(6,) False"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_steps_several_sims(mode):
    envs = gym.make_vec("lngym:LightningSim-v0", num_envs=2, vectorization_mode=mode)
    obs, _ = envs.reset(seed=[1, 2])
    obs, rewards, *_ = envs.step(np.array([0, 1]))
    assert obs.shape == (2, 6) and rewards.shape == (2,)
    envs.close()


def test_testnet_id_builds_the_same_env_without_starting_anything():
    env = gym.make("LightningTestnet-v0")
    assert env.unwrapped.config["backend"] == "native"
    assert env.unwrapped.network is None, "the live network starts on the first reset, not at make()"
    assert env.observation_space == gym.make("LightningSim-v0").observation_space
    assert env.action_space == gym.make("LightningSim-v0").action_space
    env.close()


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_step_sends_its_payments_with_the_configured_concurrency(concurrency: int) -> None:
    env = gym.make("LightningSim-v0", payments_per_step=5, payment_concurrency=concurrency).unwrapped
    env.reset(seed=0)
    asked = []
    pay_many = env.network.pay_many

    def spy(requests, concurrency=8, **kwargs):
        asked.append(concurrency)
        return pay_many(requests, concurrency=concurrency, **kwargs)

    env.network.pay_many = spy
    env.step(0)
    assert asked == [concurrency]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_payment_concurrency_must_be_a_whole_number_of_one_or_more(bad) -> None:
    with pytest.raises(ScenarioError, match="payment_concurrency"):
        gym.make("LightningSim-v0", payment_concurrency=bad)


@pytest.mark.parametrize("mission_control", [True, False])
def test_the_twin_routes_with_mission_control_unless_told_not_to(mission_control: bool) -> None:
    env = gym.make("LightningSim-v0", mission_control=mission_control).unwrapped
    env.reset(seed=0)
    assert (env.network.engine.finder is not None) is mission_control
    assert gym.make("LightningSim-v0").unwrapped.config["mission_control"] is True


def test_mission_control_must_be_true_or_false() -> None:
    with pytest.raises(ScenarioError, match="mission_control: expected true or false"):
        gym.make("LightningSim-v0", mission_control="yes")
