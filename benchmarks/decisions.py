"""Do liquidity decisions matter? Every baseline and a lookahead oracle on the same seeded episodes.

Run: .venv/bin/python benchmarks/decisions.py [--episodes 20] [--steps N] [--scenarios relay merchants]
     [--horizon 12] [--no-oracle]

Per scenario, every policy plays the same episodes (seeds 0..E-1) of the twin
env (``LightningSim-v0`` settings from the scenario's [env] table) through
``LightningEnv.step_with``, so rebalances and swaps are carried out by the one
``Executor`` and every fee is counted the same way. Reported per policy:
success rate mean ± 95 % t-interval over episodes, fees by kind summed per
episode (mean), volume per episode (mean), and the paired difference of
success to ``none`` on the same seeds with its 95 % t-interval. The oracle
(``lngym.policies.LookaheadOracle``) rolls out the heuristic that did best on
the scenario's episodes, under that heuristic's fee budget, looking ``horizon``
steps ahead.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy import stats as scipy_stats

from lngym.envs.lightning_env import LightningEnv
from lngym.network.sim.network import Sim
from lngym.policies import BASELINES, Executor, LookaheadOracle, make_policy
from lngym.policies.decisions import Decision, PolicyState
from lngym.scenario import load_scenario

SCENARIOS = ("relay", "merchants")
FEE_KINDS = ("rebalance_fee_sat", "swap_server_fee_sat", "swap_miner_fee_sat", "swap_routing_fee_sat")


@dataclass
class Episode:
    """One episode's totals."""

    success: float
    volume_sat: int
    fees: dict[str, float] = field(default_factory=dict)


def make_env(scenario: str, steps: int | None, backend: str = "sim") -> LightningEnv:
    """The env of ``scenario`` (its [env] settings) on ``backend``, optionally with fewer steps.

    ``native`` launches the scenario's own live network (real lnd and btcd) in a
    temporary home, stopped when the env closes.
    """
    overrides: dict[str, object] = {"backend": backend}
    if steps is not None:
        overrides["max_episode_steps"] = steps
    return LightningEnv(load_scenario(scenario), **overrides)


def oracle_for(env: LightningEnv, horizon: int, base: str) -> LookaheadOracle:
    """The oracle over this env's allowed actions, rolling out the ``base`` heuristic."""
    config = env.config

    def candidates(state: PolicyState) -> list[list[Decision]]:
        allowed = env.action_masks()
        return [env.decisions(action) for action in range(1, len(allowed)) if allowed[action]]

    assert isinstance(env.network, Sim)
    return LookaheadOracle(
        env.network, env.peek, make_policy(base), candidates if config["action_type"] == "discrete" else None,
        horizon=horizon, blocks_per_step=config["blocks_per_step"],
        executor=lambda sim: Executor(sim, config["rebalance_max_fee_ppm"], config["rebalance_min_fee_sat"]),
    )


def play(env: LightningEnv, seed: int, policy: str, horizon: int, base: str = "combined") -> Episode:
    """One seeded episode of ``policy`` (a baseline name, or ``oracle`` rolling out ``base``)."""
    env.reset(seed=seed)
    chosen = oracle_for(env, horizon, base) if policy == "oracle" else make_policy(policy)
    ok = tried = volume = 0
    fees = dict.fromkeys(FEE_KINDS, 0.0)
    truncated = False
    while not truncated:
        _, _, _, truncated, info = env.step_with(chosen.decide(env.state()))
        ok += info["successes"]
        tried += info["payments"]
        volume += info["volume_sat"]
        for kind in FEE_KINDS:
            fees[kind] += info[kind]
    return Episode(ok / max(tried, 1), volume, fees)


def interval(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of the 95 % t-interval (0 for one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, 0.0
    sem = statistics.stdev(values) / math.sqrt(len(values))
    return mean, float(scipy_stats.t.ppf(0.975, len(values) - 1)) * sem


def table(scenario: str, results: dict[str, list[Episode]]) -> list[str]:
    """Markdown rows: success ± CI, fees by kind, volume, paired difference to none ± CI."""
    lines = [
        f"### {scenario}", "",
        ("| policy | success % (± 95 % CI) | Δ vs none, points (± 95 % CI) | rebalance fee | swap server fee "
         "| swap miner fee | swap routing fee | volume (sat) |"),
        "|---|---|---|---|---|---|---|---|",
    ]
    base = [e.success for e in results["none"]]
    for name, episodes in results.items():
        mean, half = interval([e.success for e in episodes])
        diff, diff_half = interval([100 * (e.success - b) for e, b in zip(episodes, base)])
        fee = {kind: statistics.fmean(e.fees[kind] for e in episodes) for kind in FEE_KINDS}
        volume = statistics.fmean(e.volume_sat for e in episodes)
        lines.append(
            f"| {name} | {100 * mean:.1f} ± {100 * half:.1f} | {diff:+.1f} ± {diff_half:.1f} | "
            f"{fee['rebalance_fee_sat']:,.0f} | {fee['swap_server_fee_sat']:,.0f} | {fee['swap_miner_fee_sat']:,.0f} | "
            f"{fee['swap_routing_fee_sat']:,.0f} | {volume:,.0f} |"
        )
    heuristics = [name for name in results if name != "none" and not name.startswith("oracle")]
    best = max(heuristics, key=lambda name: statistics.fmean(e.success for e in results[name]))
    best_diff, best_half = interval([100 * (e.success - b) for e, b in zip(results[best], base)])
    lines += ["", f"Best heuristic: {best}, {best_diff:+.1f} ± {best_half:.1f} points over none (goal ≥ 10)."]
    for name in results:
        if name.startswith("oracle"):
            diff, half = interval([100 * (o.success - h.success) for o, h in zip(results[name], results[best])])
            lines.append(f"{name} − {best}: {diff:+.1f} ± {half:.1f} points, paired (goal ≥ 5).")
    return lines


def run(scenarios: Sequence[str], episodes: int, steps: int | None, horizon: int = 12, oracle: bool = True,
        backend: str = "sim") -> list[str]:
    """Every scenario's table, as markdown lines."""
    out: list[str] = []
    for scenario in scenarios:
        env = make_env(scenario, steps, backend)
        results: dict[str, list[Episode]] = {}
        for name in BASELINES:
            started = time.perf_counter()
            results[name] = [play(env, seed, name, horizon) for seed in range(episodes)]
            print(f"# {scenario} {name}: {time.perf_counter() - started:.1f} s", flush=True)
        if oracle:
            base = max(BASELINES[1:], key=lambda name: statistics.fmean(e.success for e in results[name]))
            started = time.perf_counter()
            results[f"oracle (rollout of {base})"] = [play(env, seed, "oracle", horizon, base) for seed in range(episodes)]
            print(f"# {scenario} oracle over {base}: {time.perf_counter() - started:.1f} s", flush=True)
        env.close()
        out += [*table(scenario, results), ""]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--steps", type=int, default=None, help="episode length (default: the scenario's)")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--horizon", type=int, default=12, help="oracle lookahead in steps")
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--backend", choices=("sim", "native"), default="sim",
                        help="native: live LND (the oracle needs the twin: use with --no-oracle)")
    args = parser.parse_args()
    if args.backend != "sim" and not args.no_oracle:
        parser.error("the oracle forks the twin; on live LND run with --no-oracle")
    print("\n".join(run(args.scenarios, args.episodes, args.steps, args.horizon, not args.no_oracle, args.backend)))


if __name__ == "__main__":
    main()
