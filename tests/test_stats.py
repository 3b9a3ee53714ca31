"""lngym.stats: running statistics shared by the CLI's live view and the env's info."""

from __future__ import annotations

import threading

from lngym.network.base import REBALANCE, ChannelState, PaymentResult, Snapshot
from lngym.stats import RunningStats


def paid(success: bool, amount: int = 1_000, fee_msat: int = 1_500, kind: str = "payment") -> PaymentResult:
    """A finished alice -> carol payment (or rebalance, by kind)."""
    return PaymentResult("alice", "carol", amount, success, fee_msat=fee_msat, kind=kind)


def test_stats_count_payments_rates_volume_and_fees() -> None:
    stats = RunningStats(window=4)
    assert stats.summary().success_rate is None and stats.summary().recent_success_rate is None
    for outcome in (True, True, False, False, False, True):
        stats.record(paid(outcome))
    stats.record(paid(True, amount=200_000, fee_msat=90_000, kind=REBALANCE))
    stats.record(paid(False, kind=REBALANCE))
    stats.observe(Snapshot((ChannelState(0, "c", "alice", "bob", 1_000_000, 800_000, 200_000, True),)))
    summary = stats.summary()
    assert (summary.payments, summary.successes) == (6, 3)
    assert summary.success_rate == 0.5 and summary.recent_success_rate == 0.25
    assert (summary.volume_sat, summary.fees_sat) == (3_000, 4.5)
    assert (summary.rebalances, summary.rebalance_successes, summary.rebalance_fees_sat) == (2, 1, 90.0)
    assert summary.as_dict()["channels"][0]["ratio_a"] == 0.8


def test_stats_are_consistent_under_concurrent_records() -> None:
    stats = RunningStats()
    workers = [
        threading.Thread(target=lambda: [stats.record(paid(i % 2 == 0)) for i in range(500)]) for _ in range(6)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    summary = stats.summary()
    assert (summary.payments, summary.successes, summary.volume_sat) == (3_000, 1_500, 1_500_000)
