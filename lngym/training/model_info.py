"""What a saved model was trained on: an ``lngym.json`` member inside the SB3 zip.

A model only makes sense in an env with the same scenario and the same spaces,
so every zip ``lngym train`` writes carries the scenario's fingerprint and the
env settings; ``load_policy`` checks them before the model acts. SB3's loader
reads only the members it knows, so the extra member does not disturb it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lngym import __version__
from lngym.errors import SettingError
from lngym.scenario import Scenario

#: The member of the model zip holding the training record.
MEMBER = "lngym.json"

#: Env settings that are not part of the experiment: where it runs and what it logs.
NOT_RECORDED = ("backend", "home", "csv")

#: Settings that shape the observation and action spaces: a model fits no env that differs in one.
SPACE_KEYS = ("action_type", "fractions", "swap_fractions", "observation_type")


@dataclass(frozen=True)
class ModelInfo:
    """The training record of a model zip."""

    algo: str
    scenario_name: str
    scenario_fingerprint: str
    env_config: dict[str, Any]
    timesteps: int
    seed: int
    lngym_version: str = __version__
    #: The model this one continued from (``--finetune-live``), if any.
    finetuned_from: str | None = None


def scenario_fingerprint(scenario: Scenario) -> str:
    """sha256 of what makes two scenarios the same network: nodes, channels, policies, swap, wallets."""
    content = {
        "nodes": list(scenario.nodes),
        "channels": [dataclasses.asdict(spec) for spec in scenario.channels],
        "policy": dataclasses.asdict(scenario.policy),
        "node_policies": {name: dataclasses.asdict(p) for name, p in sorted(scenario.node_policies.items())},
        "swap": dataclasses.asdict(scenario.swap) if scenario.swap is not None else None,
        "wallets": dict(sorted(scenario.wallets.items())),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def recorded_config(config: dict[str, Any]) -> dict[str, Any]:
    """The env config without the settings that say where it runs rather than what it is."""
    return {key: value for key, value in config.items() if key not in NOT_RECORDED}


def write_model_info(path: Path, info: ModelInfo) -> None:
    """Append the training record to a zip SB3 has just saved."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(MEMBER, json.dumps(dataclasses.asdict(info), indent=2, sort_keys=True))


def read_model_info(path: str | Path) -> ModelInfo:
    """The training record of a model zip; a file that is not an lngym model is refused in one line."""
    path = Path(path)
    if not path.is_file():
        raise SettingError(f"model {path}: no such file")
    if not zipfile.is_zipfile(path):
        raise SettingError(f"model {path}: not a model zip")
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MEMBER)
    except KeyError:
        raise SettingError(f"model {path}: not an lngym model (no {MEMBER} inside; train it with `lngym train`)") from None
    try:
        data = json.loads(raw)
        known = {f.name for f in dataclasses.fields(ModelInfo)}
        return ModelInfo(**{key: value for key, value in data.items() if key in known})
    except (ValueError, TypeError) as exc:
        raise SettingError(f"model {path}: unreadable {MEMBER}: {exc}") from None


def env_settings(info: ModelInfo) -> dict[str, Any]:
    """Env keyword arguments that build an env this model fits (its scenario is ``info.scenario_name``)."""
    return dict(info.env_config)
