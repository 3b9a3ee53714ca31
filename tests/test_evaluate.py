"""``lngym evaluate`` on the twin: the same seeded episodes for every policy, a table, a CSV and plots."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from lngym.cli.main import main
from lngym.errors import SettingError
from lngym.evaluation import EvaluationConfig, evaluate, mean_interval
from lngym.evaluation.episodes import EpisodeResult, StepRow
from lngym.evaluation.figures import success_figure
from lngym.evaluation.summary import summarize
from lngym.report.reading import load

POLICIES = ["none", "circular", "autoloop"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One small CLI run on the relay scenario, shared by the checks below."""
    out = tmp_path_factory.mktemp("evaluate")
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["evaluate", "--scenario", "relay", "--policy", *POLICIES, "--episodes", "3", "--steps", "6",
                     "--seed", "5", "--out", str(out)])
    assert code == 0
    return out, printed.getvalue()


def test_steps_csv_has_a_row_per_policy_episode_and_step(run: tuple[Path, str]) -> None:
    out, _ = run
    with open(out / "steps.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(POLICIES) * 3 * 6
    keys = {(r["policy"], r["episode"], r["step"]) for r in rows}
    assert keys == {(p, str(e), str(s)) for p in POLICIES for e in range(3) for s in range(1, 7)}
    assert {r["seed"] for r in rows if r["episode"] == "1"} == {"6"}  # seed + episode, the same for every policy
    balances = [k for k in rows[0] if k.startswith("balance_")]
    assert len(balances) == 10 and "balance_relay-alice" in balances
    # lngym report reads it as a per-step log
    report = load(out / "steps.csv")
    assert report.kind == "steps" and report.rows == len(rows)


def test_every_policy_meets_the_same_payments(run: tuple[Path, str]) -> None:
    out, _ = run
    with open(out / "steps.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    volume = {(r["policy"], r["episode"], r["step"]): r["volume_sat"] for r in rows}
    for episode in range(3):
        for step in range(1, 7):
            assert len({volume[(p, str(episode), str(step))] for p in POLICIES}) == 1


def test_summary_has_ci_columns_and_the_paired_difference(run: tuple[Path, str]) -> None:
    out, printed = run
    with open(out / "summary.csv", newline="") as handle:
        rows = {r["policy"]: r for r in csv.DictReader(handle)}
    assert list(rows) == POLICIES
    assert rows["none"]["diff_pct"] == ""  # the reference has no difference to itself
    for policy in POLICIES:
        assert rows[policy]["episodes"] == "3" and float(rows[policy]["success_ci95"]) >= 0
    with open(out / "steps.csv", newline="") as handle:
        steps = list(csv.DictReader(handle))
    for policy in POLICIES:  # success = all successes / all payments of each episode, averaged over episodes
        per_episode = []
        for episode in range(3):
            mine = [r for r in steps if r["policy"] == policy and r["episode"] == str(episode)]
            per_episode.append(sum(int(r["successes"]) for r in mine) / sum(int(r["payments"]) for r in mine))
        expected = mean_interval(per_episode).scaled(100)
        assert float(rows[policy]["success_pct"]) == pytest.approx(expected.mean, abs=1e-3)
        assert float(rows[policy]["success_ci95"]) == pytest.approx(expected.half_width, abs=1e-3)
    assert float(rows["circular"]["rebalance_fee_sat"]) > 0 and float(rows["none"]["total_fee_sat"]) == 0
    assert "success %" in printed and "Δ vs none" in printed
    markdown = (out / "summary.md").read_text()
    assert markdown.count("\n| ") == len(POLICIES) + 1  # header + one row per policy


def test_plots_are_written_with_one_line_per_policy(run: tuple[Path, str]) -> None:
    out, _ = run
    for name in ("success.png", "balances.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    results = {p: [_episode(p, 0, [1.0, 0.5]), _episode(p, 1, [0.5, 0.5])] for p in POLICIES}
    axes = success_figure(results, "t").axes[0]
    assert [line.get_label().split(" ")[0] for line in axes.get_lines()] == POLICIES


def _episode(policy: str, episode: int, rates: list[float], problem: str | None = None) -> EpisodeResult:
    steps = [StepRow(policy, episode, episode, i + 1, 10, round(10 * r), r, r, 1000,
                     {"rebalance_fee_sat": 1.0, "swap_server_fee_sat": 0.0, "swap_miner_fee_sat": 0.0,
                      "swap_routing_fee_sat": 0.0}, 1, 0, {}, (), (0.5,)) for i, r in enumerate(rates)]
    return EpisodeResult(policy, episode, episode, steps, problem)


def test_marked_episodes_stay_out_of_the_intervals_and_the_pairs() -> None:
    results = {
        "none": [_episode("none", 0, [0.5]), _episode("none", 1, [0.5]), _episode("none", 2, [0.1], "node died")],
        "other": [_episode("other", 0, [0.7]), _episode("other", 1, [0.9]), _episode("other", 2, [1.0])],
    }
    none, other = summarize(results)
    assert (none.episodes, none.marked) == (2, 1)
    assert none.success.mean == pytest.approx(50.0)
    assert other.success.n == 3
    assert other.difference is not None and other.difference.n == 2  # seed 2 has no complete partner
    assert other.difference.mean == pytest.approx(30.0)


def test_interval_matches_the_t_distribution() -> None:
    interval = mean_interval([1.0, 2.0, 3.0])
    assert interval.mean == 2.0 and interval.half_width == pytest.approx(2.4841, abs=1e-4)
    assert mean_interval([4.0]).half_width == 0.0 and math.isnan(mean_interval([]).mean)


@pytest.mark.parametrize(("policies", "message"), [
    (["none", "none"], "given twice"),
    (["none", "fancy"], "unknown policy 'fancy'"),
    (["none", "missing/model.zip"], "no such model file"),
])
def test_bad_policies_are_refused_before_any_episode(policies: list[str], message: str) -> None:
    with pytest.raises(SettingError, match=message):
        evaluate(EvaluationConfig("relay", policies, episodes=1, steps=1))


def test_cli_refuses_bad_values_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["evaluate", "--policy", "none", "nope", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown policy 'nope'" in err
    assert not any(tmp_path.iterdir())  # nothing written
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--episodes", "0"])
    assert exit_info.value.code == 2
