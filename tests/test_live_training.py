"""``lngym train --finetune-live``: a model trained on the twin continues on LightningTestnet-v0 (real LND)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lngym.cli.main import main
from lngym.envs.lightning_env import LightningEnv
from lngym.training import load_policy, read_model_info

pytestmark = [pytest.mark.live, pytest.mark.train]

SMALL = ["--set", "max_episode_steps=8", "--set", "payments_per_step=3"]


def test_a_twin_model_is_fine_tuned_on_live_lnd_and_keeps_its_record(tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    assert main(["train", "--scenario", "merchants", "--algo", "ppo", "--timesteps", "64", "--eval-every", "0",
                 "--out", str(twin), *SMALL]) == 0
    live = tmp_path / "live"
    # One PPO rollout (64 steps, the model's n_steps) on live LND, in a network launched for it and removed.
    assert main(["train", "--scenario", "merchants", "--algo", "ppo", "--timesteps", "32",
                 "--finetune-live", str(twin / "model.zip"), "--out", str(live)]) == 0
    info = read_model_info(live / "model.zip")
    assert info.finetuned_from == str(twin / "model.zip")
    assert info.timesteps > read_model_info(twin / "model.zip").timesteps  # counted on from the twin's
    assert info.env_config["max_episode_steps"] == 8 and info.env_config["payments_per_step"] == 3
    policy = load_policy(live / "model.zip", LightningEnv(scenario="merchants", max_episode_steps=8, payments_per_step=3))
    assert policy.info.finetuned_from == str(twin / "model.zip")
