"""Train PPO on the simulated twin, then compare it with the baselines on sim or live LND.

    .venv/bin/python examples/train_ppo.py --timesteps 20000            # train + evaluate on the twin
    .venv/bin/python examples/train_ppo.py --load ppo_lightning --live   # evaluate on real LND

Training uses LightningSim-v0 (thousands of steps per second); the evaluation runs
the same episodes (same seeds) for three policies — the learned one, doing nothing,
and lngym's baseline rebalancer — and prints their mean reward and success rate.
With ``--live`` the evaluation runs on LightningTestnet-v0, which starts its own
regtest network (needs ``lngym install``).
"""

from __future__ import annotations

import argparse
import statistics
from typing import Callable

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO

import lngym  # noqa: F401  (registers the ids)
from lngym.envs.actions import encode_suggestion
from lngym.policies import BaselineRebalancer

Policy = Callable[[gym.Env, np.ndarray], int]


def learned(model: PPO) -> Policy:
    """The trained model, acting greedily."""
    return lambda _env, obs: int(model.predict(obs, deterministic=True)[0])


def do_nothing(_env: gym.Env, _obs: np.ndarray) -> int:
    """Action 0: never rebalance."""
    return 0


def baseline(env: gym.Env, _obs: np.ndarray) -> int:
    """lngym's baseline rebalancer: fix the channel furthest from balanced, if any."""
    core = env.unwrapped
    suggestions = BaselineRebalancer().suggest(core.network.snapshot(), core.scenario)
    if not suggestions:
        return 0
    return encode_suggestion(suggestions[0], core.scenario, core.config["fractions"])


def evaluate(env: gym.Env, policy: Policy, episodes: int) -> tuple[float, float]:
    """Mean episode reward and mean per-step success rate over seeded episodes."""
    rewards, success = [], []
    for episode in range(episodes):
        obs, _ = env.reset(seed=1000 + episode)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(policy(env, obs))
            total += reward
            success.append(info["success_rate"])
            done = terminated or truncated
        rewards.append(total)
    return statistics.mean(rewards), statistics.mean(success)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=20_000, help="PPO training steps on the twin")
    parser.add_argument("--load", help="skip training and load this saved model")
    parser.add_argument("--save", default="ppo_lightning", help="where to save the trained model")
    parser.add_argument("--episodes", type=int, default=5, help="evaluation episodes per policy")
    parser.add_argument("--steps", type=int, default=50, help="steps per evaluation episode")
    parser.add_argument("--live", action="store_true", help="evaluate on LightningTestnet-v0 (real LND)")
    args = parser.parse_args()

    settings = {"payments_per_step": 10, "max_episode_steps": args.steps}
    if args.load:
        model = PPO.load(args.load)
    else:
        model = PPO("MlpPolicy", gym.make("LightningSim-v0", **settings), seed=0, verbose=0)
        model.learn(total_timesteps=args.timesteps)
        model.save(args.save)
        print(f"trained {args.timesteps:,} steps on LightningSim-v0, saved to {args.save}.zip")

    env = gym.make("LightningTestnet-v0" if args.live else "LightningSim-v0", **settings)
    try:
        print(f"{'policy':10s} {'mean reward':>12s} {'success rate':>13s}   ({env.spec.id}, {args.episodes} episodes)")
        for name, policy in (("PPO", learned(model)), ("no-op", do_nothing), ("baseline", baseline)):
            reward, success = evaluate(env, policy, args.episodes)
            print(f"{name:10s} {reward:12.2f} {success:12.1%}")
    finally:
        env.close()


if __name__ == "__main__":
    main()
