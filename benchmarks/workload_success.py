"""Success rate of each traffic workload on the twin (seed topology), with and without the baseline rebalancer.

Run: .venv/bin/python benchmarks/workload_success.py [--payments 2000] [--seeds 5] [--every 20]
Each workload runs ``--payments`` payments per seed on a fresh ``Sim`` of the seed
topology (LND-like routing with mission control), as ``lngym simulate`` runs them;
no rebalancing, then the baseline rebalancer every ``--every`` payments. It shows
whether a workload depletes channels at all, and whether circular rebalancing
can answer the imbalance it makes.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from lngym.network.sim import Sim
from lngym.scenario import load_scenario, scenario_from_dict
from lngym.simulation import Simulation, SimulationConfig

#: name -> the [traffic] table run on the seed topology.
WORKLOADS: dict[str, dict[str, Any]] = {
    "skewed (seed.toml)": {"model": "skewed", "skewed": load_scenario("seed").traffic["skewed"]},
    "seed_mix": {"model": "seed_mix"},
    "tidal, median_sat 5000": {"model": "tidal", "tidal": {"median_sat": 5_000}},
    "tidal (amount_scale 0.02)": {"model": "tidal"},
    "tidal, amount_scale 0.05": {"model": "tidal", "tidal": {"amount_scale": 0.05}},
    "tidal regimes (amount_scale 0.02)": {"model": "tidal", "tidal": {"shape": "regimes"}},
    "tidal, period 100 (amount_scale 0.02)": {"model": "tidal", "tidal": {"period": 100}},
    "random, amount_scale 0.02": {"model": "random", "random": {"amount_scale": 0.02}},
}


def success(traffic: dict[str, Any], payments: int, seed: int, every: int) -> float:
    """Share of ``payments`` that succeed on a fresh twin of the seed."""
    base = load_scenario("seed")
    scenario = scenario_from_dict({
        "name": base.name,
        "nodes": list(base.nodes),
        "channels": [{"a": c.a, "b": c.b, "capacity": c.capacity_sat, "split": c.split} for c in base.channels],
        "policy": {"base_fee_msat": 1000, "fee_rate_ppm": 0, "time_lock_delta": 80},
        "traffic": traffic,
    })
    simulation = Simulation(
        Sim(scenario, mission_control=True), SimulationConfig(payments=payments, seed=seed, rebalance_every=every)
    )
    simulation.run()
    return simulation.stats.summary().success_rate or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--payments", type=int, default=2_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--every", type=int, default=20)
    args = parser.parse_args()
    print(f"{'workload':40s} {'none':>16s} {'baseline every ' + str(args.every):>22s}")
    for name, traffic in WORKLOADS.items():
        cells = []
        for every in (0, args.every):
            rates = [success(traffic, args.payments, seed, every) for seed in range(1, args.seeds + 1)]
            cells.append(f"{statistics.mean(rates):6.1%} ± {statistics.stdev(rates):4.1%}")
        print(f"{name:40s} {cells[0]:>16s} {cells[1]:>22s}")


if __name__ == "__main__":
    main()
