"""Route finding like LND's: cheapest by fee plus time-lock risk and a probability penalty.

LND weighs an edge by its fee, a time-lock risk charge and ``attempt cost /
probability`` with an a priori hop probability of 0.6. The twin keeps the same
ingredients but makes them additive so a compiled Dijkstra
(``scipy.sparse.csgraph``) can run them: each hop costs its fee, its risk charge
and ``attempt cost × (1/p − 1)``. That prefers short routes and, among routes of
equal length, cheap ones — what LND picks on a graph whose channels it knows
nothing about. Weights depend on the amount only a little, so they are computed
per power-of-two amount bucket and trees are cached per (source, bucket, edges
excluded), which is what makes repeated payments on a small graph cheap.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lngym.network.sim import constants as K
from lngym.network.sim.graph import ChannelGraph

#: Memory the cached shortest-path trees may use, in bytes.
CACHE_BYTES = 32 * 1024 * 1024


class Router:
    """Finds the LND-like best route between two nodes, avoiding excluded edges."""

    def __init__(self, graph: ChannelGraph) -> None:
        self.graph = graph
        n = len(graph.nodes)
        fields = graph.arrays()
        order = np.lexsort((fields["to"], fields["frm"]))
        self._csr_edge = order  # CSR position -> edge id
        self._edge_pos = np.empty_like(order)
        self._edge_pos[order] = np.arange(len(order))
        self._structure = csr_matrix(
            (np.ones(len(order)), (fields["frm"][order], fields["to"][order])), shape=(n, n)
        )
        self._structure.sort_indices()
        hop = K.ATTEMPT_COST_MSAT * (1.0 / K.HOP_PROBABILITY - 1.0)
        hop_ppm = K.ATTEMPT_COST_PPM * (1.0 / K.HOP_PROBABILITY - 1.0)
        risk = fields["cltv"] * K.RISK_FACTOR_BILLIONTHS / 1e9
        # weight(amount) = alpha + beta * amount, in CSR order.
        self._alpha = (fields["base"] + hop)[order]
        self._beta = (fields["ppm"] / 1e6 + hop_ppm / 1e6 + risk)[order]
        self._min_htlc = np.asarray(graph.min_htlc, dtype=np.float64)[order]
        self._max_htlc = np.asarray(graph.max_htlc, dtype=np.float64)[order]
        self._weights: dict[int, csr_matrix] = {}
        self._trees: OrderedDict[tuple[int, int, frozenset[int]], np.ndarray] = OrderedDict()
        self._max_trees = max(16, CACHE_BYTES // (4 * max(n, 1)))

    def route(
        self, source: int, target: int, amount_msat: int, excluded: frozenset[int]
    ) -> list[int] | None:
        """Edges of the best route from source to target, or None if there is none."""
        bucket = amount_msat.bit_length()
        key = (source, bucket, excluded)
        pred = self._trees.get(key)
        if pred is None:
            pred = self._tree(source, bucket, excluded)
            self._trees[key] = pred
            if len(self._trees) > self._max_trees:
                self._trees.popitem(last=False)
        nodes = [target]
        node = target
        while node != source:
            node = int(pred[node])
            if node < 0:
                return None
            nodes.append(node)
        pair_edge = self.graph.pair_edge
        return [pair_edge[(nodes[i], nodes[i - 1])] for i in range(len(nodes) - 1, 0, -1)]

    def _tree(self, source: int, bucket: int, excluded: frozenset[int]) -> np.ndarray:
        """Shortest-path predecessors from ``source`` for amounts in ``bucket``."""
        graph = self._weighted(bucket)
        if excluded:
            graph = graph.copy()
            graph.data[self._edge_pos[list(excluded)]] = np.inf
        _, pred = dijkstra(graph, directed=True, indices=source, return_predecessors=True)
        return pred.astype(np.int32)

    def _weighted(self, bucket: int) -> csr_matrix:
        """The graph weighted for a typical amount of the bucket (1.5 × 2^(bucket−1) msat).

        Edges whose min/max HTLC rule out every amount of the bucket are left
        out here, as LND leaves them out of its search; the payment loop catches
        the few that only rule out part of a bucket.
        """
        graph = self._weights.get(bucket)
        if graph is None:
            low, high = (2.0 ** (bucket - 1), 2.0**bucket) if bucket else (0.0, 1.0)
            graph = self._structure.copy()
            graph.data = self._alpha + self._beta * (1.5 * low)
            graph.data[(self._max_htlc < low) | (self._min_htlc >= high)] = np.inf
            self._weights[bucket] = graph
        return graph

    def clear(self) -> None:
        """Forget cached trees (after policies or the graph changed)."""
        self._trees.clear()
