"""Stable-Baselines3's checker and a few learning steps on LightningSim-v0 (the ``train`` extra).

README's set-up command and CI install the train extra, so SB3 is imported
outright: a machine without it fails here instead of skipping quietly.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import lngym  # noqa: F401  (registers the ids)

pytestmark = pytest.mark.train

import stable_baselines3 as sb3  # noqa: F401  (the train extra)


@pytest.mark.parametrize("config", [{}, {"observation_type": "dict"}, {"action_type": "continuous"}])
def test_sb3_check_env(config):
    from stable_baselines3.common.env_checker import check_env

    env = gym.make("LightningSim-v0", **config)
    check_env(env.unwrapped, warn=True)
    env.close()


def test_ppo_learns_for_a_few_steps_without_error():
    from stable_baselines3 import PPO

    env = gym.make("LightningSim-v0", payments_per_step=5)
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(int(action))
    env.close()
