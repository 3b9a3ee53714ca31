"""The static side of the twin: nodes, directed channel edges and their policies.

Edge ``2c`` is channel ``c`` used from its scenario end ``a`` towards ``b`` and
edge ``2c + 1`` the other way, so ``e ^ 1`` is always the reverse direction and
the balance of the sending side of edge ``e`` is ``balances[e]``. Hot fields
are plain Python lists (fast to index one at a time in the payment loop); the
same fields as numpy arrays feed the vectorised route weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lngym.errors import ScenarioError
from lngym.network import limits
from lngym.network.base import DirectedPolicy
from lngym.network.sim import constants as K
from lngym.scenario import Scenario

#: Policies keyed by direction: (forwarding node, next node).
PolicyMap = Mapping[tuple[str, str], DirectedPolicy]


class ChannelGraph:
    """Nodes, edges, capacities, holdbacks and policies of one scenario."""

    def __init__(self, scenario: Scenario, policies: PolicyMap | None = None) -> None:
        self.scenario = scenario
        self.nodes: tuple[str, ...] = scenario.nodes
        self.node_id = {name: i for i, name in enumerate(self.nodes)}
        self.n_channels = len(scenario.channels)
        self._build_edges(scenario)
        self._apply_policies(policies or {})

    def _build_edges(self, scenario: Scenario) -> None:
        """Ends, capacities and the amount each side can never spend."""
        frm: list[int] = []
        to: list[int] = []
        cap: list[int] = []
        hold: list[int] = []
        for spec in scenario.channels:
            a, b = self.node_id[spec.a], self.node_id[spec.b]
            reserve = limits.reserve_sat(spec.capacity_sat) * K.MSAT
            frm += [a, b]
            to += [b, a]
            cap += [spec.capacity_sat * K.MSAT] * 2
            # The opener (a) also keeps LND's fee buffer for the HTLC it adds.
            hold += [reserve + K.opener_fee_buffer_sat() * K.MSAT, reserve]
        self.edge_from, self.edge_to, self.capacity_msat, self.hold_msat = frm, to, cap, hold
        self.out_edges: list[list[int]] = [[] for _ in self.nodes]
        for e, node in enumerate(frm):
            self.out_edges[node].append(e)
        self.pair_edge = {(f, t): e for e, (f, t) in enumerate(zip(frm, to))}

    def _apply_policies(self, policies: PolicyMap) -> None:
        """Per-direction policy fields: given ones, else what the forwarding node announces.

        A direction's fee is charged by the node it leaves, so without a given
        policy edge ``f -> t`` takes ``f``'s policy from the scenario ([policy]
        merged with [policy.nodes.f]), which is what ``f``'s lnd announces live.
        """
        names = self.nodes
        known = set(self.pair_edge)
        for (f, t) in policies:
            if (self.node_id.get(f), self.node_id.get(t)) not in known:
                raise ScenarioError(f"policy given for {f}->{t}, which is not a channel direction")
        announced = [self._announced(name) for name in names]
        chosen = [
            policies.get((names[f], names[t]), announced[f])
            for f, t in zip(self.edge_from, self.edge_to)
        ]
        self.policies = chosen
        self.base_fee = [p.base_fee_msat for p in chosen]
        self.fee_ppm = [p.fee_rate_ppm for p in chosen]
        self.cltv = [p.time_lock_delta for p in chosen]
        self.min_htlc = [p.min_htlc_msat for p in chosen]
        self.max_htlc = [
            K.max_htlc_msat(p, cap // K.MSAT) for p, cap in zip(chosen, self.capacity_msat)
        ]

    def _announced(self, node: str) -> DirectedPolicy:
        """The twin's policy for a node's outgoing directions, from its scenario policy.

        Looked up in ``node_policies`` directly rather than through ``policy_of``,
        whose name check scans the node tuple: on the 6,006-node LN snapshot that
        would be quadratic.
        """
        fee = self.scenario.node_policies.get(node, self.scenario.policy)
        return DirectedPolicy(
            base_fee_msat=fee.base_fee_msat,
            fee_rate_ppm=fee.fee_rate_ppm,
            time_lock_delta=fee.time_lock_delta,
        )

    def initial_balances_msat(self) -> list[int]:
        """Both sides of every channel right after opening with the scenario's split."""
        holdback = K.opener_holdback_sat()
        balances: list[int] = []
        for spec in self.scenario.channels:
            pushed = spec.push_sat
            balances += [(spec.capacity_sat - pushed - holdback) * K.MSAT, pushed * K.MSAT]
        if min(balances) < 0:
            raise ScenarioError(
                f"scenario {self.scenario.name!r}: a channel is too small for the opener "
                f"to pay {holdback} sat of commitment fee and anchors"
            )
        return balances

    def arrays(self) -> dict[str, np.ndarray]:
        """Edge fields as numpy arrays, for computing all route weights at once."""
        return {
            "frm": np.asarray(self.edge_from, dtype=np.int64),
            "to": np.asarray(self.edge_to, dtype=np.int64),
            "base": np.asarray(self.base_fee, dtype=np.float64),
            "ppm": np.asarray(self.fee_ppm, dtype=np.float64),
            "cltv": np.asarray(self.cltv, dtype=np.float64),
        }

    def route_names(self, path: list[int]) -> tuple[str, ...]:
        """The nodes a path of edges visits, from its sender on (empty for no path)."""
        if not path:
            return ()
        return (self.nodes[self.edge_from[path[0]]], *(self.nodes[self.edge_to[e]] for e in path))

    def edge_of(self, from_node: str, to_node: str) -> int:
        """The directed edge from one node to a neighbour."""
        key = (self.node_id[from_node], self.node_id[to_node])
        if key not in self.pair_edge:
            raise ScenarioError(
                f"scenario {self.scenario.name!r} has no channel between {from_node} and {to_node}"
            )
        return self.pair_edge[key]
