"""``lngym train`` end to end on the twin, the training record in its zips, and ``load_policy``'s checks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lngym.cli.main import main
from lngym.envs.lightning_env import LightningEnv
from lngym.errors import SettingError
from lngym.training import env_settings, load_policy, read_model_info, train
from lngym.training.model_info import MEMBER

pytestmark = pytest.mark.train

#: Short episodes and few payments: a few hundred steps take seconds.
SMALL = ["--set", "max_episode_steps=10", "--set", "payments_per_step=3"]


@pytest.fixture(scope="module")
def relay_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """maskable-ppo trained through the CLI on relay with the chain observation, evaluated twice."""
    out = tmp_path_factory.mktemp("relay")
    code = main(["train", "--scenario", "relay", "--algo", "maskable-ppo", "--timesteps", "200", "--out", str(out),
                 "--eval-every", "100", "--eval-episodes", "1", "--set", "observation_type=chain", *SMALL])
    assert code == 0
    return out


def test_cli_leaves_final_best_and_checkpoints_each_with_the_training_record(relay_model: Path) -> None:
    zips = [relay_model / "model.zip", relay_model / "best_model.zip", *(relay_model / "checkpoints").glob("*.zip")]
    assert len(zips) == 4  # final, best, checkpoints at 100 and 200 steps
    for path in zips:
        with zipfile.ZipFile(path) as archive:
            assert MEMBER in archive.namelist() and "policy.pth" in archive.namelist()
    info = read_model_info(relay_model / "best_model.zip")
    assert (info.algo, info.scenario_name, info.seed) == ("maskable-ppo", "relay", 0)
    assert info.timesteps in (100, 200) and len(info.scenario_fingerprint) == 64  # the step of its evaluation
    assert read_model_info(relay_model / "checkpoints" / "model_100_steps.zip").timesteps == 100
    assert read_model_info(relay_model / "model.zip").timesteps == 200
    assert info.env_config["observation_type"] == "chain" and info.env_config["max_episode_steps"] == 10
    assert "backend" not in env_settings(info) and "csv" not in env_settings(info)


def test_model_loads_into_an_env_of_its_scenario_and_acts_within_the_masks(relay_model: Path) -> None:
    path = relay_model / "best_model.zip"
    env = LightningEnv(scenario="relay", **{**env_settings(read_model_info(path)), "max_episode_steps": 5})
    policy = load_policy(path, env)
    assert policy.name == relay_model.name
    observation, _ = env.reset(seed=1000)
    for _ in range(5):
        action = policy.act(observation, env)
        assert env.action_space.contains(action) and env.action_masks()[action]
        observation, _, _, truncated, _ = env.step(action)
    assert truncated
    env.close()


def test_model_of_another_scenario_is_refused(relay_model: Path) -> None:
    env = LightningEnv(scenario="merchants", observation_type="chain")
    with pytest.raises(SettingError, match="trained on scenario 'relay'; this env runs 'merchants'"):
        load_policy(relay_model / "model.zip", env)


def test_model_with_another_observation_type_is_refused(relay_model: Path) -> None:
    env = LightningEnv(scenario="relay", observation_type="balances")
    with pytest.raises(SettingError, match="observation_type='chain'; this env has observation_type='balances'"):
        load_policy(relay_model / "model.zip", env)


def test_zip_without_training_record_and_non_zip_are_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("data", "{}")
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    with pytest.raises(SettingError, match="not an lngym model"):
        read_model_info(plain)
    with pytest.raises(SettingError, match="not a model zip"):
        load_policy(text, LightningEnv(scenario="relay"))


def test_cli_refuses_a_model_that_is_not_lngym_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("data", "{}")
    code = main(["train", "--scenario", "relay", "--algo", "ppo", "--finetune-live", str(plain),
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "not an lngym model" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("algo, action_type", [("ppo", "discrete"), ("dqn", "discrete"), ("sac", "continuous")])
def test_each_algo_trains_and_its_model_acts(tmp_path: Path, algo: str, action_type: str) -> None:
    path = train("relay", algo, 150, out=tmp_path, eval_every=0, settings={"max_episode_steps": 10,
                                                                            "payments_per_step": 3})
    assert path == tmp_path / "model.zip"  # no evaluation ran: the final model
    assert len(list((tmp_path / "checkpoints").glob("*.zip"))) == 10  # every tenth of the run
    info = read_model_info(path)
    assert info.algo == algo and info.env_config["action_type"] == action_type
    env = LightningEnv(scenario="relay", **env_settings(info))
    observation, _ = env.reset(seed=1000)
    action = load_policy(path, env).act(observation, env)
    assert env.action_space.contains(np.asarray(action, dtype=env.action_space.dtype) if action_type == "continuous"
                                     else action)
    env.close()


def test_importing_lngym_training_loads_neither_torch_nor_sb3() -> None:
    code = "import sys, lngym.training; print(sorted({'torch', 'stable_baselines3', 'sb3_contrib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
