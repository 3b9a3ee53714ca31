"""Who acts in an episode: a baseline policy by name, or a trained model from its zip.

Every agent turns the env's current observation into decisions that the env's
one ``Executor`` carries out (``LightningEnv.step_with``), so a baseline and a
learned model pay the same fees for the same decision. A baseline is made
afresh for each episode: its fee budget and memory must not leak between
episodes, or the second episode would not be the same experiment as the first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.policies import BASELINES, make_policy
from lngym.policies.decisions import Decision, Policy


class Agent(Protocol):
    """Anything that plays episodes of a ``LightningEnv``."""

    name: str

    def begin(self) -> None:
        """Forget everything of the previous episode."""
        ...

    def act(self, env: LightningEnv, observation: Any) -> list[Decision]:
        """The decisions for this step."""
        ...


@dataclass
class BaselineAgent:
    """A ``lngym.policies`` baseline, deciding from the env's full state (``env.state()``)."""

    name: str
    make: Callable[[], Policy] = field(repr=False)
    policy: Policy | None = field(default=None, repr=False)

    @classmethod
    def named(cls, name: str) -> BaselineAgent:
        make_policy(name)  # an unknown name fails here, before any episode runs
        return cls(name, lambda: make_policy(name))

    def begin(self) -> None:
        self.policy = self.make()

    def act(self, env: LightningEnv, observation: Any) -> list[Decision]:
        assert self.policy is not None, "begin() starts every episode"
        return self.policy.decide(env.state())


@dataclass
class TrainedAgent:
    """A trained model acting greedily on the observation, its action mapped to decisions by the env."""

    name: str
    policy: Any  # lngym.training.TrainedPolicy: .act(observation, env) -> action

    def begin(self) -> None:
        """A feed-forward policy keeps no memory between steps."""

    def act(self, env: LightningEnv, observation: Any) -> list[Decision]:
        return env.decisions(self.policy.act(observation, env))


def is_model_path(spec: str) -> bool:
    """True for a policy given as a saved model (a ``.zip`` path) rather than a baseline name; by name
    only, so a file in the working directory called ``none`` never shadows the baseline."""
    return spec.endswith(".zip")


def training_module() -> Any:
    """``lngym.training``, or a one-line error saying how to get it (it needs torch)."""
    try:
        return importlib.import_module("lngym.training")
    except ImportError as exc:
        raise SettingError(f"evaluating a trained model needs the train extra ({exc.name} is missing): "
                           "pip install 'lngym[train]'") from None


def model_settings(specs: list[str]) -> dict[str, Any]:
    """The env settings the given models were trained with; models that disagree are refused."""
    settings: dict[str, Any] = {}
    source = ""
    for spec in filter(is_model_path, specs):
        if not Path(spec).is_file():
            raise SettingError(f"policy {spec}: no such model file")
        training = training_module()
        these = training.env_settings(training.read_model_info(spec))
        if settings and these != settings:
            differing = sorted(k for k in set(settings) | set(these) if settings.get(k) != these.get(k))
            raise SettingError(f"models {source} and {spec} were trained with different env settings "
                               f"({', '.join(differing)}); evaluate them in separate runs")
        settings, source = these, spec
    return settings


def make_agents(specs: list[str], env: LightningEnv) -> list[Agent]:
    """One agent per spec, in order; a model that does not fit ``env`` is refused before any episode.

    Call ``model_settings(specs)`` first (``build_env`` does): it checks that model files exist.
    """
    agents: list[Agent] = []
    for spec in specs:
        if is_model_path(spec):
            policy = training_module().load_policy(spec, env)
            agents.append(TrainedAgent(policy.name, policy))
        elif spec in BASELINES:
            agents.append(BaselineAgent.named(spec))
        else:
            raise SettingError(f"unknown policy {spec!r}: expected one of {', '.join(BASELINES)} or a model .zip")
    names = [agent.name for agent in agents]
    duplicate = next((name for name in names if names.count(name) > 1), None)
    if duplicate is not None:
        raise SettingError(f"policy {duplicate!r} is given twice; each policy runs once on every episode")
    return agents
