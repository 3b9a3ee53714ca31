"""Payments, rebalances, resets and the simulator against real LND nodes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lngym.errors import InvalidAmountError
from lngym.lnd.protos import lightning_pb2
from lngym.network.base import totals_by_node
from lngym.network.native import NativeNetwork
from lngym.recorder import CsvRecorder, read_rows
from lngym.traffic import Workload
from lngym.wait import wait_until

# The same tests on lnd processes and on lnd containers (tests/live_harness.py's fixture).
pytestmark = [pytest.mark.live, pytest.mark.backends("native", "docker")]


def test_payment_records_fee_route_and_duration(network: NativeNetwork, tmp_path: Path) -> None:
    with CsvRecorder(tmp_path / "log.csv") as recorder:
        result = network.pay("alice", "carol", 10_000, "Coffee purchase")
        recorder.record(result)
    assert result.success
    assert result.route == ("alice", "bob", "carol")
    assert result.fee_msat == 1_000  # bob's base fee; the seed charges no ppm fee
    assert result.duration_ms > 0 and result.attempts == 1
    row = read_rows(tmp_path / "log.csv")[0]
    assert (row["sender"], row["receiver"], row["route"]) == ("lnd-alice", "lnd-carol", "lnd-alice->lnd-bob->lnd-carol")
    assert row["success"] == "true" and row["hops"] == "2" and float(row["fee_sat"]) == 1.0


def test_keysend_payment(network: NativeNetwork) -> None:
    result = network.pay("dave", "alice", 5_000, keysend=True)
    assert result.success and result.route[0] == "dave" and result.route[-1] == "alice"


def test_rebalance_moves_the_channel_and_keeps_every_total(network: NativeNetwork) -> None:
    before = network.snapshot()
    totals = totals_by_node(before, network.scenario.nodes)
    result = network.rebalance("alice", "bob", 100_000, max_fee_sat=50)
    assert result.success, result.failure_reason
    assert result.route[0] == "alice" and result.route[-1] == "alice" and result.route[1] == "bob"
    after = network.snapshot()
    moved = before.channels[0].balance_a_sat - after.channels[0].balance_a_sat
    assert moved == 100_000 or moved == 100_000 + result.fee_sat
    new_totals = totals_by_node(after, network.scenario.nodes)
    fee = result.fee_msat / 1000
    assert new_totals["alice"] == pytest.approx(totals["alice"] - fee, abs=1)
    assert sum(new_totals.values()) == pytest.approx(sum(totals.values()), abs=1)
    for name in network.scenario.nodes:
        assert new_totals[name] >= totals[name] - fee - 1


def test_rebalance_rejects_bad_input_before_paying(network: NativeNetwork) -> None:
    before = network.snapshot()
    with pytest.raises(InvalidAmountError):
        network.rebalance("alice", "bob", 2_000_000, max_fee_sat=10)
    with pytest.raises(InvalidAmountError):
        network.rebalance("alice", "bob", 0, max_fee_sat=10)
    assert network.snapshot().channels == before.channels


def test_reset_restores_every_split_exactly(network: NativeNetwork) -> None:
    initial = network.snapshot()
    requests = Workload.from_scenario(network.scenario, seed=7).next(30)
    results = network.pay_many(requests, concurrency=4)
    assert sum(r.success for r in results) > 20
    assert network.rebalance("bob", "carol", 50_000, max_fee_sat=20).success
    assert network.snapshot().channels != initial.channels
    started = time.monotonic()
    restored = network.reset_balances()
    assert time.monotonic() - started < 10
    assert [(c.balance_a_sat, c.balance_b_sat) for c in restored.channels] == [
        (c.balance_a_sat, c.balance_b_sat) for c in initial.channels
    ]


def test_same_seed_gives_the_same_payments_on_lnd(network: NativeNetwork) -> None:
    first = [(r.sender, r.receiver, r.amount_sat, r.success)
             for r in network.pay_many(Workload.from_scenario(network.scenario, seed=3).next(15), concurrency=1)]
    network.reset_balances()
    second = [(r.sender, r.receiver, r.amount_sat, r.success)
              for r in network.pay_many(Workload.from_scenario(network.scenario, seed=3).next(15), concurrency=1)]
    assert first == second


def test_sigkill_of_simulate_keeps_every_finished_row(network: NativeNetwork, tmp_path: Path) -> None:
    csv_path = tmp_path / "run.csv"
    env = dict(os.environ, LNGYM_HOME=str(network.home))
    # LND filters payments by whole seconds: start at the next one, so that the
    # fixture's reset payments fall before `since`.
    since = int(time.time()) + 1
    wait_until(lambda: time.time() >= since, 2, "the next whole second")
    child = subprocess.Popen(
        [sys.executable, "-m", "lngym.cli.main", "simulate", "--payments", "400", "--seed", "1", "--speed", "max",
         "--csv", str(csv_path), "--concurrency", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        wait_until(lambda: csv_path.exists() and len(read_rows(csv_path)) >= 30, 120,
                   "30 rows in the simulator's CSV", interval=0.1)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    rows = read_rows(csv_path)
    assert 30 <= len(rows) < 400
    assert all(row["kind"] == "payment" and row["success"] in ("true", "false") for row in rows)
    # Compare with LND's own record, once the payments in flight when the simulator
    # died have ended: every payment it settled has a row, except at most those four.
    def lnd_payments() -> list[Any]:
        return [p for node in network.cluster.lnd.values() for p in node.client.list_payments(since)]

    unfinished = (lightning_pb2.Payment.IN_FLIGHT, lightning_pb2.Payment.INITIATED)
    wait_until(lambda: all(p.status not in unfinished for p in lnd_payments()), 30,
               "the payments in flight when the simulator died to end")
    settled = sum(p.status == lightning_pb2.Payment.SUCCEEDED for p in lnd_payments())
    recorded = sum(row["success"] == "true" for row in rows)
    assert recorded <= settled <= recorded + 4


def test_simulate_writes_one_row_per_payment(network: NativeNetwork, tmp_path: Path) -> None:
    csv_path = tmp_path / "sim.csv"
    env = dict(os.environ, LNGYM_HOME=str(network.home))
    result = subprocess.run(
        [sys.executable, "-m", "lngym.cli.main", "simulate", "--payments", "60", "--seed", "1", "--speed", "max",
         "--csv", str(csv_path), "--rebalance-every", "20"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    rows = read_rows(csv_path)
    assert sum(r["kind"] == "payment" for r in rows) == 60
    assert all(r["sender"].startswith("lnd-") for r in rows)
