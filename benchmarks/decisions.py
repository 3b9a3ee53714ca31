"""Do liquidity decisions matter? Every baseline and a lookahead oracle on the same seeded episodes.

Run: .venv/bin/python benchmarks/decisions.py [--episodes 20] [--seed 0] [--steps N] [--scenarios relay merchants]
     [--horizon 12] [--no-oracle]

Per scenario, every policy plays the same episodes (seeds S..S+E-1) of the twin
env (``LightningSim-v0`` settings from the scenario's [env] table) through
``LightningEnv.step_with``, so rebalances and swaps are carried out by the one
``Executor`` and every fee is counted the same way. Reported per policy:
success rate mean ± 95 % t-interval over episodes (``lngym.evaluation``), fees by kind summed per
episode (mean), volume per episode (mean), and the paired difference of
success to ``none`` on the same seeds with its 95 % t-interval. The oracle
(``lngym.policies.LookaheadOracle``) rolls out the heuristic that did best on
the scenario's episodes, under that heuristic's fee budget, looking ``horizon``
steps ahead.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lngym.envs.lightning_env import LightningEnv
from lngym.evaluation import BaselineAgent, EpisodeResult, play_episode, summarize
from lngym.evaluation.agents import Agent
from lngym.evaluation.tables import markdown_table
from lngym.network.sim.network import Sim
from lngym.policies import BASELINES, Executor, LookaheadOracle, make_policy
from lngym.policies.decisions import Decision, PolicyState
from lngym.scenario import load_scenario

SCENARIOS = ("relay", "merchants")


def make_env(scenario: str, steps: int | None, backend: str = "sim") -> LightningEnv:
    """The env of ``scenario`` (its [env] settings) on ``backend``, optionally with fewer steps.

    ``native`` launches the scenario's own live network (real lnd and btcd) in a
    temporary home, stopped when the env closes.
    """
    overrides: dict[str, object] = {"backend": backend}
    if steps is not None:
        overrides["max_episode_steps"] = steps
    return LightningEnv(load_scenario(scenario), **overrides)


@dataclass
class OracleAgent:
    """The lookahead oracle over this env's allowed actions, rolling out the ``base`` heuristic."""

    name: str
    base: str
    horizon: int
    oracle: LookaheadOracle | None = None

    def begin(self) -> None:
        self.oracle = None  # built on the first step, once the episode's network exists

    def act(self, env: LightningEnv, observation: Any) -> list[Decision]:
        if self.oracle is None:
            self.oracle = oracle_for(env, self.horizon, self.base)
        return self.oracle.decide(env.state())


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


def play_all(env: LightningEnv, agent: Agent, episodes: int, seed: int = 0) -> list[EpisodeResult]:
    """``agent`` on seeds seed..seed+episodes-1, timed."""
    started = time.perf_counter()
    results = [play_episode(env, agent, episode, seed + episode) for episode in range(episodes)]
    print(f"# {env.scenario.name} {agent.name}: {time.perf_counter() - started:.1f} s", flush=True)
    return results


def table(scenario: str, results: dict[str, list[EpisodeResult]]) -> list[str]:
    """Markdown: the evaluation table, then the two goals (best − none ≥ 10, oracle − best ≥ 5)."""
    summaries = {row.policy: row for row in summarize(results)}
    heuristics = [name for name in results if name != "none" and not name.startswith("oracle")]
    best = max(heuristics, key=lambda name: summaries[name].success.mean)
    difference = summaries[best].difference
    assert difference is not None
    lines = [f"### {scenario}", "", *markdown_table(list(summaries.values())), "",
             (f"Best heuristic: {best}, {difference.mean:+.1f} ± {difference.half_width:.1f} points over none "
             "(goal ≥ 10).")]
    for name in results:
        if name.startswith("oracle"):
            gap = summarize({best: results[best], name: results[name]})[1].difference
            assert gap is not None
            lines.append(f"{name} − {best}: {gap.mean:+.1f} ± {gap.half_width:.1f} points, paired (goal ≥ 5).")
    return lines


def run(scenarios: Sequence[str], episodes: int, steps: int | None, horizon: int = 12, oracle: bool = True,
        backend: str = "sim", seed: int = 0) -> list[str]:
    """Every scenario's table, as markdown lines."""
    out: list[str] = []
    for scenario in scenarios:
        env = make_env(scenario, steps, backend)
        results = {name: play_all(env, BaselineAgent.named(name), episodes, seed) for name in BASELINES}
        if oracle:
            base = max(BASELINES[1:], key=lambda name: statistics.fmean(e.success for e in results[name]))
            agent = OracleAgent(f"oracle (rollout of {base})", base, horizon)
            results[agent.name] = play_all(env, agent, episodes, seed)
        env.close()
        out += [*table(scenario, results), ""]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0, help="episode i resets with seed SEED+i (default 0)")
    parser.add_argument("--steps", type=int, default=None, help="episode length (default: the scenario's)")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--horizon", type=int, default=12, help="oracle lookahead in steps")
    parser.add_argument("--no-oracle", action="store_true")
    parser.add_argument("--backend", choices=("sim", "native"), default="sim",
                        help="native: live LND (the oracle needs the twin: use with --no-oracle)")
    args = parser.parse_args()
    if args.backend != "sim" and not args.no_oracle:
        parser.error("the oracle forks the twin; on live LND run with --no-oracle")
    print("\n".join(run(args.scenarios, args.episodes, args.steps, args.horizon, not args.no_oracle, args.backend,
                         args.seed)))


if __name__ == "__main__":
    main()
