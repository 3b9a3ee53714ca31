"""Submarine swaps in the twin: on-chain wallets, a chain that advances by blocks,
and the swap server's two legs with the off-chain one held until the other confirms.

Loop Out: the node's off-chain payment of amount + server fee to the server is
held in every hop (as LND holds an HTLC for a hold invoice) while the server's
on-chain payment of the amount less the miner fee confirms; then the HTLCs
settle. If the server cannot fund it, nothing moves.
Loop In: the node's on-chain payment of amount + miner fee confirms; then the
server pays the node amount − server fee off-chain; if that payment cannot be
routed the server refunds on-chain (another miner fee). The amounts follow the
scenario's ``[swap]`` table; the same rules run live (``native``).

Wallets start as ``limits.starting_wallets`` says (the scenario's funds plus
LND's anchor reserve, which a node may not spend) and are confirmed balances, as
LND reports them: coins sent to a wallet
count from the block after they were sent (so a Loop Out's coins count after one
block, before the swap ends), coins sent from it at once. An on-chain send
costs its sender its ``send_fee_sat`` (the scenario's miner fee unless calibrated
from LND's own fee, see ``calibrate``), and every later send of the same node
``change_send_fee_sat``: LND spends its largest coin, after a first send the
change it kept, a lighter input than a coin lngym funded. The Loop Out's
receiver gets the amount less the scenario's miner fee whatever the server's
send cost.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace

from lngym.network import failures, limits
from lngym.network.base import FAILED, SUCCEEDED, SWAP_OUT, SwapResult
from lngym.network.sim import constants as K
from lngym.network.sim.graph import ChannelGraph
from lngym.network.sim.payments import Outcome, PaymentEngine
from lngym.scenario import Scenario, SwapService


@dataclass
class _Pending:
    """A started swap and what finishing it needs."""

    result: SwapResult
    due_height: int
    held_path: list[int]
    held_amounts: list[int]


class SwapDesk:
    """The twin's chain height, on-chain wallets and swaps in flight."""

    def __init__(self, scenario: Scenario, graph: ChannelGraph, engine: PaymentEngine) -> None:
        self.scenario = scenario
        self.graph = graph
        self.engine = engine
        self.height = 0
        self._initial_wallets = limits.starting_wallets(scenario)
        self.wallets = dict(self._initial_wallets)
        self.pending: list[_Pending] = []
        #: Coins sent on-chain and not yet confirmed: (height they count from, node, sat).
        self.arriving: list[tuple[int, str, int]] = []
        #: The miner fee of each node's (and the server's) first on-chain send, and of every
        #: later one (missing, None: the scenario's miner fee).
        self.send_fee_sat: dict[str, int] = {}
        self.change_send_fee_sat: int | None = None
        self._have_sent: set[str] = set()
        self._ids = itertools.count(1)

    def calibrate(
        self, wallets: Mapping[str, int], height: int, send_fee_sat: Mapping[str, int],
        change_send_fee_sat: int | None = None,
    ) -> None:
        """Start from a live network's confirmed wallets and height, and charge on-chain sends
        what LND does there: per node ``send_fee_sat`` for its first, ``change_send_fee_sat``
        for each later one."""
        self._initial_wallets = {node: wallets.get(node, 0) for node in self.scenario.nodes}
        self.wallets = dict(self._initial_wallets)
        self.height = height
        self.send_fee_sat = dict(send_fee_sat)
        self.change_send_fee_sat = change_send_fee_sat

    def send_fee(self, node: str) -> int:
        """What ``node``'s next on-chain send costs it."""
        fee = self.send_fee_sat.get(node)
        if node in self._have_sent and self.change_send_fee_sat is not None:
            fee = self.change_send_fee_sat
        return self.service.miner_fee_sat if fee is None else fee

    def _pay_on_chain(self, sender: str, receiver: str, amount_sat: int) -> int:
        """``sender`` sends ``amount_sat`` to ``receiver``: it leaves at once with the fee, arrives
        a block later. Returns the fee."""
        fee = self.send_fee(sender)
        self._have_sent.add(sender)
        self.wallets[sender] -= amount_sat + fee
        self.arriving.append((self.height + 1, receiver, amount_sat))
        return fee

    @property
    def service(self) -> SwapService:
        assert self.scenario.swap is not None  # Network checked it before calling
        return self.scenario.swap

    def start(self, kind: str, node: str, amount_sat: int, channel: int | None) -> SwapResult:
        """Start a checked swap: pending, or failed at once with nothing changed."""
        service = self.service
        server_fee = service.server_fee_sat(amount_sat)
        # Loop Out: the scenario's miner fee comes off what the node receives. Loop In: the
        # node pays its own send's fee.
        miner_fee = service.miner_fee_sat if kind == SWAP_OUT else self.send_fee(node)
        base = SwapResult(
            sender=node if kind == SWAP_OUT else service.server,
            receiver=service.server if kind == SWAP_OUT else node,
            amount_sat=amount_sat, success=False, kind=kind, description=f"{kind} {node} {amount_sat}",
            swap_id=f"sim-{next(self._ids)}", node=node, channel=channel,
            server_fee_sat=server_fee, miner_fee_sat=miner_fee, started_height=self.height,
        )
        if kind == SWAP_OUT:
            return self._start_out(base)
        self._pay_on_chain(node, service.server, amount_sat)
        self.pending.append(_Pending(base, self.height + service.confirmations, [], []))
        return base

    def mine(self, blocks: int) -> list[SwapResult]:
        """Advance the chain and finish every swap whose on-chain leg has confirmed."""
        self.height += blocks
        for counts_from, node, amount in self.arriving:
            if counts_from <= self.height:
                self.wallets[node] += amount
        self.arriving = [a for a in self.arriving if a[0] > self.height]
        due = [p for p in self.pending if p.due_height <= self.height]
        self.pending = [p for p in self.pending if p.due_height > self.height]
        return [self._finish_out(p) if p.result.kind == SWAP_OUT else self._finish_in(p) for p in due]

    def reset(self) -> None:
        """Cancel swaps in flight (their held HTLCs go back) and restore the wallets."""
        for pending in self.pending:
            if pending.held_path:
                self.engine.cancel_held(pending.held_path, pending.held_amounts)
        self.pending = []
        self.arriving = []
        self._have_sent = set()
        self.wallets = dict(self._initial_wallets)

    def fork(self, engine: PaymentEngine) -> "SwapDesk":
        """A copy moving the balances of ``engine`` (a fork's), with its own wallets and swaps."""
        twin = copy.copy(self)
        twin.engine = engine
        twin.wallets = dict(self.wallets)
        twin.arriving = list(self.arriving)
        twin._have_sent = set(self._have_sent)
        twin.pending = [_Pending(p.result, p.due_height, list(p.held_path), list(p.held_amounts))
                        for p in self.pending]
        twin._ids = copy.copy(self._ids)
        return twin

    def pending_results(self) -> list[SwapResult]:
        return [p.result for p in self.pending]

    # -- the two legs -------------------------------------------------------------------------
    def _start_out(self, base: SwapResult) -> SwapResult:
        service = self.service
        spendable = limits.spendable_sat(self.scenario, service.server, self.wallets[service.server])
        if spendable < base.amount_sat:
            return self._failed(base, failures.SWAP_REFUSED,
                                f"the server {service.server} may spend {spendable:,} sat on-chain (LND keeps "
                                f"its anchor reserve), less than {base.amount_sat:,}")
        owed = (base.amount_sat + base.server_fee_sat) * K.MSAT
        pinned = (self.graph.edge_of(base.node, _other_end(self.scenario, base)), -1) if base.channel is not None else None
        outcome = self._pay(base.node, service.server, owed, pinned, hold=True)
        if not outcome.success:
            return self._failed(base, outcome.reason, outcome.last_failure, outcome)
        # The server's on-chain payment is broadcast: it confirms in the next block.
        self._pay_on_chain(service.server, base.node, base.amount_sat - base.miner_fee_sat)
        started = replace(base, route=self.graph.route_names(outcome.path), attempts=outcome.attempts,
                          fee_msat=outcome.fee_msat)
        amounts = self.engine.hop_amounts(outcome.path, owed)
        self.pending.append(_Pending(started, self.height + service.confirmations, outcome.path, amounts))
        return started

    def _finish_out(self, pending: _Pending) -> SwapResult:
        result = pending.result
        self.engine.settle_held(pending.held_path, pending.held_amounts)
        total = result.fee_msat + (result.server_fee_sat + result.miner_fee_sat) * K.MSAT
        return replace(result, success=True, status=SUCCEEDED, fee_msat=total, finished_height=self.height)

    def _finish_in(self, pending: _Pending) -> SwapResult:
        result, service = pending.result, self.service
        owed = (result.amount_sat - result.server_fee_sat) * K.MSAT
        last = self.graph.edge_of(_other_end(self.scenario, result), result.node) if result.channel is not None else -1
        outcome = self._pay(service.server, result.node, owed, (-1, last) if last >= 0 else None, hold=False)
        ended = replace(result, route=self.graph.route_names(outcome.path), attempts=outcome.attempts,
                        finished_height=self.height)
        if outcome.success:
            return replace(ended, success=True, status=SUCCEEDED,
                           fee_msat=(result.server_fee_sat + result.miner_fee_sat) * K.MSAT)
        # The server could not pay: it refunds on-chain, less the scenario's miner fee.
        refund = result.amount_sat - service.miner_fee_sat
        self._pay_on_chain(service.server, result.node, refund)
        detail = f"refunded {refund:,} sat on-chain; {outcome.last_failure}".rstrip("; ")
        miner_fee = result.miner_fee_sat + service.miner_fee_sat
        return replace(ended, status=FAILED, failure_reason=outcome.reason, failure_detail=detail,
                       fee_msat=miner_fee * K.MSAT, miner_fee_sat=miner_fee, server_fee_sat=0)

    def _pay(self, sender: str, receiver: str, amount_msat: int, pinned: tuple[int, int] | None,
             hold: bool) -> Outcome:
        ids = self.graph.node_id
        limit = limits.default_fee_limit_sat(amount_msat // K.MSAT) * K.MSAT
        return self.engine.send(ids[sender], ids[receiver], amount_msat, limit, pinned, hold=hold)

    def _failed(self, base: SwapResult, reason: str, detail: str, outcome: Outcome | None = None) -> SwapResult:
        return replace(base, status=FAILED, failure_reason=reason, failure_detail=detail,
                       finished_height=self.height, server_fee_sat=0, miner_fee_sat=0,
                       route=self.graph.route_names(outcome.path) if outcome else (),
                       attempts=outcome.attempts if outcome else 0)


def _other_end(scenario: Scenario, result: SwapResult) -> str:
    """The node at the other end of the swap's channel from the swapping node."""
    assert result.channel is not None
    spec = scenario.channels[result.channel]
    return spec.b if spec.a == result.node else spec.a
