"""The ``skewed`` and ``random`` traffic models, and what every model yields.

A model turns a seeded ``numpy.random.Generator`` into an endless stream of
``Arrival``s. Models only read the scenario (never a live network), so the same
seed gives the same payments on the native, Docker and simulated backends.

Amounts can be set in sat or, with ``amount_scale``, relative to the scenario's
median channel capacity, so one setting means the same pressure on channels of
any size.
"""

from __future__ import annotations

import abc
import math
import statistics
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from lngym.network.base import PaymentRequest
from lngym.scenario import Scenario
from lngym.traffic.config import TableReader

#: What the seed's simulator wrote in the description column, more or less.
DEFAULT_DESCRIPTIONS = (
    "Coffee purchase",
    "Lunch",
    "Book purchase",
    "Streaming subscription",
    "Groceries",
    "Concert ticket",
    "Taxi ride",
    "Donation",
    "Game credits",
    "Online course",
)
#: SimLN counts a month as 30 days when it turns monthly volume into a rate.
SECONDS_PER_MONTH = 30 * 24 * 3600


@dataclass(frozen=True)
class Arrival:
    """One request of a workload with its timing, for runs paced by the clock.

    ``gap_s`` is the wait after the previous arrival and ``at_s`` the time since
    the workload started, so a pacer can sleep until ``start + at_s`` and not drift.
    """

    gap_s: float
    at_s: float
    request: PaymentRequest


class TrafficModel(abc.ABC):
    """A payment generator; all randomness comes from the generator passed in."""

    #: The model's name in ``[traffic] model = ...``; its settings live in ``[traffic.<name>]``.
    name: str
    #: The keys its ``[traffic.<name>]`` table may set.
    KEYS: tuple[str, ...]

    @abc.abstractmethod
    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        """Validate the model's table against the scenario; raise ScenarioError naming the field."""

    @abc.abstractmethod
    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """The model's stream of arrivals, drawn from ``rng`` only (endless or finite)."""


def median_capacity(scenario: Scenario) -> float:
    """The median capacity of the scenario's channels, in sat: what ``amount_scale`` is a share of."""
    return float(statistics.median(c.capacity_sat for c in scenario.channels))


def scaled_amount(scenario: Scenario, table: TableReader, key: str, default: float, expected: str) -> float:
    """An amount in sat: ``key`` as given, or ``amount_scale`` times the median channel capacity."""
    if not table.has("amount_scale"):
        return table.number(key, default, expected, 1.0, False)
    if table.has(key):
        raise table.fail("amount_scale", f"either amount_scale or {key}, not both", table.table["amount_scale"])
    scale = table.number("amount_scale", None, "a share of the median channel capacity, above 0 and at most 1")
    if scale > 1:
        raise table.fail("amount_scale", "a share of the median channel capacity, above 0 and at most 1", scale)
    return max(1.0, scale * median_capacity(scenario))


@dataclass(frozen=True)
class LogNormalAmounts:
    """Log-normal amounts around ``median_sat`` with spread ``sigma``, redrawn above ``max_sat``.

    Read from ``median_sat`` (or ``amount_scale``), ``sigma`` and ``max_sat``; with
    ``amount_scale`` the cap defaults to the median channel capacity, since a
    larger payment could not cross a typical channel anyway.
    """

    median_sat: float
    sigma: float
    max_sat: int

    KEYS = ("median_sat", "amount_scale", "sigma", "max_sat")

    @classmethod
    def read(cls, scenario: Scenario, table: TableReader, median_sat: float = 5_000) -> "LogNormalAmounts":
        """The amounts of ``table``, checked (``median_sat`` is the default median)."""
        median = scaled_amount(scenario, table, "median_sat", median_sat, "a median amount in sat, at least 1")
        sigma = table.number("sigma", 1.0, "the log-normal sigma, 0 or more", 0.0, False)
        default_cap = int(median_capacity(scenario)) if table.has("amount_scale") else 100_000
        max_sat = table.integer("max_sat", default_cap, "a cap in whole sat, at least 1")
        if max_sat < median:
            raise table.fail("max_sat", f"a cap of at least median_sat ({median:g})", max_sat)
        return cls(median, sigma, max_sat)

    def draw(self, rng: np.random.Generator) -> int:
        """One amount (at most two draws on average, as the cap is at least the median)."""
        mu = math.log(self.median_sat)
        while True:
            amount = max(1, round(float(rng.lognormal(mu, self.sigma))))
            if amount <= self.max_sat:
                return amount


def _normalised(weights: np.ndarray) -> np.ndarray:
    shares: np.ndarray = weights / weights.sum()
    return shares


def _receiver_tables(nodes: tuple[str, ...], weights: np.ndarray) -> list[np.ndarray]:
    """Per sender, the receiver probabilities with the sender itself excluded."""
    tables = []
    for index in range(len(nodes)):
        masked = weights.copy()
        masked[index] = 0.0
        tables.append(_normalised(masked) if masked.sum() > 0 else masked)
    return tables


class SkewedModel(TrafficModel):
    """Buyers pay merchants more often than the other way round, so liquidity drifts.

    Every node has a send weight (``buyers``) and a receive weight (``merchants``),
    1 unless set. A node that sends more than it receives drains its outbound
    liquidity, as wallets of consumers do on the real network, which is what a
    rebalancing agent has to counter. Amounts are ``LogNormalAmounts``; gaps are
    exponential with mean ``1 / rate``.
    """

    name = "skewed"
    KEYS = ("rate", *LogNormalAmounts.KEYS, "buyers", "merchants", "descriptions")

    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        self.nodes = scenario.nodes
        self.rate = table.number("rate", 2.0, "payments per second above 0")
        self.amounts = LogNormalAmounts.read(scenario, table)
        self.descriptions = table.strings("descriptions", DEFAULT_DESCRIPTIONS)
        send = table.weights("buyers", self.nodes)
        receive = table.weights("merchants", self.nodes)
        self.send_weights = np.array([send.get(n, 1.0) for n in self.nodes])
        self.receive_weights = np.array([receive.get(n, 1.0) for n in self.nodes])
        if self.send_weights.sum() <= 0:
            raise table.fail("buyers", "at least one node with a send weight above 0", send)
        self._receivers = _receiver_tables(self.nodes, self.receive_weights)
        for index, node in enumerate(self.nodes):
            if self.send_weights[index] > 0 and self._receivers[index].sum() == 0:
                raise table.fail("merchants", f"a node other than {node} that can receive", receive)
        self._senders = _normalised(self.send_weights)

    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """Endless payments; each draws gap, sender, receiver, amount, description in that order."""
        at_s = 0.0
        count = len(self.nodes)
        while True:
            gap_s = float(rng.exponential(1.0 / self.rate))
            sender = int(rng.choice(count, p=self._senders))
            receiver = int(rng.choice(count, p=self._receivers[sender]))
            amount = self.amounts.draw(rng)
            description = self.descriptions[int(rng.integers(len(self.descriptions)))]
            at_s += gap_s
            request = PaymentRequest(self.nodes[sender], self.nodes[receiver], amount, description)
            yield Arrival(gap_s, at_s, request)



class RandomModel(TrafficModel):
    """SimLN's random activity, run on the scenario's capacities.

    Each node sends ``capacity_multiplier`` times its channel capacity per 30-day
    month in payments of ``expected_amount_sat`` on average, at exponential gaps;
    destinations are drawn in proportion to their capacity; amounts are
    log-normal with mean ``expected_amount_sat`` and a spread that grows with
    the smaller capacity of the pair. The per-node Poisson streams are merged
    into one (total rate, source drawn by rate), which is the same process.
    ``speedup`` divides every gap, because SimLN's monthly rates are slow.
    ``amount_scale`` sets the expected (mean, as in SimLN) amount as a share of
    the median channel capacity instead of ``expected_amount_sat``.
    """

    name = "random"
    KEYS = ("expected_amount_sat", "amount_scale", "capacity_multiplier", "speedup")

    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        self.nodes = scenario.nodes
        self.expected_sat = scaled_amount(
            scenario, table, "expected_amount_sat", 3_800, "an expected amount in sat, at least 1"
        )
        self.multiplier = table.number("capacity_multiplier", 2.0, "a number above 0")
        self.speedup = table.number("speedup", 1.0, "a number above 0")
        capacity = {node: 0 for node in self.nodes}
        for channel in scenario.channels:
            capacity[channel.a] += channel.capacity_sat
            capacity[channel.b] += channel.capacity_sat
        for node, sat in capacity.items():
            if sat < 2 * self.expected_sat:
                raise table.fail(
                    "expected_amount_sat",
                    f"at most half the capacity of every node, but {node} has {sat} sat",
                    self.expected_sat,
                )
        self.capacity = np.array([capacity[n] for n in self.nodes], dtype=float)
        rates = self.capacity * self.multiplier / self.expected_sat / SECONDS_PER_MONTH * self.speedup
        self.total_rate = float(rates.sum())
        self._sources = _normalised(rates)
        self._destinations = _receiver_tables(self.nodes, self.capacity)

    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """Endless payments; each draws gap, source, destination, amount in that order."""
        at_s = 0.0
        count = len(self.nodes)
        while True:
            gap_s = float(rng.exponential(1.0 / self.total_rate))
            source = int(rng.choice(count, p=self._sources))
            destination = int(rng.choice(count, p=self._destinations[source]))
            amount = self._amount(rng, source, destination)
            at_s += gap_s
            request = PaymentRequest(self.nodes[source], self.nodes[destination], amount, "Random payment")
            yield Arrival(gap_s, at_s, request)

    def _amount(self, rng: np.random.Generator, source: int, destination: int) -> int:
        """SimLN's log-normal: mean ``expected``, limit half the smaller node capacity."""
        limit = min(self.capacity[source], self.capacity[destination]) / 2
        mu = 2 * math.log(self.expected_sat) - math.log(limit)
        sigma = math.sqrt(2 * (math.log(limit) - math.log(self.expected_sat)))
        return max(1, round(float(rng.lognormal(mu, sigma))))
