"""A saved model acting in an env: checked against the env first, then greedy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.training.algos import algo_class
from lngym.training.model_info import (
    SPACE_KEYS,
    ModelInfo,
    read_model_info,
    scenario_fingerprint,
)


@dataclass
class TrainedPolicy:
    """A trained SB3 model that picks one action per observation, deterministically."""

    name: str
    info: ModelInfo
    model: Any

    def act(self, observation: Any, env: LightningEnv) -> Any:
        """The model's greedy action; a maskable model only picks actions ``env`` can carry out now."""
        if self.info.algo == "maskable-ppo":
            action, _ = self.model.predict(observation, deterministic=True, action_masks=env.action_masks())
        else:
            action, _ = self.model.predict(observation, deterministic=True)
        return int(action) if env.config["action_type"] == "discrete" else action


def policy_name(path: Path) -> str:
    """A short column label: the model's directory, plus the file's stem unless it is the best model."""
    folder = path.resolve().parent.name or path.stem
    return folder if path.stem == "best_model" else f"{folder}/{path.stem}"


def check_fits(path: Path, info: ModelInfo, env: LightningEnv) -> None:
    """Refuse a model trained on another scenario or with other spaces than ``env``'s, in one line."""
    scenario = env.scenario
    if info.scenario_name != scenario.name:
        raise SettingError(f"model {path} was trained on scenario {info.scenario_name!r}; "
                           f"this env runs {scenario.name!r}")
    if info.scenario_fingerprint != scenario_fingerprint(scenario):
        raise SettingError(f"model {path} was trained on another version of scenario {scenario.name!r} "
                           "(its nodes, channels, policies, swap or wallets differ)")
    for key in SPACE_KEYS:
        if info.env_config.get(key) != env.config[key]:
            raise SettingError(f"model {path} was trained with {key}={info.env_config.get(key)!r}; "
                               f"this env has {key}={env.config[key]!r}")


def load_policy(path: str | Path, env: LightningEnv) -> TrainedPolicy:
    """Load a model zip for ``env`` (an unwrapped LightningEnv), refusing one that does not fit it."""
    path = Path(path)
    info = read_model_info(path)
    check_fits(path, info, env)
    model = algo_class(info.algo).load(path, device="cpu")
    for label, theirs, ours in (("observation", model.observation_space, env.observation_space),
                                ("action", model.action_space, env.action_space)):
        if theirs != ours:
            raise SettingError(f"model {path} has {label} space {theirs}; this env has {ours}")
    return TrainedPolicy(policy_name(path), info, model)
