"""The ``seed_mix`` traffic model: the payment mix of the original Docker testnet's simulator.

(Not called ``seed``: ``[traffic] seed = 7`` is the workload's random seed, and a
``[traffic.seed]`` table could not sit beside it.)

Its facts: 70 % of payments go to a direct neighbour of the sender, 25 % to a
node that is not a neighbour (so they are routed), 5 % are "circular";
amounts are uniform between 500 and 3,000 sat; 10 to 30 s pass between
payments (uniform gaps). Senders are drawn uniformly.

A "circular" payment here is a *return* payment: the sender pays back the node
it last received a payment from in this stream, so value goes round a cycle
(A pays B, later B pays A). A sender that has received nothing yet pays a
neighbour instead. A node with no non-neighbour (a full mesh) pays a
neighbour instead of a remote node. Both fallbacks keep every payment valid on
any topology; on the seed they only touch the first few circular payments.

    [traffic.seed_mix]
    neighbour_share = 0.70     # the three shares must add up to 1
    remote_share = 0.25
    circular_share = 0.05
    amount_sat = [500, 3_000]  # uniform, whole sat, both ends included
    gap_s = [10, 30]           # uniform seconds between payments
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from lngym.network.base import PaymentRequest
from lngym.scenario import Scenario
from lngym.traffic.config import TableReader
from lngym.traffic.models import DEFAULT_DESCRIPTIONS, Arrival, TrafficModel

#: The kinds of payment in the mix, in the order their shares are drawn.
KINDS = ("neighbour", "remote", "circular")
_DEFAULT_SHARES = {"neighbour": 0.70, "remote": 0.25, "circular": 0.05}


class SeedMixModel(TrafficModel):
    """The original simulator's mix of neighbour, remote and return payments."""

    name = "seed_mix"
    KEYS = ("neighbour_share", "remote_share", "circular_share", "amount_sat", "gap_s", "descriptions")

    def __init__(self, scenario: Scenario, table: TableReader) -> None:
        self.nodes = scenario.nodes
        shares = [
            table.number(f"{kind}_share", _DEFAULT_SHARES[kind], "a share between 0 and 1", 0.0, False)
            for kind in KINDS
        ]
        if not math.isclose(sum(shares), 1.0, abs_tol=1e-9):
            got = dict(zip((f"{kind}_share" for kind in KINDS), shares))
            raise table.fail("neighbour_share", "shares of neighbour, remote and circular that add up to 1", got)
        self.shares = np.array(shares)
        amounts = "whole sat, or [low, high] with 1 <= low < high"
        self.amount = table.span("amount_sat", amounts, [500, 3_000])
        if not self.amount.integral or self.amount.low < 1:
            raise table.fail("amount_sat", amounts, table.table["amount_sat"])
        self.gap = table.span("gap_s", "seconds above 0, or [low, high] with 0 <= low < high", [10, 30])
        self.descriptions = table.strings("descriptions", DEFAULT_DESCRIPTIONS)
        neighbours: dict[str, set[str]] = {node: set() for node in self.nodes}
        for channel in scenario.channels:
            neighbours[channel.a].add(channel.b)
            neighbours[channel.b].add(channel.a)
        self.neighbours = {node: sorted(peers, key=self.nodes.index) for node, peers in neighbours.items()}
        self.remote = {
            node: [other for other in self.nodes if other != node and other not in neighbours[node]]
            for node in self.nodes
        }
        self._senders = [node for node in self.nodes if self.neighbours[node]]

    def arrivals(self, rng: np.random.Generator) -> Iterator[Arrival]:
        """Endless payments; each draws gap, sender, kind, receiver, amount, description in that order."""
        return (arrival for _kind, arrival in self.draws(rng))

    def draws(self, rng: np.random.Generator) -> Iterator[tuple[str, Arrival]]:
        """The same arrivals, each with the kind it ended up as (after the fallbacks), to check the mix."""
        at_s = 0.0
        last_payer: dict[str, str] = {}
        while True:
            gap_s = float(rng.uniform(self.gap.low, self.gap.high))
            sender = self._senders[int(rng.integers(len(self._senders)))]
            kind = KINDS[int(rng.choice(len(KINDS), p=self.shares))]
            kind, receiver = self._receiver(rng, sender, kind, last_payer)
            amount = int(rng.integers(int(self.amount.low), int(self.amount.high) + 1))
            description = self.descriptions[int(rng.integers(len(self.descriptions)))]
            last_payer[receiver] = sender
            at_s += gap_s
            yield kind, Arrival(gap_s, at_s, PaymentRequest(sender, receiver, amount, description))

    def _receiver(
        self, rng: np.random.Generator, sender: str, kind: str, last_payer: dict[str, str]
    ) -> tuple[str, str]:
        """Who ``sender`` pays for a payment of ``kind``, and the kind it is after the fallbacks."""
        if kind == "circular" and sender in last_payer:
            return kind, last_payer[sender]
        if kind == "remote" and self.remote[sender]:
            return kind, self.remote[sender][int(rng.integers(len(self.remote[sender])))]
        neighbours = self.neighbours[sender]
        return "neighbour", neighbours[int(rng.integers(len(neighbours)))]
