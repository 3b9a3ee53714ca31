"""The evaluation run: one env, every policy, the same seeded episodes, and the files it leaves.

Episodes run seed-major — each seed is played by every policy before the next
seed starts — so on live LND a slow drift of the machine or a node that dies
late hits every policy alike, and a run stopped early still holds complete
pairs. Every episode starts from ``env.reset(seed=...)``: channels back at
their initial split and the workload restarted from the seed, so all policies
face the very same payments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.evaluation.agents import Agent, make_agents, model_settings
from lngym.evaluation.episodes import EpisodeResult, StepRow, play_episode
from lngym.evaluation.files import StepsLog, channel_labels, write_summary_files
from lngym.evaluation.summary import PolicySummary, summarize
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
             on_episode: Callable[[EpisodeResult], None] | None = None,
             on_start: Callable[[LightningEnv], None] | None = None) -> Evaluation:
    """Play every seed with every policy; write the files when ``config.out`` is given.

    ``on_start`` sees the env once its network runs (e.g. to learn the episode
    length a progress bar needs, which models and ``steps`` decide).

    ``steps.csv`` grows by an episode as each one ends, so a run that is stopped
    or crashes keeps every episode it finished; the summary and plots follow at the end.
    """
    env = build_env(config)
    steps_log: StepsLog | None = None
    try:
        agents: list[Agent] = make_agents(config.policies, env)
        # Launch (or attach to) the network before any episode: a network that cannot
        # start is the run's error, not a marked episode of the first policy.
        env.reset(seed=config.seed)
        if on_start is not None:
            on_start(env)
        if config.out is not None:
            steps_log = StepsLog(Path(config.out), channel_labels(env.scenario))
        results: dict[str, list[EpisodeResult]] = {agent.name: [] for agent in agents}
        for episode, seed in enumerate(config.seeds):
            for agent in agents:
                result = play_episode(env, agent, episode, seed, on_step)
                results[agent.name].append(result)
                if steps_log is not None:
                    steps_log.write(result)
                if on_episode is not None:
                    on_episode(result)
    finally:
        env.close()
        if steps_log is not None:
            steps_log.close()
    evaluation = Evaluation(env.scenario, BACKEND_ALIASES[config.backend], results, summarize(results))
    if steps_log is not None:
        evaluation.files = write_summary_files(evaluation, steps_log.path.parent)
    return evaluation


