"""Stable-Baselines3's checker and a few learning steps on LightningSim-v0 (the ``train`` extra).

CI runs these with the train extra installed (``pytest -m train``). Where SB3
is missing the module is skipped with a reason shown in the summary — except
under CI (``CI=true``), where a missing SB3 is an error, never a silent skip.
"""

from __future__ import annotations

import os

import gymnasium as gym
import pytest

import lngym  # noqa: F401  (registers the ids)

pytestmark = pytest.mark.train

if os.environ.get("CI") == "true":
    import stable_baselines3  # noqa: F401  (fail loudly in CI)
sb3 = pytest.importorskip("stable_baselines3", reason="needs the train extra: pip install -e '.[train]'")


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
