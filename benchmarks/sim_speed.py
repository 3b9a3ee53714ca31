"""Speed of the simulated backend (issue 6): payments/s and env steps/s.

    .venv/bin/python benchmarks/sim_speed.py [--quick] [--profile] [--ln-snapshot DIR]

Measures, on one core: payments/s of ``Sim.pay_many`` on the seed topology and on
the generated 1,000-node scenario (requests drawn from the scenario's workload
beforehand, so only the simulator is timed); 5,000 random ~100-sat payments on
the public LN snapshot end to end (loading the CSVs included), the figure to
compare with CLoTH's 64–71 s; and env steps/s of LightningSim-v0 with random
actions on all three. ``--profile`` prints where the LN run spends its time; the
LN figures need ``--ln-snapshot`` (the folder of CLoTH's CSVs, e.g.
../shared/data/ln-snapshot) and are left out without it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

import lngym  # noqa: F401  (registers the ids)
from lngym.envs.lightning_env import LightningEnv
from lngym.network.base import PaymentRequest
from lngym.network.sim import Sim
from lngym.network.sim.lnsnapshot import load_ln_snapshot
from lngym.scenario import load_scenario
from lngym.traffic import Workload


def payments_per_second(scenario_name: str, count: int) -> tuple[float, float]:
    """(payments/s, success rate) of the scenario's own workload on a fresh Sim."""
    scenario = load_scenario(scenario_name)
    sim = Sim(scenario)
    requests = Workload.from_scenario(scenario, seed=1).next(count)
    started = time.perf_counter()
    results = sim.pay_many(requests)
    elapsed = time.perf_counter() - started
    return count / elapsed, sum(r.success for r in results) / count


def ln_end_to_end(snapshot: str, count: int) -> tuple[float, float, float]:
    """(total s, of which loading s, success rate) for random ~100-sat payments on the LN graph."""
    started = time.perf_counter()
    sim = load_ln_snapshot(snapshot)
    loaded = time.perf_counter() - started
    rng = np.random.default_rng(1)
    nodes = sim.scenario.nodes
    pairs = rng.integers(0, len(nodes), size=(count * 2, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]][:count]
    amounts = rng.integers(90, 111, size=count)
    requests = [PaymentRequest(nodes[a], nodes[b], int(x)) for (a, b), x in zip(pairs.tolist(), amounts)]
    results = sim.pay_many(requests)
    total = time.perf_counter() - started
    return total, loaded, sum(r.success for r in results) / count


def env_steps_per_second(env: LightningEnv, steps: int) -> float:
    """Random-action steps/s, resets excluded."""
    env.action_space.seed(0)
    env.reset(seed=0)
    started = time.perf_counter()
    for _ in range(steps):
        _, _, _, truncated, _ = env.step(env.action_space.sample())
        if truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def main() -> None:
    """Run every measurement and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer payments (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="profile the LN snapshot run")
    parser.add_argument("--ln-snapshot", metavar="DIR", default=None,
                        help="folder of the CLoTH LN snapshot CSVs (the LN figures are skipped without it)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rate, ok = payments_per_second("seed", 100_000 // scale)
    print(f"seed       payments/s {rate:10,.0f}   (success {ok:.1%})")
    rate, ok = payments_per_second("scale1000", 20_000 // scale)
    print(f"scale1000  payments/s {rate:10,.0f}   (success {ok:.1%})")
    envs = [
        ("seed", LightningEnv("seed", payments_per_step=10)),
        ("scale1000", LightningEnv("scale1000", payments_per_step=10)),
    ]
    if args.ln_snapshot is None:
        print("ln-snapshot figures skipped: pass --ln-snapshot DIR (CLoTH's channels_ln.csv, edges_ln.csv)")
    else:
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(ln_end_to_end, args.ln_snapshot, 5_000)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
        total, loaded, ok = ln_end_to_end(args.ln_snapshot, 5_000 // scale)
        print(f"ln-snapshot {5_000 // scale} payments of ~100 sat end to end {total:.2f} s "
              f"(loading {loaded:.2f} s, success {ok:.1%})")
        envs.append(("ln-snapshot", LightningEnv(network=load_ln_snapshot(
            args.ln_snapshot, traffic={"model": "random", "random": {"expected_amount_sat": 100}}),
            payments_per_step=10)))
    for name, env in envs:
        steps = (2_000 if name == "seed" else 200) // scale
        print(f"{name:<11} env steps/s {env_steps_per_second(env, steps):10,.0f}   (10 payments per step)")


if __name__ == "__main__":
    main()
