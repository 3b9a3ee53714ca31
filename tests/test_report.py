"""`lngym report`: the PNGs and index of a 1,000-payment simulate CSV (made on the twin, no LND),
balance trajectories from a per-step CSV, and bad CSVs refused with the line that is wrong."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from lngym.errors import CsvFormatError
from lngym.network.sim import Sim
from lngym.recorder import HEADER, CsvRecorder
from lngym.report import figures, load, write_report
from lngym.scenario import load_scenario
from lngym.simulation import Simulation, SimulationConfig


@pytest.fixture(scope="module")
def simulate_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `lngym simulate --payments 1000 --rebalance-every 100` writes, on the seed's twin."""
    path = tmp_path_factory.mktemp("report") / "lightning_simulation_data.csv"
    with Sim(load_scenario("seed")) as network, CsvRecorder(path) as recorder:
        Simulation(network, SimulationConfig(payments=1000, rebalance_every=100, seed=1), recorder=recorder).run()
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lngym.cli.main", "report", *args],
                          check=False, capture_output=True, text=True, timeout=300)


def test_report_of_a_simulate_csv_writes_the_plots_and_the_index(simulate_csv: Path, tmp_path: Path) -> None:
    result = run(str(simulate_csv), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["failure_reasons.png", "index.html", "success_rate.png", "volume_fees.png"]
    assert result.stdout.split() == [str(tmp_path / "out" / n) for n in
                                     ("success_rate.png", "volume_fees.png", "failure_reasons.png", "index.html")]
    for name in ("success_rate.png", "volume_fees.png", "failure_reasons.png"):
        assert Image.open(tmp_path / "out" / name).size == (960, 480)
    index = (tmp_path / "out" / "index.html").read_text()
    for name in ("success_rate.png", "volume_fees.png", "failure_reasons.png"):
        assert f'src="{name}"' in index
    assert "1,000, " in index and "succeeded" in index  # the payments row of the summary


def test_the_figures_say_what_they_plot(simulate_csv: Path) -> None:
    report = load(simulate_csv)
    rows = list(csv.DictReader(simulate_csv.open(newline="")))
    assert report.kind == "payments" and report.rows == len(rows) > 1000
    drawn = figures(report)
    assert list(drawn) == ["success_rate", "volume_fees", "failure_reasons"]
    rate = drawn["success_rate"].axes[0]
    assert (rate.get_xlabel(), rate.get_ylabel()) == ("time (UTC)", "success rate")
    lines = {line.get_label(): line for line in rate.get_lines()}
    assert {"last 50 payments", "since the start"} <= lines.keys()
    payments = [r for r in rows if r["kind"] == "payment"]
    overall = lines["since the start"].get_ydata()
    assert len(overall) == 1000 and overall[-1] == pytest.approx(sum(r["success"] == "true" for r in payments) / 1000)
    volume, fees = drawn["volume_fees"].axes
    assert (volume.get_ylabel(), fees.get_ylabel(), fees.get_xlabel()) == ("volume sent (sat)", "fees paid (sat)", "time (UTC)")
    sent = sum(int(r["amount_sat"]) for r in payments if r["success"] == "true")
    assert volume.get_lines()[0].get_ydata()[-1] == sent
    reasons = drawn["failure_reasons"].axes[0]
    assert reasons.get_xlabel() == "failed attempts"
    failed = [r for r in rows if r["success"] == "false"]
    assert sum(bar.get_width() for bar in reasons.patches) == len(failed) > 0


def test_balance_columns_become_one_line_per_channel(tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    channels = ["alice-bob", "bob-carol", "carol-dave"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["episode", "step", "success_rate", "reward", "volume_sat", "fee_sat",
                         *(f"balance_{c}" for c in channels)])
        for step in range(1, 41):
            writer.writerow([1, step, 1 - step / 100, 0.9, 10_000, 2.5, 0.5 + step / 100, 0.5 - step / 100, 0.5])
    drawn = figures(load(path))
    assert list(drawn) == ["success_rate", "volume_fees", "balances"]
    balances = drawn["balances"].axes[0]
    assert [line.get_label() for line in balances.get_lines()] == channels
    assert (balances.get_xlabel(), balances.get_ylabel()) == ("step (in file order)", "share on the channel's first node")
    assert balances.get_lines()[0].get_ydata()[-1] == pytest.approx(0.9)
    out = write_report(path, tmp_path / "out")
    assert [p.name for p in out] == ["success_rate.png", "volume_fees.png", "balances.png", "index.html"]


def test_a_payment_log_with_balance_columns_plots_them_over_time(simulate_csv: Path, tmp_path: Path) -> None:
    lines = simulate_csv.read_text().splitlines()
    path = tmp_path / "with-balances.csv"
    path.write_text("\n".join([lines[0] + ",balance_alice-bob,balance_bob-carol"]
                              + [f"{line},{400_000 + i},{600_000 - i}" for i, line in enumerate(lines[1:51])]) + "\n")
    balances = figures(load(path))["balances"].axes[0]
    assert len(balances.get_lines()) == 2 and balances.get_xlabel() == "time (UTC)"
    assert balances.get_ylabel() == "balance of the first node (sat)"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("a,b,c\n1,2,3\n", "line 1: not a CSV lngym reports on"),
    ("", "line 1: the file is empty"),
    (",".join(HEADER) + "\n", "no rows after the header"),
])
def test_another_header_or_no_rows_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(CsvFormatError, match=message):
        load(path)
    result = run(str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written for a CSV that cannot be read"


def test_a_truncated_row_is_named_by_its_line(simulate_csv: Path, tmp_path: Path) -> None:
    lines = simulate_csv.read_text().splitlines()
    torn = lines[:57] + [lines[57][:30]] + lines[58:100]
    path = write(tmp_path / "torn.csv", "\n".join(torn) + "\n")
    result = run(str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"lngym report: {path}: line 58: truncated row: 2 fields, the header has {len(HEADER)}"


def test_a_bad_value_is_named_by_line_and_column(simulate_csv: Path, tmp_path: Path) -> None:
    lines = simulate_csv.read_text().splitlines()
    fields = next(csv.reader([lines[10]]))
    fields[HEADER.index("success")] = "maybe"
    lines[10] = ",".join(f'"{f}"' for f in fields)
    path = write(tmp_path / "bad-value.csv", "\n".join(lines) + "\n")
    with pytest.raises(CsvFormatError, match="line 11, column success: expected true or false, got 'maybe'"):
        load(path)
