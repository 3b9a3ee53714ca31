"""The ``tidal`` traffic model: two-sided demand whose direction turns with a period.

The scenario's nodes form two sides, ``east`` and ``west``. Every payment
crosses from one side to the other; the share that flows east (from a west
node to an east node) at payment ``k`` is

    p_east(k) = (1 + clip(bias + amplitude * wave(k), -1, 1)) / 2

with ``wave(k) = sin(2 pi (k / period + phase))`` for ``shape = "sine"`` and its
sign (+1 for the first half of each period, -1 for the second) for
``shape = "regimes"``. So for half a period the channels between the sides
empty towards the east, then towards the west: imbalance that reverses, which
a threshold rule chases late and a policy that sees the trend can anticipate.
``bias`` adds a steady net flow on top (east if positive). The period counts
payments; an env step of N payments sees it as ``period / N`` steps.

Sender and receiver are drawn uniformly within their sides; amounts are
log-normal (``median_sat`` or ``amount_scale``, ``sigma``, ``max_sat``), gaps
exponential at ``rate``. Without ``east``/``west`` the scenario's node list is
cut in two: the first half (rounded down) is west, the rest east; giving one
side makes the other side every other node.

    [traffic.tidal]
    west = ["alice", "bob"]
    east = ["carol", "dave", "eve"]
    period = 400              # payments per full cycle
    shape = "sine"            # or "regimes"
    amplitude = 0.8           # 0..1: how far the tide swings
    bias = 0.0                # -1..1: steady net flow east (+) or west (-)
    phase = 0.0               # 0..1: where in the cycle the stream starts
    amount_scale = 0.02       # or median_sat = 20_000
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from lngym.network.base import PaymentRequest
from lngym.scenario import Scenario
from lngym.traffic.config import TableReader
from lngym.traffic.models import Arrival, LogNormalAmounts, TrafficModel

SHAPES = ("sine", "regimes")


class TidalModel(TrafficModel):
    """Payments between two sides of the network whose net direction swings with a period."""

    name = "tidal"
    KEYS = ("west", "east", "period", "shape", "amplitude", "bias", "phase", "rate", *LogNormalAmounts.KEYS)

    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        self.west, self.east = _sides(scenario, table)
        self.period = table.integer("period", 400, "a period of at least 2 payments", 2)
        self.shape = table.string("shape", "sine", f"one of {', '.join(SHAPES)}")
        if self.shape not in SHAPES:
            raise table.fail("shape", f"one of {', '.join(SHAPES)}", self.shape)
        self.amplitude = table.number("amplitude", 0.8, "a swing between 0 and 1", 0.0, False)
        if self.amplitude > 1:
            raise table.fail("amplitude", "a swing between 0 and 1", self.amplitude)
        self.bias = table.number("bias", 0.0, "a steady flow between -1 and 1", -1.0, False)
        if self.bias > 1:
            raise table.fail("bias", "a steady flow between -1 and 1", self.bias)
        self.phase = table.number("phase", 0.0, "a point of the cycle, at least 0 and below 1", 0.0, False)
        if self.phase >= 1:
            raise table.fail("phase", "a point of the cycle, at least 0 and below 1", self.phase)
        self.rate = table.number("rate", 2.0, "payments per second above 0")
        self.amounts = LogNormalAmounts.read(scenario, table, median_sat=5_000)

    def east_share(self, k: int) -> float:
        """The probability that payment ``k`` (from 0) flows from west to east."""
        position = (k / self.period + self.phase) % 1.0
        wave = math.sin(2 * math.pi * position) if self.shape == "sine" else (1.0 if position < 0.5 else -1.0)
        return (1 + min(1.0, max(-1.0, self.bias + self.amplitude * wave))) / 2

    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """Endless payments; each draws gap, direction, sender, receiver, amount in that order."""
        at_s = 0.0
        k = 0
        while True:
            gap_s = float(rng.exponential(1.0 / self.rate))
            eastward = bool(rng.random() < self.east_share(k))
            senders, receivers = (self.west, self.east) if eastward else (self.east, self.west)
            sender = senders[int(rng.integers(len(senders)))]
            receiver = receivers[int(rng.integers(len(receivers)))]
            amount = self.amounts.draw(rng)
            description = "Tidal payment east" if eastward else "Tidal payment west"
            at_s += gap_s
            k += 1
            yield Arrival(gap_s, at_s, PaymentRequest(sender, receiver, amount, description))


def _sides(scenario: Scenario, table: TableReader) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The west and east sides: disjoint, non-empty, made of scenario nodes."""
    nodes = scenario.nodes
    west = _side(scenario, table, "west") if table.has("west") else None
    east = _side(scenario, table, "east") if table.has("east") else None
    if west is None and east is None:
        west = nodes[: len(nodes) // 2]
    if west is None:
        west = tuple(n for n in nodes if n not in east)
    if east is None:
        east = tuple(n for n in nodes if n not in west)
    for key, side in (("west", west), ("east", east)):
        if not side:
            raise table.fail(key, "a side with at least one node", [])
    shared = sorted(set(west) & set(east), key=nodes.index)
    if shared:
        raise table.fail("east", f"nodes not also in west ({', '.join(shared)} are in both)", list(east))
    return west, east


def _side(scenario: Scenario, table: TableReader, key: str) -> tuple[str, ...]:
    """One side as listed in the table, every name a node of the scenario, none twice."""
    side = table.strings(key, ())
    for name in side:
        if name not in scenario.nodes:
            raise table.fail(key, f"nodes of the scenario ({', '.join(scenario.nodes)})", name)
    if len(set(side)) != len(side):
        raise table.fail(key, "each node once", list(side))
    return side
