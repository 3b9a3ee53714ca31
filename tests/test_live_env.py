"""LightningTestnet-v0 on real LND: the Gymnasium checkers, episodes, seeding, close()."""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lngym  # noqa: F401  (registers the ids)
from lngym.network.native import NativeNetwork
from lngym.recorder import read_rows

pytestmark = pytest.mark.live


def attached(network: NativeNetwork, **config: object) -> gym.Env:
    """The live env on the session's network (attached: close() leaves it running)."""
    return gym.make("LightningTestnet-v0", home=str(network.home), **config)


@pytest.mark.train
def test_gymnasium_and_sb3_checkers_pass(network: NativeNetwork) -> None:
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = attached(network, payments_per_step=4)
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env.unwrapped, warn=True)
    env.close()
    assert network.is_running()


def test_random_agent_episode_of_twenty_steps(network: NativeNetwork) -> None:
    env = attached(network, payments_per_step=5, max_episode_steps=20)
    obs, _ = env.reset(seed=11)
    env.action_space.seed(11)
    steps, truncated = 0, False
    while not truncated:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        assert -1.0 <= reward <= 1.0 and not terminated
        assert info["payments"] == 5 and 0 <= info["successes"] <= 5
        steps += 1
    assert steps == 20
    assert "alice" in env.render() if env.render_mode else True
    env.close()


def test_same_seed_gives_the_same_payment_sequence(network: NativeNetwork, tmp_path: Path) -> None:
    sequences = []
    for run in range(2):
        csv = tmp_path / f"run{run}.csv"
        env = attached(network, payments_per_step=6, csv=str(csv))
        env.reset(seed=5)
        for _ in range(3):
            env.step(0)
        env.close()
        # Rows are written as payments end (8 in flight), so compare each run's payments as a set.
        sequences.append(sorted((r["sender"], r["receiver"], r["amount_sat"]) for r in read_rows(csv)))
    assert len(sequences[0]) == 18
    assert sequences[0] == sequences[1]


def test_noop_keeps_and_rebalance_moves_the_observation(network: NativeNetwork) -> None:
    env = attached(network, payments_per_step=1)
    before, _ = env.reset(seed=1)
    unwrapped = env.unwrapped
    # Compare the network's own state rather than the step's observation, which
    # also includes that step's payment.
    ratios = np.array([c.ratio_a for c in network.snapshot().channels])
    assert np.allclose(before, ratios, atol=1e-6)
    from lngym.envs.actions import decode_discrete

    action = 1  # channel 0, first direction, smallest fraction
    suggestion = decode_discrete(action, unwrapped.scenario, unwrapped.config["fractions"])
    result = network.rebalance(suggestion.from_node, suggestion.to_node, suggestion.amount_sat, 50)
    assert result.success, result.failure_reason
    moved = np.array([c.ratio_a for c in network.snapshot().channels])
    direction = -1 if suggestion.from_node == network.scenario.channels[0].a else 1
    assert np.sign(moved[0] - ratios[0]) == direction
    env.close()


def test_embedded_env_starts_its_own_network_and_close_leaves_nothing() -> None:
    env = gym.make("LightningTestnet-v0", payments_per_step=3)
    env.reset(seed=2)
    own: NativeNetwork = env.unwrapped.network
    pids = [n.process.pid for n in own.cluster.lnd.values()] + [own.cluster.btcd.process.pid]
    _, _, _, _, info = env.step(0)
    assert info["payments"] == 3
    env.close()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/cmdline", "rb").read().find(b"lngym") < 0
    assert not own.home.exists()


def test_two_live_envs_step_together_in_an_async_vector_env() -> None:
    envs = gym.make_vec("lngym:LightningTestnet-v0", num_envs=2, vectorization_mode="async",
                        payments_per_step=3)
    try:
        obs, _ = envs.reset(seed=3)
        assert obs.shape == (2, 6)
        obs, rewards, terminated, truncated, infos = envs.step(np.zeros(2, dtype=np.int64))
        assert rewards.shape == (2,) and not terminated.any()
        assert list(infos["payments"]) == [3, 3]
    finally:
        envs.close()


def test_killed_node_is_reported_and_the_next_reset_recovers(network: NativeNetwork) -> None:
    env = attached(network, payments_per_step=8)
    env.reset(seed=4)
    live: NativeNetwork = env.unwrapped.network
    live.kill_node("carol")
    _, _, terminated, _, info = env.step(0)
    assert info["nodes_down"] == ["carol"] and not terminated
    failed_with_carol = [reason for reason in info["failure_reasons"] if reason == "node_unreachable"]
    assert failed_with_carol or info["failures"] == 0
    obs, info = env.reset(seed=4)
    assert live.down_nodes() == []
    assert all(c.active for c in live.snapshot().channels)
    _, _, _, _, info = env.step(0)
    assert info["nodes_down"] == []
    env.close()
