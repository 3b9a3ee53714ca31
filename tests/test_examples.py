"""The training example runs end to end on the twin (briefly) and compares three policies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.train  # the example trains PPO with stable-baselines3
def test_train_ppo_example_trains_saves_and_evaluates(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_ppo.py"), "--timesteps", "256", "--episodes", "1",
         "--steps", "5", "--save", str(tmp_path / "model")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.zip").is_file()
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    for policy in ("PPO", "no-op", "baseline"):
        assert policy in rows
        assert rows[policy][-1].endswith("%")
