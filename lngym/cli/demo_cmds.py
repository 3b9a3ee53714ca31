"""``lngym demo``: the main job in one command — train briefly on the twin, then compare on live LND."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lngym.cli.evaluate_cmds import console, print_evaluation, run_with_progress
from lngym.cli.arguments import positive_int
from lngym.evaluation import EvaluationConfig
from lngym.evaluation.agents import training_module
from lngym.policies import BASELINES

#: Discrete actions with masks: the algorithm that learned relay on the twin (benchmarks/RESULTS.md).
DEMO_ALGO = "maskable-ppo"
#: The settings of the longer recipe in README: wallets and pending swaps in the observation,
#: episodes as long as the evaluation's.
DEMO_SETTINGS = {"observation_type": "chain", "max_episode_steps": 30}


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``demo`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "demo", parents=[parent], help="train a policy briefly on the twin, then compare it on live LND",
        description="The main job in one command: train a maskable-PPO policy on the scenario's twin, compare it "
                    "with every baseline on the twin, then start the embedded live network (or use the one under "
                    "--home) and compare them on real LND over the same seeded episodes. Tables are printed; "
                    "CSVs and PNGs go under --out.")
    sub.set_defaults(run=cmd_demo)
    sub.add_argument("--scenario", default="relay", help="scenario name in envs/ or a .toml path (default: relay)")
    sub.add_argument("--timesteps", type=positive_int, default=10_000,
                     help="training steps on the twin (default 10000; README's longer recipe uses 20000)")
    sub.add_argument("--twin-episodes", type=positive_int, default=10, help="twin episodes per policy (default 10)")
    sub.add_argument("--episodes", type=positive_int, default=3, help="live episodes per policy (default 3)")
    sub.add_argument("--steps", type=positive_int, default=15, help="steps per live episode (default 15)")
    sub.add_argument("--seed", type=int, default=1000, help="evaluation episodes use seeds SEED, SEED+1, … "
                                                            "(default 1000)")
    sub.add_argument("--out", type=Path, default=Path("demo"), help="output directory (default: demo)")


def cmd_demo(args: argparse.Namespace) -> int:
    training = training_module()
    started = time.perf_counter()
    console.rule(f"1/3 · training {DEMO_ALGO} on the twin of {args.scenario} ({args.timesteps:,} steps)")
    model = training.train(args.scenario, DEMO_ALGO, args.timesteps, out=args.out / "model", seed=0,
                           eval_every=max(args.timesteps // 5, 1), settings=DEMO_SETTINGS, progress=True)
    console.print(f"trained in {time.perf_counter() - started:.0f} s: {model}")
    policies = [*BASELINES, str(model)]
    console.rule(f"2/3 · {args.twin_episodes} episodes of {DEMO_SETTINGS['max_episode_steps']} steps on the twin")
    twin = run_with_progress(EvaluationConfig(args.scenario, policies, backend="sim", episodes=args.twin_episodes,
                                              seed=args.seed, out=args.out / "twin"))
    print_evaluation(twin)
    console.rule(f"3/3 · {args.episodes} episodes of {args.steps} steps on live LND")
    live = run_with_progress(EvaluationConfig(args.scenario, policies, backend="live", episodes=args.episodes,
                                              seed=args.seed, steps=args.steps, home=args.home,
                                              out=args.out / "live"))
    print_evaluation(live)
    console.print(f"demo done in {time.perf_counter() - started:.0f} s; "
                  f"`lngym report {args.out / 'live' / 'steps.csv'}` summarises the live payments")
    return 0
