"""``lngym demo``, the README's main job, end to end with a tiny budget: train on the twin, compare on live LND."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lngym.cli.main import main
from lngym.network.native.process import pids_using
from lngym.policies import BASELINES

pytestmark = [pytest.mark.live, pytest.mark.train]


def test_demo_trains_then_compares_the_model_with_every_baseline_on_the_twin_and_live_lnd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code = main(["--home", str(tmp_path / "home"), "demo", "--scenario", "merchants", "--timesteps", "128",
                 "--twin-episodes", "2", "--episodes", "1", "--steps", "2", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert (out / "model" / "best_model.zip").is_file()  # the demo evaluates the best of its evaluations
    for backend, episodes in (("twin", 2), ("live", 1)):
        with open(out / backend / "summary.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [r["policy"] for r in rows] == [*BASELINES, "model"]
        assert all(int(r["episodes"]) == episodes for r in rows), rows
        assert (out / backend / "success.png").is_file() and (out / backend / "steps.csv").is_file()
    assert "on live LND" in printed and "demo done" in printed
    assert pids_using(tmp_path / "home") == []  # the network launched for the demo was stopped
