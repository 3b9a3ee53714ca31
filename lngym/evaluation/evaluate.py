"""The evaluation run: one env, every policy, the same seeded episodes, and the files it leaves.

Episodes run seed-major — each seed is played by every policy before the next
seed starts — so on live LND a slow drift of the machine or a node that dies
late hits every policy alike, and a run stopped early still holds complete
pairs. Every episode starts from ``env.reset(seed=...)``: channels back at
their initial split and the workload restarted from the seed, so all policies
face the very same payments.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.evaluation.agents import Agent, make_agents, model_settings
from lngym.evaluation.episodes import FEE_KINDS, EpisodeResult, StepRow, play_episode
from lngym.evaluation.figures import balances_figure, success_figure
from lngym.evaluation.summary import PolicySummary, summarize
from lngym.evaluation.tables import markdown_table, write_summary_csv
from lngym.scenario import Scenario, load_scenario

#: ``--backend`` names: ``live`` is the embedded live network (the native backend).
BACKEND_ALIASES = {"sim": "sim", "live": "native", "native": "native"}


@dataclass
class EvaluationConfig:
    """What to evaluate and how; ``policies[0]`` is the reference of the paired differences."""

    scenario: str | Scenario
    policies: list[str]
    backend: str = "sim"
    episodes: int = 10
    seed: int = 0
    steps: int | None = None
    home: str | None = None
    out: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.backend not in BACKEND_ALIASES:
            raise SettingError(f"backend {self.backend!r}: expected one of {', '.join(BACKEND_ALIASES)}")
        if not self.policies:
            raise SettingError("no policy to evaluate")
        if self.episodes < 1:
            raise SettingError(f"episodes must be 1 or more, got {self.episodes}")
        if self.steps is not None and self.steps < 1:
            raise SettingError(f"steps must be 1 or more, got {self.steps}")

    @property
    def seeds(self) -> list[int]:
        """Episode i's reset seed: the same for every policy."""
        return [self.seed + i for i in range(self.episodes)]


@dataclass
class Evaluation:
    """Everything a run produced."""

    scenario: Scenario
    backend: str
    results: dict[str, list[EpisodeResult]]
    summaries: list[PolicySummary]
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def title(self) -> str:
        episodes = max((len(e) for e in self.results.values()), default=0)
        where = "live LND" if self.backend == "native" else "the twin"
        return f"{self.scenario.name} on {where}, {episodes} seeded episodes"


def build_env(config: EvaluationConfig) -> LightningEnv:
    """The one env every policy plays: trained models' settings, then the step override."""
    scenario = config.scenario if isinstance(config.scenario, Scenario) else load_scenario(config.scenario)
    settings = {**model_settings(config.policies), **config.settings}
    if config.steps is not None:
        settings["max_episode_steps"] = config.steps
    settings.pop("backend", None)
    settings.pop("home", None)
    settings.pop("csv", None)
    return LightningEnv(scenario, backend=BACKEND_ALIASES[config.backend], home=config.home, **settings)


def evaluate(config: EvaluationConfig, on_step: Callable[[StepRow], None] | None = None,
             on_episode: Callable[[EpisodeResult], None] | None = None) -> Evaluation:
    """Play every seed with every policy; write the files when ``config.out`` is given."""
    env = build_env(config)
    try:
        agents: list[Agent] = make_agents(config.policies, env)
        results: dict[str, list[EpisodeResult]] = {agent.name: [] for agent in agents}
        for episode, seed in enumerate(config.seeds):
            for agent in agents:
                result = play_episode(env, agent, episode, seed, on_step)
                results[agent.name].append(result)
                if on_episode is not None:
                    on_episode(result)
    finally:
        env.close()
    evaluation = Evaluation(env.scenario, BACKEND_ALIASES[config.backend], results, summarize(results))
    if config.out is not None:
        evaluation.files = write_files(evaluation, Path(config.out))
    return evaluation


def channel_labels(scenario: Scenario) -> list[str]:
    """``a-b`` per channel in scenario order (``#i`` appended where a pair has several channels)."""
    labels = [f"{c.a}-{c.b}" for c in scenario.channels]
    return [label if labels.count(label) == 1 else f"{label}#{i}" for i, label in enumerate(labels)]


def write_files(evaluation: Evaluation, out: Path) -> dict[str, Path]:
    """steps.csv, summary.csv, summary.md, success.png and balances.png under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / name for name in ("steps.csv", "summary.csv", "summary.md", "success.png", "balances.png")}
    labels = channel_labels(evaluation.scenario)
    write_steps_csv(evaluation.results, labels, files["steps.csv"])
    write_summary_csv(evaluation.summaries, files["summary.csv"])
    files["summary.md"].write_text("\n".join([f"## {evaluation.title}", "", *markdown_table(evaluation.summaries),
                                              *_marked_lines(evaluation.results), ""]), encoding="utf-8")
    success_figure(evaluation.results, evaluation.title).savefig(files["success.png"])
    balances_figure(evaluation.results, labels, 0, f"{evaluation.scenario.name}: balances in episode 0 (seed "
                    f"{_first_seed(evaluation.results)})").savefig(files["balances.png"])
    return files


def write_steps_csv(results: dict[str, list[EpisodeResult]], labels: list[str], path: Path) -> None:
    """One row per policy, episode and step; ``lngym report`` reads it (``step``, ``success_rate``, balances)."""
    columns = ["policy", "episode", "seed", "step", "payments", "successes", "success_rate", "reward", "volume_sat",
               *FEE_KINDS, "fee_sat", "actions", "skipped", "failures", "nodes_down",
               *(f"balance_{label}" for label in labels)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for episodes in results.values():
            for episode in episodes:
                for s in episode.steps:
                    writer.writerow([
                        s.policy, s.episode, s.seed, s.step, s.payments, s.successes, f"{s.success_rate:.4f}",
                        f"{s.reward:.6f}", s.volume_sat, *(f"{s.fees[k]:.3f}" for k in FEE_KINDS),
                        f"{s.fee_sat:.3f}", s.actions, s.skipped,
                        ";".join(f"{reason}={count}" for reason, count in sorted(s.failures.items())),
                        ";".join(s.nodes_down), *(f"{b:.4f}" for b in s.balances),
                    ])


def _marked_lines(results: dict[str, list[EpisodeResult]]) -> list[str]:
    marked = [e for episodes in results.values() for e in episodes if not e.complete]
    if not marked:
        return []
    return ["", "Marked episodes (left out of the intervals):", "",
            *(f"- {e.policy}, episode {e.episode} (seed {e.seed}): {e.problem}" for e in marked)]


def _first_seed(results: dict[str, list[EpisodeResult]]) -> int:
    return next((episodes[0].seed for episodes in results.values() if episodes), 0)
