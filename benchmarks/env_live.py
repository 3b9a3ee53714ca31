"""Steps and resets per second of LightningTestnet-v0 (real LND), against the twin.

Run: .venv/bin/python benchmarks/env_live.py [--steps 20] [--tmpfs]
One live seed network is started for the whole run; for each payments_per_step
value the env does one reset and ``--steps`` random-action steps, then a few
resets are timed. LightningSim-v0 runs the same loop for the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium as gym

import lngym  # noqa: F401  (registers the ids)
from lngym.network import make


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--tmpfs", action="store_true")
    args = parser.parse_args()
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
