"""Train a liquidity policy on the simulated twin, then compare it with the baselines.

    .venv/bin/python examples/train_ppo.py --scenario relay --timesteps 20000
    lngym evaluate --scenario relay --policy none circular autoloop combined runs/relay/best_model.zip --backend live

This is ``lngym train`` as a script: both call ``lngym.training.train``, which
trains on LightningSim-v0 built from the scenario, evaluates on held-out seeds
and keeps the best model in ``--out``. The comparison with the baselines —
same seeded episodes for every policy, on the twin or on real LND — is
``lngym evaluate``, which checks that the model fits the scenario first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lngym.training import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="relay", help="scenario name in envs/ or a .toml path (default relay)")
    parser.add_argument("--algo", default="maskable-ppo", choices=("ppo", "maskable-ppo"), help="PPO flavour")
    parser.add_argument("--timesteps", type=int, default=20_000, help="training steps on the twin")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default runs/<scenario>)")
    args = parser.parse_args()

    out = args.out or Path("runs") / args.scenario
    # The chain observation shows wallets and swaps in flight, which the swap actions need.
    best = train(args.scenario, args.algo, args.timesteps, out=out, settings={"observation_type": "chain"},
                 progress=True)
    print(f"best model: {best}\ncompare it: lngym evaluate --scenario {args.scenario} "
          f"--policy none circular autoloop combined {best}")


if __name__ == "__main__":
    main()
