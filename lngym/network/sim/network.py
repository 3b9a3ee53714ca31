"""``Sim``: the in-process twin of a Lightning network behind the Network interface."""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from lngym.network import failures
from lngym.network.base import (
    PAYMENT,
    REBALANCE,
    ChannelState,
    DirectedPolicy,
    Network,
    NodeInfo,
    PaymentRequest,
    PaymentResult,
    Snapshot,
    SwapResult,
)
from lngym.network.sim import constants as K
from lngym.network.sim.graph import ChannelGraph, PolicyMap
from lngym.network.sim.payments import Outcome, PaymentEngine
from lngym.network.sim.swaps import SwapDesk
from lngym.scenario import Scenario


class Sim(Network):
    """Channels, fees, reserves and LND-like routing, simulated in integer msat.

    Deterministic: the same start state and the same calls give the same
    results, so it needs no seed. ``start``/``stop`` only mark it usable.
    """

    in_process = True

    def __init__(
        self,
        scenario: Scenario,
        policies: PolicyMap | None = None,
        balances_msat: Sequence[int] | None = None,
        mission_control: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """``mission_control`` routes like LND with its memory of past attempts (slower;
        what a twin of a live network needs), timed by ``clock`` (default: a virtual
        clock advancing ``SECONDS_PER_PAYMENT`` per payment, so runs stay deterministic)."""
        super().__init__(scenario)
        self.graph = ChannelGraph(scenario, policies)
        initial = list(balances_msat) if balances_msat is not None else self.graph.initial_balances_msat()
        if len(initial) != 2 * self.graph.n_channels or min(initial, default=0) < 0:
            raise ValueError("balances_msat needs two non-negative balances (a's, b's) per channel")
        self._initial = initial
        self.engine = PaymentEngine(self.graph, initial, mission_control, clock)
        self.swaps = SwapDesk(scenario, self.graph, self.engine)
        self.running = True

    @classmethod
    def from_snapshot(
        cls, scenario: Scenario, snapshot: Snapshot, policies: PolicyMap | None = None,
        mission_control: bool = False,
    ) -> Sim:
        """A twin whose channels start exactly as in ``snapshot`` (e.g. of a live network)."""
        if len(snapshot.channels) != len(scenario.channels):
            raise ValueError(
                f"snapshot has {len(snapshot.channels)} channels, scenario has {len(scenario.channels)}"
            )
        balances: list[int] = []
        for spec, state in zip(scenario.channels, snapshot.channels):
            if (state.a, state.b) != (spec.a, spec.b):
                raise ValueError(f"snapshot channel {state.index} is {state.a}-{state.b}, not {spec.a}-{spec.b}")
            balances += [state.balance_a_sat * K.MSAT, state.balance_b_sat * K.MSAT]
        return cls(scenario, policies=policies, balances_msat=balances, mission_control=mission_control)

    @classmethod
    def from_network(
        cls, network: Network, policies: PolicyMap | None = None, mission_control: bool = True,
        send_fee_sat: Mapping[str, int] | None = None, change_send_fee_sat: int | None = None,
    ) -> Sim:
        """A twin of a running network: its snapshot and the policies it reports, and with a
        swap server its confirmed wallets and chain height too.

        The twin routes with LND's mission control by default, since matching the
        live network's choices is what it is for (``benchmarks/fidelity.py``).
        ``send_fee_sat`` is what each node's first on-chain send costs there (LND's
        fee at its rate; a node not in it, or None: the scenario's ``miner_fee_sat``),
        ``change_send_fee_sat`` each later one (see ``SwapDesk``).
        """
        if policies is None:
            policies = network.policies()
        twin = cls.from_snapshot(
            network.scenario, network.snapshot(), policies=policies, mission_control=mission_control
        )
        if network.scenario.swap is not None:
            twin.swaps.calibrate(network.wallet_balances(), network.height(), send_fee_sat or {},
                                 change_send_fee_sat)
        return twin

    # -- Network interface ----------------------------------------------------------------
    def start(self) -> None:
        """Nothing to launch: mark the twin usable."""
        self.running = True

    def stop(self) -> None:
        """Mark the twin stopped; calls then raise until ``start``."""
        self.running = False

    def is_started(self) -> bool:
        return self.running

    def nodes(self) -> list[NodeInfo]:
        """Every node, always alive, with a stable made-up pubkey."""
        return [
            NodeInfo(name=n, pubkey="02" + hashlib.sha256(n.encode()).hexdigest()) for n in self.graph.nodes
        ]

    def _snapshot(self) -> Snapshot:
        """Channel states in scenario order (balances in whole sat, rounded down like LND)."""
        bal = self.engine.balances
        return Snapshot(
            channels=tuple(
                ChannelState(
                    index=c,
                    id=f"sim:{c}",
                    a=spec.a,
                    b=spec.b,
                    capacity_sat=spec.capacity_sat,
                    balance_a_sat=bal[2 * c] // K.MSAT,
                    balance_b_sat=bal[2 * c + 1] // K.MSAT,
                    active=True,
                )
                for c, spec in enumerate(self.scenario.channels)
            )
        )

    def balance_ratios(self) -> np.ndarray:
        """Share of each channel's capacity on its ``a`` side, without building a Snapshot."""
        self._require_started("balance_ratios")
        bal = np.asarray(self.engine.balances[0::2], dtype=np.float64)
        return bal / np.asarray(self.graph.capacity_msat[0::2], dtype=np.float64)

    def _policies(self) -> dict[tuple[str, str], DirectedPolicy]:
        """The policy the twin routes each direction with, keyed (from, to)."""
        g = self.graph
        return {
            (g.nodes[f], g.nodes[t]): policy
            for f, t, policy in zip(g.edge_from, g.edge_to, g.policies)
        }

    def _pay(self, request: PaymentRequest, keysend: bool, fee_limit_sat: int) -> PaymentResult:
        """Route and settle one payment; a failure comes back as a result, never raised.

        ``keysend`` routes exactly like an invoice payment here, as it does in
        LND: the two differ only in who makes the preimage, which the twin does
        not model (every lnd of the native backend accepts keysend).
        """
        started = time.perf_counter()
        ids = self.graph.node_id
        outcome = self.engine.send(
            ids[request.sender], ids[request.receiver], request.amount_sat * K.MSAT, fee_limit_sat * K.MSAT
        )
        return self._result(request, outcome, started, PAYMENT)

    def _rebalance(self, from_node: str, to_node: str, channel: int, amount_sat: int, max_fee_sat: int) -> PaymentResult:
        """Circular payment of ``from_node``: out to ``to_node``, back through another channel."""
        started = time.perf_counter()
        request = PaymentRequest(from_node, to_node, amount_sat, f"rebalance {from_node}->{to_node}")
        first = self.graph.edge_of(from_node, to_node)
        last_hops = self._return_edges(first)
        if not last_hops:
            outcome = Outcome(False, 0, [], 0, failures.NO_RETURN_PATH,
                              f"{from_node} has no other channel to route the payment back")
        node = self.graph.node_id[from_node]
        for last in last_hops[: K.REBALANCE_LAST_HOPS]:
            outcome = self.engine.send(node, node, amount_sat * K.MSAT, max_fee_sat * K.MSAT, (first, last))
            if outcome.success:
                break
        return self._result(request, outcome, started, REBALANCE)

    def _height(self) -> int:
        return self.swaps.height

    def _mine(self, blocks: int) -> list[SwapResult]:
        return self.swaps.mine(blocks)

    def _wallet_balances(self) -> dict[str, int]:
        return dict(self.swaps.wallets)

    def _pending_swaps(self) -> list[SwapResult]:
        return self.swaps.pending_results()

    def _swap(self, kind: str, node: str, amount_sat: int, channel: int | None) -> SwapResult:
        return self.swaps.start(kind, node, amount_sat, channel)

    def _return_edges(self, first: int) -> list[int]:
        """Edges back into the sender other than ``first``'s channel, most inbound first (as live)."""
        g, balances = self.graph, self.engine.balances
        back = [e ^ 1 for e in g.out_edges[g.edge_from[first]] if e != first]
        return sorted(back, key=lambda e: (balances[e] // K.MSAT, g.nodes[g.edge_from[e]]), reverse=True)

    def fork(self) -> Sim:
        """An independent twin in exactly this one's state — balances, wallets, height, swaps in
        flight — for lookahead search: what the fork does never shows here. It shares the
        read-only graph and the route cache, and has no observers. Mission control's memory
        is copied: the fork learns from its own attempts only."""
        twin = copy.copy(self)
        twin._observers = []
        twin._ended_swaps = copy.copy(self._ended_swaps)
        twin.engine = copy.copy(self.engine)
        twin.engine.balances = list(self.engine.balances)
        if self.engine.finder is not None:
            twin.engine.finder = copy.copy(self.engine.finder)
            twin.engine.finder.missions = copy.deepcopy(self.engine.finder.missions)
        twin.swaps = self.swaps.fork(twin.engine)
        return twin

    def load_balances(self, snapshot: Snapshot) -> None:
        """Take every channel's balances from ``snapshot`` (e.g. a live one), keeping what
        mission control has learned; for comparing one step at a time from the same state."""
        balances = self.engine.balances
        for c, state in enumerate(snapshot.channels):
            balances[2 * c], balances[2 * c + 1] = state.balance_a_sat * K.MSAT, state.balance_b_sat * K.MSAT

    def _reset_balances(self, hard: bool) -> Snapshot:
        """Restore the initial split exactly and forget past attempts, as the live reset does;
        ``hard`` also forgets cached routes."""
        self.swaps.reset()
        self.engine.balances[:] = self._initial
        if self.engine.finder is not None:
            self.engine.finder.reset()
        if hard:
            self.engine.router.clear()
        return self.snapshot()

    # -- helpers --------------------------------------------------------------------------
    def _result(self, request: PaymentRequest, outcome: Outcome, started: float, kind: str) -> PaymentResult:
        """A PaymentResult worded like the live backend's (category, and the last attempt's cause)."""
        detail = outcome.last_failure
        if detail and outcome.failed_at >= 0:
            detail = f"last attempt: {detail} at {self.graph.nodes[outcome.failed_at]}"
        return PaymentResult(
            sender=request.sender,
            receiver=request.receiver,
            amount_sat=request.amount_sat,
            success=outcome.success,
            fee_msat=outcome.fee_msat,
            route=self.graph.route_names(outcome.path),
            attempts=outcome.attempts,
            duration_ms=(time.perf_counter() - started) * 1000,
            failure_reason=outcome.reason,
            failure_detail=detail,
            description=request.description,
            kind=kind,
        )
