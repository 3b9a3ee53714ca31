"""One seeded episode of one agent, step by step, kept even when the network fails under it.

A live network can lose a node mid-episode. The episode is then *marked* — the
steps it played are kept with what went wrong — rather than lost or allowed to
end the run: the next episode resets the network (restarting dead nodes, or
rebuilding a network the env launched) and goes on. Summaries leave marked
episodes out of the intervals and say how many there were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lngym.envs.lightning_env import LightningEnv
from lngym.errors import LngymError
from lngym.evaluation.agents import Agent

#: The fee kinds an env step reports, in table order.
FEE_KINDS = ("rebalance_fee_sat", "swap_server_fee_sat", "swap_miner_fee_sat", "swap_routing_fee_sat")


@dataclass(frozen=True)
class StepRow:
    """What one step of one episode did: a row of the per-step CSV."""

    policy: str
    episode: int
    seed: int
    step: int
    payments: int
    successes: int
    success_rate: float
    reward: float
    volume_sat: int
    fees: dict[str, float]
    actions: int
    skipped: int
    failures: dict[str, int]
    nodes_down: tuple[str, ...]
    balances: tuple[float, ...]

    @property
    def fee_sat(self) -> float:
        return sum(self.fees.values())


@dataclass
class EpisodeResult:
    """Every step of one episode, and why it is marked if the network failed during it."""

    policy: str
    episode: int
    seed: int
    steps: list[StepRow] = field(default_factory=list)
    problem: str | None = None

    @property
    def complete(self) -> bool:
        return self.problem is None

    @property
    def payments(self) -> int:
        return sum(s.payments for s in self.steps)

    @property
    def success(self) -> float:
        """Share of the episode's payments that succeeded (not the mean of step rates: steps may differ in size)."""
        return sum(s.successes for s in self.steps) / max(self.payments, 1)

    @property
    def volume_sat(self) -> int:
        return sum(s.volume_sat for s in self.steps)

    def fee(self, kind: str) -> float:
        return sum(s.fees[kind] for s in self.steps)

    @property
    def actions(self) -> int:
        return sum(s.actions for s in self.steps)

    @property
    def failures(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for s in self.steps:
            total.update(s.failures)
        return total


def play_episode(env: LightningEnv, agent: Agent, episode: int, seed: int,
                 on_step: Callable[[StepRow], None] | None = None) -> EpisodeResult:
    """Reset ``env`` with ``seed`` and let ``agent`` act until the episode is truncated."""
    result = EpisodeResult(agent.name, episode, seed)
    agent.begin()
    try:
        observation, _ = env.reset(seed=seed)
        truncated = False
        while not truncated:
            decisions = agent.act(env, observation)
            observation, reward, _, truncated, info = env.step_with(decisions)
            result.steps.append(_row(agent.name, episode, seed, len(decisions), float(reward), info))
            if on_step is not None:
                on_step(result.steps[-1])
            if info["nodes_down"] and result.problem is None:
                result.problem = f"nodes down at step {info['step']}: {', '.join(info['nodes_down'])}"
    except LngymError as exc:
        result.problem = f"stopped at step {len(result.steps)}: {exc}"
    return result


def _row(policy: str, episode: int, seed: int, decided: int, reward: float, info: dict[str, Any]) -> StepRow:
    return StepRow(
        policy=policy, episode=episode, seed=seed, step=info["step"], payments=info["payments"],
        successes=info["successes"], success_rate=info["success_rate"], reward=reward,
        volume_sat=info["volume_sat"], fees={kind: float(info[kind]) for kind in FEE_KINDS},
        actions=decided - len(info["skipped"]), skipped=len(info["skipped"]),
        failures=dict(info["failure_reasons"]), nodes_down=tuple(info["nodes_down"]),
        balances=tuple(info["balances"]),
    )
