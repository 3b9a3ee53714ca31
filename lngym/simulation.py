"""A simulation run: the seeded workload against a network, every result recorded.

This is the seed's ``simulate_network.py`` loop, independent of any terminal:
the CLI renders it, the WebSocket bridge publishes its events. Payments run
``concurrency`` at a time; every ``rebalance_every`` payments the policy's
decisions (rebalances, swaps) are carried out by ``lngym.policies.Executor``;
each row is written the moment its payment ends. With a ``[swap]`` server the
chain advances one block every ``block_every`` payments (by default once per
policy round), so swaps complete after their confirmations.

Payments go out when the workload says they arrive (its ``rate``, a ``defined``
workload's intervals and start times), on a clock running ``speed`` times
faster than the wall clock; ``speed = math.inf`` sends them as fast as the
network takes them, and ``rate`` replaces the workload's timing by a fixed pace.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lngym.errors import SettingError
from lngym.network.base import Network, PaymentResult, RebalanceSuggestion, Snapshot
from lngym.policies import BaselineRebalancer, Executed, Executor, Policy, PolicyState
from lngym.policies.decisions import Decision
from lngym.recorder import CsvRecorder
from lngym.stats import RunningStats
from lngym.traffic import Workload

#: How often a failed rebalance is retried with half the amount.
HALVINGS = 3


@dataclass
class SimulationConfig:
    """How long and how fast to run, and how often to rebalance."""

    payments: int | None = None
    duration_s: float | None = None
    rate: float | None = None
    #: None: the wall clock on live nodes, no waiting on the in-process twin (virtual time).
    speed: float | None = None
    concurrency: int = 4
    rebalance_every: int = 0
    seed: int | None = None
    #: Payments per block mined (with a [swap] server); None: one block per policy round.
    block_every: int | None = None


@dataclass
class Simulation:
    """Runs a workload; ``on_result``/``on_snapshot`` let a UI or the bridge follow along.

    ``between_batches`` runs after each batch while no payment is in flight: the
    WebSocket bridge applies its clients' suggestions there, with ``apply``.
    """

    network: Network
    config: SimulationConfig
    recorder: CsvRecorder | None = None
    policy: Policy = field(default_factory=BaselineRebalancer)
    on_result: Callable[[PaymentResult], None] | None = None
    on_snapshot: Callable[[Snapshot], None] | None = None
    between_batches: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if self.config.rate is not None and not self.config.rate > 0:
            raise SettingError(f"rate must be a number of payments per second above 0, got {self.config.rate!r}")
        if self.config.speed is None:
            self.speed = math.inf if self.network.in_process else 1.0
        elif self.config.speed > 0:
            self.speed = self.config.speed
        else:
            raise SettingError(f"speed must be above 0 (inf: no waiting), got {self.config.speed!r}")
        self.workload = Workload.from_scenario(self.network.scenario, self.config.seed)
        self.stats = RunningStats()
        self.stop_event = threading.Event()
        self.sent = 0
        self.last_snapshot: Snapshot | None = None
        self.executor = Executor(self.network, halvings=HALVINGS, on_result=self._record)
        every = self.config.block_every if self.config.block_every is not None else self.config.rebalance_every
        self._block_every = every if self.network.scenario.swap is not None else 0
        if self._block_every < 0:
            raise SettingError(f"block_every must be 0 or more payments, got {every!r}")

    def run(self) -> None:
        """Pay until the payment count or duration is reached, or ``stop()`` is called."""
        started = time.monotonic()
        batch = max(1, self.config.concurrency)
        if self.config.rebalance_every > 0:
            batch = min(batch, self.config.rebalance_every)
        while not self.stop_event.is_set():
            remaining = self._remaining(started)
            if remaining == 0:
                break
            size = min(batch, remaining) if remaining is not None else batch
            self._run_batch(size, started)
            self._after_batch(size)

    def stop(self) -> None:
        """Ask the run to end after the payments in flight."""
        self.stop_event.set()

    def _remaining(self, started: float) -> int | None:
        if self.config.duration_s is not None and time.monotonic() - started >= self.config.duration_s:
            return 0
        if self.config.payments is not None:
            return max(self.config.payments - self.sent, 0)
        return None

    def _run_batch(self, size: int, started: float) -> None:
        arrivals = self.workload.next_timed(size)
        if not arrivals:  # a finite defined workload has ended
            self.stop_event.set()
            return
        due = self._due(started, arrivals[-1].at_s, self.sent + len(arrivals))
        if due is not None:
            self.stop_event.wait(max(0.0, due - time.monotonic()))
        requests = [arrival.request for arrival in arrivals]
        self.network.pay_many(requests, concurrency=self.config.concurrency, on_result=self._record)
        self.sent += len(requests)

    def _due(self, started: float, at_s: float, count: int) -> float | None:
        """When a batch whose last payment arrives at ``at_s`` may go (None: at once).

        A batch waits for its last payment's arrival, so no payment goes early.
        """
        if self.config.rate is not None:
            return started + count / self.config.rate
        if math.isinf(self.speed):
            return None
        return started + at_s / self.speed

    def _after_batch(self, size: int) -> None:
        every = self.config.rebalance_every
        if self.between_batches is not None:
            self.between_batches()
        if every > 0 and self.sent % every < size:
            self.execute(self.policy.decide(PolicyState.of(self.network)))
        blocks = self._block_every
        if blocks > 0 and self.sent % blocks < size:
            for result in self.network.mine(max(1, size // blocks)):
                self._record(result)
        snapshot = self.network.snapshot()
        self.last_snapshot = snapshot
        self.stats.observe(snapshot)
        if self.on_snapshot is not None:
            self.on_snapshot(snapshot)

    def apply(self, suggestion: RebalanceSuggestion) -> PaymentResult:
        """Carry out one rebalance, halving the amount after each failure (at most 3 times).

        The whole deviation rarely fits through the return path at once; what
        does fit is still worth moving. Every attempt is recorded like a payment.
        """
        return self.executor.rebalance(suggestion)

    def execute(self, decisions: list[Decision]) -> Executed:
        """Carry out decisions (rebalances with halvings, swaps) as the policy's round does."""
        return self.executor.execute(decisions)

    def _record(self, result: PaymentResult) -> None:
        if self.recorder is not None:
            self.recorder.record(result)
        self.stats.record(result)
        if self.on_result is not None:
            self.on_result(result)
