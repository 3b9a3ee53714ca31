"""LND's mission control and path search, for a twin that picks the routes live LND picks.

The fast router (``router.py``) ranks routes by fixed additive weights, which is
right on a graph LND knows nothing about but not on one it has paid through:
after every attempt LND's mission control records which node pairs forwarded
which amounts (success) and which failed (for a while, amounts at least that
large are avoided), and its path search weighs each route by
``fees + time-lock risk + attempt cost / probability``, with probabilities from
that history. On the seed, where several routes cost the same fee, that history
decides which one is taken, and a failure keeps a pair out of later routes for
about a minute and a half — both change outcomes and balances. This module
repeats LND's rules (routing/missioncontrol_state.go, probability_apriori.go,
result_interpretation.go, pathfind.go) in plain Python; it costs a search per
payment, so it is meant for small graphs such as the twin of a live network.

Ties that LND breaks by Go's random map order are broken here by edge order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from lngym.network.sim import constants as K
from lngym.network.sim.graph import ChannelGraph

#: Stands for "never failed", LND's zero FailTime.
NEVER = float("-inf")


@dataclass
class PairResult:
    """What mission control last learned about one directed node pair (amounts in msat)."""

    fail_time: float = NEVER
    fail_amt: int = 0
    success_amt: int = 0


class MissionControl:
    """What one sending node has learned: per directed node pair, the largest amount
    forwarded and the last failure. Every LND node keeps its own, from its own payments."""

    def __init__(self) -> None:
        self.results: dict[int, dict[int, PairResult]] = {}

    def record(self, frm: int, to: int, amount: int, success: bool, now: float) -> None:
        """LND's setLastPairResult: a success raises the success amount, a failure sets the failure."""
        current = self.results.setdefault(frm, {}).setdefault(to, PairResult())
        if success:
            current.success_amt = max(current.success_amt, amount)
            if current.fail_time != NEVER and amount >= current.fail_amt:
                current.fail_amt = amount + 1
            return
        if amount > current.fail_amt and now - current.fail_time < K.MIN_FAILURE_RELAX_S:
            return  # a higher failure just after a lower one tells nothing new
        current.fail_time, current.fail_amt = now, amount
        if amount <= current.success_amt:
            current.success_amt = amount - 1 if amount else 0

    def probability(self, frm: int, to: int, amount: int, capacity: int, now: float, local: bool) -> float:
        """Chance that ``frm`` forwards ``amount`` msat to ``to`` (the apriori estimator)."""
        results = self.results.get(frm, {})
        if local:  # LocalPairProbability: own channels, judged for any amount
            node_p, amount = K.PREV_SUCCESS_PROBABILITY, 1 << 62
        else:
            node_p = self._node_probability(results, amount, capacity, now)
        pair = results.get(to)
        if pair is None:
            return node_p
        if amount <= pair.success_amt:
            return K.PREV_SUCCESS_PROBABILITY
        if pair.fail_time == NEVER or amount < pair.fail_amt:
            return node_p
        return node_p * (1.0 - _penalty_weight(now - pair.fail_time))

    @staticmethod
    def _node_probability(results: dict[int, PairResult], amount: int, capacity: int, now: float) -> float:
        """The a priori probability blended with what this node's other pairs did."""
        apriori = K.HOP_PROBABILITY * _capacity_factor(amount, capacity)
        if not results:
            return apriori
        factor = 1.0 / (1.0 - K.APRIORI_WEIGHT) - 1.0
        total, weight = apriori * factor, factor
        for pair in results.values():
            if amount <= pair.success_amt:
                weight += 1.0
                total += K.PREV_SUCCESS_PROBABILITY
            elif pair.fail_time != NEVER and amount >= pair.fail_amt:
                weight += _penalty_weight(now - pair.fail_time)
        return total / weight

    def learn(self, graph: ChannelGraph, path: list[int], amounts: list[int], failed: int, now: float) -> None:
        """Record one attempt: every hop a success, or the hops before ``failed`` and its failure."""
        frm, to = graph.edge_from, graph.edge_to
        for e, amount in zip(path, amounts):
            if e == failed:
                self.record(frm[e], to[e], amount, False, now)
                return
            self.record(frm[e], to[e], amount, True, now)


def _penalty_weight(age_s: float) -> float:
    """How much of a failure's penalty is left after ``age_s`` seconds (halves every hour)."""
    return 2.0 ** (-age_s / K.PENALTY_HALF_LIFE_S)


def _capacity_factor(amount: int, capacity: int) -> float:
    """LND's fall-off of the a priori probability for amounts near the capacity (msat)."""
    if amount > capacity:
        return 0.0
    exponent = -(amount - K.CAPACITY_FRACTION * capacity) / (K.CAPACITY_SMEARING * capacity)
    if exponent > 700:  # far below the cut-off
        return 1.0
    return 1.0 - (1.0 - K.MIN_CAPACITY_FACTOR) / (1.0 + 2.718281828459045**exponent)


@dataclass
class _Label:
    """LND's nodeWithDist: the best partial route found from a node to the target."""

    dist: int
    weight: int
    amount: int  # what the node must receive to pay the rest of the route
    probability: float
    edge: int  # first edge of that partial route (-1 at the target)
    seq: int = 0  # its entry in the heap; older entries of the node are stale


class LndPathFinder:
    """LND's backward search from the target, weighing routes with the sender's mission control."""

    def __init__(self, graph: ChannelGraph) -> None:
        self.graph = graph
        self.missions: dict[int, MissionControl] = {}
        self.in_edges: list[list[int]] = [[] for _ in graph.nodes]
        for e, node in enumerate(graph.edge_to):
            self.in_edges[node].append(e)

    def route(
        self, source: int, target: int, amount: int, fee_limit: int, now: float,
        spendable: Callable[[int], int], first: int = -1, last_node: int = -1,
    ) -> list[int] | None:
        """Edges of the route LND would try, or None; ``first``/``last_node`` pin a rebalance."""
        mission = self.mission_of(source)
        attempt_cost = K.ATTEMPT_COST_MSAT + amount * K.ATTEMPT_COST_PPM // 1_000_000
        labels: dict[int, _Label] = {}
        heap: list[tuple[int, float, int, int]] = []
        pivot, label = target, _Label(0, 0, amount, 1.0, -1)
        counter = itertools.count(1)
        while True:
            for e in self.in_edges[pivot]:
                frm = self.graph.edge_from[e]
                if (frm == target and source != target) or (pivot == target and last_node >= 0 and frm != last_node):
                    continue
                found = self._relax(e, label, mission, source, amount, fee_limit, now, spendable, first,
                                    attempt_cost)
                if found is not None and _better(found, labels.get(frm)):
                    found.seq = next(counter)
                    labels[frm] = found
                    heapq.heappush(heap, (found.dist, -found.probability, found.seq, frm))
            while heap:
                _, _, seq, pivot = heapq.heappop(heap)
                if labels[pivot].seq == seq:
                    label = labels[pivot]
                    break
            else:
                return None
            if pivot == source:
                return self._path(labels, source, target)

    def mission_of(self, node: int) -> MissionControl:
        """The mission control of one sending node."""
        mission = self.missions.get(node)
        if mission is None:
            mission = self.missions[node] = MissionControl()
        return mission

    def reset(self) -> None:
        """Forget every node's history, as ResetMissionControl on each node (the live soft reset)."""
        self.missions.clear()

    def _relax(
        self, e: int, to: _Label, mission: MissionControl, source: int, amount: int, fee_limit: int, now: float,
        spendable: Callable[[int], int], first: int, attempt_cost: int,
    ) -> _Label | None:
        """LND's processEdge: the label edge ``e`` gives its sending node, or None if unusable."""
        g = self.graph
        send = to.amount
        if send - amount > fee_limit:
            return None
        frm = g.edge_from[e]
        local = frm == source
        if local:
            if (first >= 0 and e != first) or spendable(e) < send:
                return None
            fee = delta = 0
        else:
            if not g.min_htlc[e] <= send <= g.max_htlc[e]:
                return None
            fee = g.base_fee[e] + send * g.fee_ppm[e] // 1_000_000
            delta = g.cltv[e]
        p_edge = mission.probability(frm, g.edge_to[e], send, g.capacity_msat[e], now, local)
        probability = to.probability * p_edge
        if p_edge == 0.0 or probability < K.MIN_ROUTE_PROBABILITY:
            return None
        weight = to.weight + fee + send * delta * K.RISK_FACTOR_BILLIONTHS // 1_000_000_000
        dist = int(weight + attempt_cost / probability)
        return _Label(dist, weight, send + fee, probability, e)

    def _path(self, labels: dict[int, _Label], source: int, target: int) -> list[int]:
        """Follow each label's first edge from the source to the target."""
        path, node = [], source
        while True:
            e = labels[node].edge
            path.append(e)
            node = self.graph.edge_to[e]
            if node == target:
                return path


def _better(found: _Label, current: _Label | None) -> bool:
    """LND keeps the first label unless a new one is shorter, or as short and likelier."""
    if current is None:
        return True
    return found.dist < current.dist or (found.dist == current.dist and found.probability > current.probability)
