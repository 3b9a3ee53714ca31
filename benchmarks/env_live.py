"""Steps and resets per second of LightningTestnet-v0 (real LND), against the twin.

Run: .venv/bin/python benchmarks/env_live.py [--steps 20] [--tmpfs]
One live seed network is started for the whole run; for each payments_per_step
value the env does one reset and ``--steps`` random-action steps, then a few
resets are timed. LightningSim-v0 runs the same loop for the ratio.

With a swap scenario: ``… --scenario merchants --policy combined [--episodes 2] [--steps 30]``
plays seeded episodes of a baseline through ``LightningEnv.step_with`` (the
scenario's [env] settings, a block mined per step, swaps settling after their
confirmations), as ``benchmarks/decisions.py --backend native`` does, and
reports seconds per step and per reset, with what the steps did (payments that
succeeded, swaps started and ended, fees), so two trees can be compared on the
same episodes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium as gym

import lngym  # noqa: F401  (registers the ids)
from lngym.envs.lightning_env import LightningEnv
from lngym.network import make
from lngym.policies import make_policy
from lngym.scenario import load_scenario


def steps_per_second(env: gym.Env, steps: int, seed: int) -> float:
    """Random-action steps per second after one reset."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    started = time.perf_counter()
    for _ in range(steps):
        env.step(env.action_space.sample())
    return steps / (time.perf_counter() - started)


def reset_seconds(env: gym.Env, runs: int = 3) -> float:
    """Median time of reset() after one step has moved liquidity."""
    times = []
    for i in range(runs):
        env.step(env.action_space.sample())
        started = time.perf_counter()
        env.reset(seed=i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def policy_episodes(scenario: str, policy: str, episodes: int, steps: int, tmpfs: bool) -> None:
    """Time seeded episodes of a baseline on one live network of ``scenario``."""
    network = make("native", scenario, home=Path(tempfile.mkdtemp(prefix="lngym-bench-")), tmpfs=tmpfs)
    network.up()
    try:
        env = LightningEnv(load_scenario(scenario), network=network, max_episode_steps=steps)
        env.reset(seed=0)  # the first reset of a fresh network moves nothing: not timed
        print(f"{'episode':>7} {'reset s':>8} {'step s mean':>12} {'median':>7} {'max':>6} "
              f"{'ok':>5} {'swaps':>5} {'ended':>5} {'fees sat':>9}")
        all_steps, resets = [], []
        for episode in range(episodes):
            started = time.perf_counter()
            env.reset(seed=episode)
            resets.append(time.perf_counter() - started)
            chosen = make_policy(policy)
            times, ok, swaps, ended, fees = [], 0, 0, 0, 0.0
            truncated = False
            while not truncated:
                started = time.perf_counter()
                _, _, _, truncated, info = env.step_with(chosen.decide(env.state()))
                times.append(time.perf_counter() - started)
                ok += info["successes"]
                swaps += info["swaps_started"]
                ended += len(info["swaps"])
                fees += info["fee_sat"]
            all_steps += times
            print(f"{episode:7d} {resets[-1]:8.2f} {statistics.fmean(times):12.3f} {statistics.median(times):7.3f} "
                  f"{max(times):6.2f} {ok:5d} {swaps:5d} {ended:5d} {fees:9,.0f}", flush=True)
        print(f"{scenario} {policy}: {statistics.fmean(all_steps):.3f} s per step (mean of {len(all_steps)}), "
              f"reset {statistics.median(resets):.2f} s (median of {len(resets)})")
        env.close()
    finally:
        network.clean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--tmpfs", action="store_true")
    parser.add_argument("--scenario", help="a scenario with a [swap] server: time a baseline's episodes instead")
    parser.add_argument("--policy", default="combined", help="the baseline that decides (with --scenario)")
    parser.add_argument("--episodes", type=int, default=2, help="episodes of the baseline (with --scenario)")
    args = parser.parse_args()
    if args.scenario:
        policy_episodes(args.scenario, args.policy, args.episodes, args.steps, args.tmpfs)
        return
    network = make("native", "seed", home=Path(tempfile.mkdtemp(prefix="lngym-bench-")), tmpfs=args.tmpfs)
    network.up()
    try:
        print(f"{'payments/step':>13} {'live steps/s':>13} {'sim steps/s':>12} {'ratio':>7} {'live reset':>11}")
        for per_step in (1, 5, 10, 20):
            live = gym.make("LightningTestnet-v0", home=str(network.home), payments_per_step=per_step)
            sim = gym.make("LightningSim-v0", payments_per_step=per_step)
            live_rate = steps_per_second(live, args.steps, seed=per_step)
            sim_rate = steps_per_second(sim, max(args.steps, 200), seed=per_step)
            reset = reset_seconds(live)
            print(f"{per_step:13d} {live_rate:13.2f} {sim_rate:12.0f} {sim_rate / live_rate:6.0f}x {reset:10.2f}s")
            live.close()
            sim.close()
    finally:
        network.clean()


if __name__ == "__main__":
    main()
