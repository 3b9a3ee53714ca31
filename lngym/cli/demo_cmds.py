"""``lngym demo``: the main job in one command — train briefly on the twin, evaluate on live LND against the baselines."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lngym.cli.evaluate_cmds import console, print_evaluation, run_with_progress
from lngym.cli.simulate_cmds import positive_int
from lngym.evaluation import EvaluationConfig
from lngym.evaluation.agents import training_module
from lngym.policies import BASELINES

#: Algorithm of the demo's policy: discrete actions with masks, the best of the quick runs on the twin.
DEMO_ALGO = "maskable-ppo"


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``demo`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "demo", parents=[parent], help="train a policy briefly on the twin, then evaluate it on live LND",
        description="The main job in one command: train a policy on the scenario's twin for --timesteps steps, "
                    "compare it with every baseline on the twin, then start the embedded live network and compare "
                    "them on real LND over the same seeded episodes; tables printed, CSVs and PNGs under --out.")
    sub.set_defaults(run=cmd_demo)
    sub.add_argument("--scenario", default="merchants", help="scenario name in envs/ or a .toml path (default: merchants)")
    sub.add_argument("--timesteps", type=positive_int, default=20_000, help="training steps on the twin (default 20000)")
    sub.add_argument("--episodes", type=positive_int, default=3, help="live episodes per policy (default 3)")
    sub.add_argument("--steps", type=positive_int, default=20, help="steps per live episode (default 20)")
    sub.add_argument("--twin-episodes", type=positive_int, default=10, help="twin episodes per policy (default 10)")
    sub.add_argument("--seed", type=int, default=1000, help="evaluation episodes use seeds SEED.. (default 1000)")
    sub.add_argument("--out", type=Path, default=Path("demo"), help="output directory (default: demo)")


def cmd_demo(args: argparse.Namespace) -> int:
    training = training_module()
    started = time.perf_counter()
    console.rule(f"1/3 · training {DEMO_ALGO} on the twin of {args.scenario} ({args.timesteps:,} steps)")
    model = training.train(args.scenario, DEMO_ALGO, args.timesteps, out=args.out / "model", seed=0)
    policies = [*BASELINES, str(model)]
    console.rule(f"2/3 · {args.twin_episodes} episodes on the twin")
    twin = run_with_progress(EvaluationConfig(args.scenario, policies, backend="sim", episodes=args.twin_episodes,
                                              seed=args.seed, steps=args.steps, out=args.out / "twin"))
    print_evaluation(twin)
    console.rule(f"3/3 · {args.episodes} episodes on live LND (the embedded network, started for the demo)")
    live = run_with_progress(EvaluationConfig(args.scenario, policies, backend="live", episodes=args.episodes,
                                              seed=args.seed, steps=args.steps, home=args.home,
                                              out=args.out / "live"))
    print_evaluation(live)
    console.print(f"demo done in {time.perf_counter() - started:.0f} s; `lngym report {args.out / 'live' / 'steps.csv'}` "
                  "draws more")
    return 0
