"""``lngym evaluate``: every policy on the same seeded episodes, a table with 95 % CIs, a CSV and plots."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from lngym.cli.arguments import positive_int
from lngym.envs.lightning_env import LightningEnv
from lngym.evaluation import EpisodeResult, Evaluation, EvaluationConfig, evaluate
from lngym.evaluation.evaluate import BACKEND_ALIASES
from lngym.evaluation.tables import rich_table
from lngym.policies import BASELINES

#: Wide enough for the table even where output is piped (rich assumes 80 columns there).
console = Console(width=max(Console().width, 132))


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``evaluate`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "evaluate", parents=[parent], help="compare policies on the same seeded episodes (twin or live LND)",
        description="Play the same seeded episodes of a scenario with every policy (baselines by name, "
                    "trained models by .zip path) and print success with 95 %% CIs, fees, volume and the "
                    "paired difference to the first policy; writes steps.csv, summary.csv, summary.md and PNGs.")
    sub.set_defaults(run=cmd_evaluate)
    sub.add_argument("--policy", nargs="+", default=list(BASELINES), metavar="POLICY",
                     help=f"policies in table order, the first is the reference: {', '.join(BASELINES)} "
                          "or a model .zip from `lngym train` (default: every baseline)")
    sub.add_argument("--scenario", default="merchants", help="scenario name in envs/ or a .toml path "
                                                             "(default: merchants)")
    sub.add_argument("--backend", choices=tuple(BACKEND_ALIASES), default="sim",
                     help="sim: the twin (default); live (= native): real LND, the network under --home if one "
                          "runs there, else one launched for the run and removed after it")
    sub.add_argument("--episodes", type=positive_int, default=10, help="seeded episodes per policy (default 10)")
    sub.add_argument("--seed", type=int, default=0, help="episode i resets with seed SEED+i (default 0)")
    sub.add_argument("--steps", type=positive_int, default=None,
                     help="steps per episode (default: the scenario's or the model's max_episode_steps)")
    sub.add_argument("--out", type=Path, default=None,
                     help="directory for the CSVs and PNGs (default: evaluation/<scenario>-<backend>)")


def config_of(args: argparse.Namespace) -> EvaluationConfig:
    """The evaluation the command line asks for."""
    out = args.out or Path("evaluation") / f"{Path(args.scenario).stem}-{BACKEND_ALIASES[args.backend]}"
    return EvaluationConfig(args.scenario, args.policy, backend=args.backend, episodes=args.episodes,
                            seed=args.seed, steps=args.steps, home=args.home, out=out)


def run_with_progress(config: EvaluationConfig) -> Evaluation:
    """``evaluate`` under a rich progress bar of steps, with a line per marked episode."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
               TimeElapsedColumn())
    steps = 0  # per episode: known once the env exists (models and --steps decide it)
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting the network", total=None)

        def on_start(env: LightningEnv) -> None:
            nonlocal steps
            steps = env.config["max_episode_steps"]
            progress.update(task, total=steps * config.episodes * len(config.policies))

        def on_step(row: Any) -> None:
            progress.update(task, advance=1, description=f"{row.policy} · episode {row.episode + 1}/{config.episodes}")

        def on_episode(result: EpisodeResult) -> None:
            missing = steps - len(result.steps)
            if missing > 0:
                progress.update(task, advance=missing)
            if not result.complete:
                console.print(f"[yellow]marked[/] {result.policy}, episode {result.episode}: {result.problem}")
            elif not console.is_terminal:  # logs and CI see no bar: a line per episode instead
                console.print(f"{result.policy}, episode {result.episode + 1}/{config.episodes} (seed {result.seed}): "
                              f"{100 * result.success:.1f} % of {result.payments} payments")

        return evaluate(config, on_step, on_episode, on_start)


def print_evaluation(evaluation: Evaluation) -> None:
    """The table, the failures in full and where the files went."""
    console.print(rich_table(evaluation.summaries, evaluation.title))
    for row in evaluation.summaries:
        if row.failures:
            console.print(f"  {row.policy} failures: " + ", ".join(f"{k} {v}" for k, v in row.failures.items()))
    for path in evaluation.files.values():
        console.print(f"  wrote {path}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    evaluation = run_with_progress(config_of(args))
    print_evaluation(evaluation)
    return 0
