"""One payment through the twin: route, try, retry around failed channels, settle.

Mirrors LND's payment loop: find a route with what the sender knows (every
channel's capacity and policy, and the real balance only of its own channels),
send the HTLC hop by hop, and on a ``temporary channel failure`` leave the
channel that failed out of the next route. Balances only change when an attempt
succeeds end to end, so a failed payment changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lngym.network import failures
from lngym.network.sim import constants as K
from lngym.network.sim.graph import ChannelGraph
from lngym.network.sim.mission import LndPathFinder
from lngym.network.sim.router import Router


@dataclass
class Outcome:
    """Result of ``send`` in node ids and msat, turned into a PaymentResult by the caller."""

    success: bool
    fee_msat: int
    path: list[int]
    attempts: int
    reason: str = ""
    last_failure: str = ""
    failed_at: int = -1


class PaymentEngine:
    """Owns the balances (msat per edge's sending side) and moves them.

    With ``mission_control`` each payment is routed by LND's own search over
    what earlier attempts taught (``mission.py``), at the time ``clock()``
    says; without it, by the fast cached router, forgetting failures between
    payments.
    """

    def __init__(
        self, graph: ChannelGraph, balances_msat: list[int], mission_control: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.graph = graph
        self.router = Router(graph)
        self.balances = list(balances_msat)
        self.finder = LndPathFinder(graph) if mission_control else None
        self.clock = clock
        self.payments = 0  # drives the virtual clock when none is given
        self._hold = False

    def spendable(self, edge: int) -> int:
        """What the sending side of ``edge`` can put into a new HTLC, in msat."""
        return self.balances[edge] - self.graph.hold_msat[edge]

    def hop_amounts(self, path: list[int], amount_msat: int) -> list[int]:
        """Amount each hop carries: the final amount plus the fees of the hops after it."""
        g = self.graph
        amounts = [amount_msat] * len(path)
        for i in range(len(path) - 2, -1, -1):
            nxt = path[i + 1]
            carried = amounts[i + 1]
            amounts[i] = carried + g.base_fee[nxt] + carried * g.fee_ppm[nxt] // 1_000_000
        return amounts

    def send(
        self, source: int, target: int, amount_msat: int, fee_limit_msat: int,
        pinned: tuple[int, int] | None = None, hold: bool = False,
    ) -> Outcome:
        """Pay ``amount_msat`` from source to target; ``pinned`` fixes the (first, last) edges
        (-1 leaves that end free).

        ``hold`` leaves a successful payment's HTLCs locked in every hop, as a
        hold invoice does, until ``settle_held`` or ``cancel_held``.
        """
        self.payments += 1
        self._hold = hold
        if self._outbound(source, pinned[0] if pinned else -1) < amount_msat:
            return Outcome(False, 0, [], 0, failures.INSUFFICIENT_BALANCE)
        if self.finder is not None:
            return self._send_learning(source, target, amount_msat, fee_limit_msat, pinned)
        excluded: set[int] = set()
        attempts, last, failed_at = 0, "", -1
        while True:
            path = self._plan(source, target, amount_msat, excluded, pinned)
            if path is None:
                return Outcome(False, 0, [], attempts, failures.NO_ROUTE, last, failed_at)
            amounts = self.hop_amounts(path, amount_msat)
            if amounts[0] - amount_msat > fee_limit_msat:
                return Outcome(False, 0, path, attempts, failures.NO_ROUTE, last, failed_at)
            unusable = self._unusable(path, amounts)
            if unusable >= 0:  # LND's own pathfinding would not have picked it
                excluded.add(unusable)
                if unusable == path[0] and pinned is None:  # then drop every own channel this short
                    excluded.update(e for e in self.graph.out_edges[source] if self.spendable(e) < amount_msat)
                continue
            if attempts == K.MAX_ATTEMPTS:
                return Outcome(False, 0, path, attempts, failures.TIMEOUT, last, failed_at)
            attempts += 1
            failed = self._first_short_hop(path, amounts)
            if failed < 0:
                self._finish(path, amounts)
                return Outcome(True, amounts[0] - amount_msat, path, attempts)
            excluded.add(failed)
            last, failed_at = K.TEMPORARY_CHANNEL_FAILURE, self.graph.edge_from[failed]

    def now(self) -> float:
        """Seconds on the clock mission control ages failures by (virtual unless one is given)."""
        return self.clock() if self.clock is not None else self.payments * K.SECONDS_PER_PAYMENT

    def _send_learning(
        self, source: int, target: int, amount_msat: int, fee_limit_msat: int,
        pinned: tuple[int, int] | None,
    ) -> Outcome:
        """LND's payment loop: search with mission control, try, learn from the attempt, repeat."""
        assert self.finder is not None
        mission = self.finder.mission_of(source)
        first, last_node = -1, -1
        if pinned is not None:
            first = pinned[0]
            last_node = self.graph.edge_from[pinned[1]] if pinned[1] >= 0 else -1
        attempts, last, failed_at = 0, "", -1
        now = self.now()
        while True:
            path = self.finder.route(
                source, target, amount_msat, fee_limit_msat, now, self.spendable, first, last_node
            )
            if path is None:
                return Outcome(False, 0, [], attempts, failures.NO_ROUTE, last, failed_at)
            if attempts == K.MAX_ATTEMPTS:
                return Outcome(False, 0, path, attempts, failures.TIMEOUT, last, failed_at)
            attempts += 1
            amounts = self.hop_amounts(path, amount_msat)
            failed = self._first_short_hop(path, amounts)
            mission.learn(self.graph, path, amounts, failed, now)
            if failed < 0:
                self._finish(path, amounts)
                return Outcome(True, amounts[0] - amount_msat, path, attempts)
            last, failed_at = K.TEMPORARY_CHANNEL_FAILURE, self.graph.edge_from[failed]

    def _plan(
        self, source: int, target: int, amount: int, excluded: set[int], pinned: tuple[int, int] | None
    ) -> list[int] | None:
        """A route using only what the sender knows, or None."""
        if pinned is not None:
            first, last = pinned
            if first in excluded or last in excluded:
                return None
            g = self.graph
            # The middle of the route may not pass through a pinned end again
            # (for a circular route: not through the sender).
            ban = set(excluded)
            for end, fixed in ((source, first), (target, last)):
                if fixed >= 0:
                    ban |= set(g.out_edges[end]) | {e ^ 1 for e in g.out_edges[end]}
            start = g.edge_to[first] if first >= 0 else source
            stop = g.edge_from[last] if last >= 0 else target
            rest = [] if start == stop else self.router.route(start, stop, amount, frozenset(ban))
            if rest is None:
                return None
            return [*([first] if first >= 0 else []), *rest, *([last] if last >= 0 else [])]
        # Own channels that lack the balance are left out lazily, when a route picks
        # one (``_unusable``): the same final route as excluding them all up front,
        # but cached trees stay valid while the sender's other channels change.
        return self.router.route(source, target, amount, frozenset(excluded))

    def _outbound(self, source: int, first_edge: int) -> int:
        """What the sender could send over all its allowed channels together.

        LND says "insufficient balance" only when this total is short; when
        no single channel can carry the amount it finds "no route" instead.
        """
        edges = [first_edge] if first_edge >= 0 else self.graph.out_edges[source]
        return sum(max(self.spendable(e), 0) for e in edges)

    def _unusable(self, path: list[int], amounts: list[int]) -> int:
        """An edge the sender knows cannot carry its amount (policy, or own balance), else -1."""
        g = self.graph
        for e, amount in zip(path, amounts):
            if not g.min_htlc[e] <= amount <= g.max_htlc[e]:
                return e
        if self.spendable(path[0]) < amounts[0]:
            return path[0]
        return -1

    def _first_short_hop(self, path: list[int], amounts: list[int]) -> int:
        """The first edge whose sending side cannot forward its amount, else -1."""
        balances, hold = self.balances, self.graph.hold_msat
        for e, amount in zip(path, amounts):
            if balances[e] - hold[e] < amount:
                return e
        return -1

    def _finish(self, path: list[int], amounts: list[int]) -> None:
        """Settle a payment that got through, or lock it when it is held."""
        balances = self.balances
        for e, amount in zip(path, amounts):
            balances[e] -= amount
            if not self._hold:
                balances[e ^ 1] += amount

    def settle_held(self, path: list[int], amounts: list[int]) -> None:
        """Complete a held payment: each hop's locked amount reaches the other side."""
        for e, amount in zip(path, amounts):
            self.balances[e ^ 1] += amount

    def cancel_held(self, path: list[int], amounts: list[int]) -> None:
        """Cancel a held payment: each hop's locked amount goes back to its sender."""
        for e, amount in zip(path, amounts):
            self.balances[e] += amount
