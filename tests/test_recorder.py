"""lngym.recorder: the CSV of every payment — header, append, concurrency, SIGKILL safety."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lngym.network.base import REBALANCE, PaymentResult
from lngym.recorder import DEFAULT_PATH, HEADER, CsvRecorder, read_rows

COLUMNS = (
    "timestamp,sender,receiver,amount_sat,fee_sat,success,failure_reason,route,hops,attempts,"
    "duration_ms,description,kind,failure_detail"
)


def result(description: str = "Coffee purchase", **overrides: object) -> PaymentResult:
    """A successful two-hop payment alice -> bob -> carol, unless overridden."""
    fields: dict[str, object] = dict(
        sender="alice",
        receiver="carol",
        amount_sat=5_000,
        success=True,
        fee_msat=1_001,
        route=("alice", "bob", "carol"),
        attempts=1,
        duration_ms=42.25,
        description=description,
        timestamp=1_700_000_000.5,
    )
    fields.update(overrides)
    return PaymentResult(**fields)  # type: ignore[arg-type]


def test_rows_have_the_architecture_columns_and_wire_names(tmp_path: Path) -> None:
    with CsvRecorder(tmp_path / "log.csv") as recorder:
        recorder.record(result())
        recorder.record(result(success=False, fee_msat=0, route=(), attempts=3,
                               failure_reason="no_route", kind=REBALANCE,
                               failure_detail="last attempt: temporary channel failure at bob"))
    assert (tmp_path / "log.csv").read_text().splitlines()[0] == COLUMNS
    ok, failed = read_rows(tmp_path / "log.csv")
    assert ok == {
        "timestamp": "2023-11-14T22:13:20.500+00:00",
        "sender": "lnd-alice",
        "receiver": "lnd-carol",
        "amount_sat": "5000",
        "fee_sat": "1.001",
        "success": "true",
        "failure_reason": "",
        "route": "lnd-alice->lnd-bob->lnd-carol",
        "hops": "2",
        "attempts": "1",
        "duration_ms": "42.2",
        "description": "Coffee purchase",
        "kind": "payment",
        "failure_detail": "",
    }
    assert (failed["success"], failed["fee_sat"], failed["route"], failed["hops"]) == ("false", "0", "", "0")
    assert (failed["failure_reason"], failed["attempts"], failed["kind"]) == ("no_route", "3", "rebalance")
    assert failed["failure_detail"] == "last attempt: temporary channel failure at bob"


def test_default_file_is_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with CsvRecorder() as recorder:
        recorder.record(result())
    assert recorder.path == tmp_path / DEFAULT_PATH == tmp_path / "lightning_simulation_data.csv"
    assert len(read_rows(recorder.path)) == 1


def test_same_header_is_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    with CsvRecorder(path) as first:
        first.record(result("one"))
    with CsvRecorder(path) as second:
        second.record(result("two"))
    assert second.path == path and second.notice is None
    assert [row["description"] for row in read_rows(path)] == ["one", "two"]
    assert path.read_text().count("timestamp,") == 1


def test_other_header_starts_a_new_file_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "log.csv"
    path.write_text("when,who,what\n1,2,3\n")
    with caplog.at_level(logging.WARNING, logger="lngym.recorder"):
        with CsvRecorder(path) as recorder:
            recorder.record(result())
    assert path.read_text() == "when,who,what\n1,2,3\n"
    assert recorder.path != path and recorder.path.parent == tmp_path
    assert recorder.path.name.startswith("log-") and recorder.path.suffix == ".csv"
    assert recorder.notice and str(recorder.path) in recorder.notice and "different columns" in recorder.notice
    assert recorder.notice in caplog.text
    assert len(read_rows(recorder.path)) == 1
    with CsvRecorder(path) as again:
        assert again.path not in (path, recorder.path)


def test_torn_last_row_is_dropped_by_the_reader_and_never_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    with CsvRecorder(path) as recorder:
        recorder.record(result("whole"))
    with open(path, "a") as handle:
        handle.write("2023-11-14T22:13:20.500+00:00,lnd-alice,lnd-ca")
    assert [row["description"] for row in read_rows(path)] == ["whole"]
    with CsvRecorder(path) as next_run:
        next_run.record(result("next"))
    assert next_run.path != path and "torn row" in (next_run.notice or "")
    assert [row["description"] for row in read_rows(next_run.path)] == ["next"]


def test_concurrent_records_all_land_whole(tmp_path: Path) -> None:
    threads, per_thread = 8, 250
    with CsvRecorder(tmp_path / "log.csv") as recorder:

        def work(worker: int) -> None:
            for i in range(per_thread):
                recorder.record(result(f"{worker}-{i}" + "x" * (i % 300)))

        pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    rows = read_rows(tmp_path / "log.csv")
    expected = {f"{w}-{i}" + "x" * (i % 300) for w in range(threads) for i in range(per_thread)}
    assert len(rows) == threads * per_thread
    assert {row["description"] for row in rows} == expected


def test_closed_recorder_refuses_rows(tmp_path: Path) -> None:
    recorder = CsvRecorder(tmp_path / "log.csv")
    recorder.close()
    recorder.close()
    with pytest.raises(ValueError, match="closed"):
        recorder.record(result())


def test_fsync_mode_writes_the_same_rows(tmp_path: Path) -> None:
    with CsvRecorder(tmp_path / "durable.csv", fsync=True) as recorder:
        recorder.record(result("durable"))
    assert [row["description"] for row in read_rows(recorder.path)] == ["durable"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=st.text(max_size=60), reason=st.text(max_size=30), fee_msat=st.integers(0, 10**9))
def test_any_text_and_fee_round_trip(tmp_path: Path, description: str, reason: str, fee_msat: int) -> None:
    path = tmp_path / "roundtrip.csv"
    path.unlink(missing_ok=True)
    with CsvRecorder(path) as recorder:
        recorder.record(result(description, failure_reason=reason, fee_msat=fee_msat))
    (row,) = read_rows(path)
    assert (row["description"], row["failure_reason"]) == (description, reason)
    assert round(float(row["fee_sat"]) * 1000) == fee_msat


CHILD = """
import sys
from lngym.network.base import PaymentResult
from lngym.recorder import CsvRecorder

recorder = CsvRecorder(sys.argv[1])
i = 0
while True:
    recorder.record(PaymentResult("alice", "carol", 1000 + i, True, description=f"payment {i}"))
    print(i, flush=True)  # reported only once record() has returned
    i += 1
"""


def test_sigkill_mid_run_loses_no_completed_row(tmp_path: Path) -> None:
    path = tmp_path / "killed.csv"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert child.stdout is not None
    completed = [int(child.stdout.readline()) for _ in range(2_000)]
    os.kill(child.pid, signal.SIGKILL)
    completed += [int(line) for line in child.stdout.read().split()]
    assert child.wait(timeout=30) == -signal.SIGKILL
    rows = read_rows(path)
    recorded = {row["description"] for row in rows}
    assert {f"payment {i}" for i in completed} <= recorded
    assert len(rows) >= len(completed) >= 2_000
    assert tuple(rows[0]) == HEADER
