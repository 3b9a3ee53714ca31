"""Running statistics of a run: the numbers the CLI's live view and the env's ``info`` show.

Payments complete on many threads while a view redraws on another, so
``RunningStats`` takes results under a lock and hands out an immutable
``StatsSummary``; both consumers read the same figures from one place.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from lngym.network.base import PAYMENT, ChannelState, PaymentResult, Snapshot

#: How many of the latest payments the "recent" success rate looks at.
DEFAULT_WINDOW = 100


@dataclass(frozen=True)
class StatsSummary:
    """The figures at one moment; rates are None until there is something to divide by."""

    payments: int
    successes: int
    success_rate: float | None
    recent_success_rate: float | None
    volume_sat: int
    fees_sat: float
    rebalances: int
    rebalance_successes: int
    rebalance_fees_sat: float
    elapsed_s: float
    payments_per_s: float | None
    channels: tuple[ChannelState, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (channels as ``a``/``b``/balances/ratio) for env info and ``--json``."""
        data = asdict(self)
        data["channels"] = [
            {
                "a": c.a,
                "b": c.b,
                "capacity": c.capacity_sat,
                "balance_a": c.balance_a_sat,
                "balance_b": c.balance_b_sat,
                "ratio_a": c.ratio_a,
                "active": c.active,
            }
            for c in self.channels
        ]
        return data


class RunningStats:
    """Counts payments and rebalances as they end, and keeps the latest channel balances."""

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ValueError(f"window must be a whole number of 1 or more, got {window!r}")
        self._lock = threading.Lock()
        self._recent: deque[bool] = deque(maxlen=window)
        self._started = time.monotonic()
        self._payments = self._successes = self._volume_sat = self._fees_msat = 0
        self._rebalances = self._rebalance_successes = self._rebalance_fees_msat = 0
        self._channels: tuple[ChannelState, ...] = ()

    def record(self, result: PaymentResult) -> None:
        """Count one finished payment or rebalance (fees only count when it succeeded)."""
        with self._lock:
            if result.kind != PAYMENT:
                self._rebalances += 1
                if result.success:
                    self._rebalance_successes += 1
                    self._rebalance_fees_msat += result.fee_msat
                return
            self._payments += 1
            self._recent.append(result.success)
            if result.success:
                self._successes += 1
                self._volume_sat += result.amount_sat
                self._fees_msat += result.fee_msat

    def observe(self, snapshot: Snapshot) -> None:
        """Keep the channel balances of ``snapshot`` as the latest known."""
        with self._lock:
            self._channels = snapshot.channels

    def summary(self) -> StatsSummary:
        """A consistent copy of every figure, safe to render while payments go on."""
        with self._lock:
            elapsed = time.monotonic() - self._started
            return StatsSummary(
                payments=self._payments,
                successes=self._successes,
                success_rate=self._successes / self._payments if self._payments else None,
                recent_success_rate=sum(self._recent) / len(self._recent) if self._recent else None,
                volume_sat=self._volume_sat,
                fees_sat=self._fees_msat / 1000,
                rebalances=self._rebalances,
                rebalance_successes=self._rebalance_successes,
                rebalance_fees_sat=self._rebalance_fees_msat / 1000,
                elapsed_s=elapsed,
                payments_per_s=self._payments / elapsed if elapsed > 0 else None,
                channels=self._channels,
            )
