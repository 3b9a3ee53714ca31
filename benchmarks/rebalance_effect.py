"""Success rate of `lngym simulate --payments 500 --seed 1` with and without the baseline rebalancer.

Run: .venv/bin/python benchmarks/rebalance_effect.py [--payments 500] [--every 25] [--tmpfs]
Both runs use the same seeded workload on the same live seed network, reset to its
initial balances in between, exactly as `lngym simulate` runs them (4 in flight).
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from lngym.network import ManagedNetwork, make
from lngym.simulation import Simulation, SimulationConfig


def run(network: ManagedNetwork, payments: int, every: int) -> tuple[float, float, str, float]:
    """(success rate, rebalance fees in sat, rebalances ok/tried, seconds) of one simulation."""
    network.reset_balances()
    simulation = Simulation(network, SimulationConfig(payments=payments, seed=1, rebalance_every=every, speed=math.inf))
    started = time.perf_counter()
    simulation.run()
    summary = simulation.stats.summary()
    rebalances = f"{summary.rebalance_successes}/{summary.rebalances}"
    return summary.success_rate or 0.0, summary.rebalance_fees_sat, rebalances, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--tmpfs", action="store_true")
    args = parser.parse_args()
    network = make("native", "seed", home=Path(tempfile.mkdtemp(prefix="lngym-bench-")), tmpfs=args.tmpfs)
    network.up()
    try:
        for every in (0, args.every):
            rate, fees, count, seconds = run(network, args.payments, every)
            label = "no rebalancing" if every == 0 else f"--rebalance-every {every}"
            print(f"{label:22s} success {rate:6.1%}  rebalances {count:>6s} (fees {fees:8.3f} sat)  {seconds:5.1f} s")
    finally:
        network.clean()


if __name__ == "__main__":
    main()
