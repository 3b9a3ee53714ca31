"""``lngym train``: a policy trained on the twin of a scenario (``lngym.training.train``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lngym.cli.arguments import positive_int
from lngym.errors import SettingError

ALGO_NAMES = ("ppo", "maskable-ppo", "dqn", "sac")


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``train`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "train", help="train a liquidity policy on the twin (stable-baselines3)", parents=[parent],
        description="train a liquidity policy on LightningSim-v0 built from a scenario; the saved zips record "
                    "the scenario and env settings, and `lngym evaluate --policy DIR/best_model.zip` compares it "
                    "with the baselines",
    )
    sub.set_defaults(run=cmd_train)
    sub.add_argument("--scenario", required=True, help="scenario name in envs/ or a .toml path")
    sub.add_argument("--algo", choices=ALGO_NAMES, required=True, help="learning algorithm")
    sub.add_argument("--timesteps", type=positive_int, default=20_000, help="env steps to train (default 20000)")
    sub.add_argument("--envs", type=positive_int, default=1, help="parallel subprocess envs (default 1)")
    sub.add_argument("--out", type=Path, default=Path("runs/model"),
                     help="output directory: model.zip, best_model.zip, checkpoints/ (default runs/model)")
    sub.add_argument("--seed", type=int, default=0, help="training seed; evaluation uses 10000+seed (default 0)")
    sub.add_argument("--eval-every", type=int, default=5_000, metavar="N",
                     help="evaluate on held-out seeds every N steps, keeping the best model; 0: never (default 5000)")
    sub.add_argument("--eval-episodes", type=positive_int, default=5, help="episodes per evaluation (default 5)")
    sub.add_argument("--tensorboard", type=Path, default=None, metavar="DIR", help="write tensorboard logs here")
    sub.add_argument("--finetune-live", type=Path, default=None, metavar="MODEL",
                     help="continue this model on LightningTestnet-v0 (real LND) for --timesteps steps")
    sub.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                     help="env setting, e.g. observation_type=chain or fractions=[0.1,0.3] (repeatable)")


def cmd_train(args: argparse.Namespace) -> int:
    from lngym.training import train  # torch loads only when training

    path = train(args.scenario, args.algo, args.timesteps, envs=args.envs, out=args.out, seed=args.seed,
                 eval_every=args.eval_every, eval_episodes=args.eval_episodes, tensorboard=args.tensorboard,
                 finetune_live=args.finetune_live, settings=parse_settings(args.settings), progress=True)
    print(f"saved {path}  (evaluate it: lngym evaluate --scenario {args.scenario} --policy none circular {path})")
    return 0


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that parses as JSON is taken as such (numbers, lists), else as text."""
    settings: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise SettingError(f"--set {item!r}: expected KEY=VALUE")
        try:
            settings[key] = json.loads(raw)
        except ValueError:
            settings[key] = raw
    return settings


