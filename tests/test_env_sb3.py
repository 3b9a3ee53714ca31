"""Stable-Baselines3's checker and a few learning steps on LightningSim-v0 (the ``train`` extra).

SB3 is imported inside the tests so that ``-m "not train"`` collects without it;
a run that selects these tests without SB3 installed is refused by conftest.py
(not skipped), so a full run on a machine missing the extra fails loudly.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import lngym  # noqa: F401  (registers the ids)

pytestmark = pytest.mark.train


@pytest.mark.parametrize("config", [{}, {"observation_type": "dict"}, {"action_type": "continuous"}])
def test_sb3_check_env(config: dict[str, str]) -> None:
    from stable_baselines3.common.env_checker import check_env

    env = gym.make("LightningSim-v0", **config)
    check_env(env.unwrapped, warn=True)
    env.close()


def test_ppo_learns_for_a_few_steps_without_error() -> None:
    from stable_baselines3 import PPO

    env = gym.make("LightningSim-v0", payments_per_step=5)
    model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=128)
    action, _ = model.predict(env.reset(seed=0)[0], deterministic=True)
    assert env.action_space.contains(int(action))
    env.close()
