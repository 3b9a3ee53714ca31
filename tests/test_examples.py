"""The training example runs end to end on the twin (briefly) and points to ``lngym evaluate``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lngym.training import read_model_info

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.train  # the example trains PPO with stable-baselines3
def test_train_ppo_example_trains_and_saves_a_model_with_its_record(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_ppo.py"), "--scenario", "relay", "--timesteps", "128",
         "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    info = read_model_info(tmp_path / "model.zip")  # 128 steps: no evaluation ran, the final model
    assert (info.algo, info.scenario_name, info.env_config["observation_type"]) == ("maskable-ppo", "relay", "chain")
    assert f"lngym evaluate --scenario relay --policy none circular autoloop combined {tmp_path / 'model.zip'}" \
        in result.stdout
