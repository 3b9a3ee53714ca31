"""Submarine swaps on live LND: the swap server is one of the scenario's lnd nodes.

The same rules as the twin (``lngym/network/sim/swaps.py``), carried out with
real payments, hold invoices and transactions on btcd that lngym mines:

- Loop Out: the server adds a hold invoice for amount + server fee whose preimage
  only it knows; ``node`` pays it (out through the swap's channel if given) and
  the HTLC is held (invoice ACCEPTED, payment IN_FLIGHT). The server then sends
  amount − miner fee on-chain to a fresh address of ``node``. When that has its
  confirmations the server settles: the payment succeeds. If the server cannot
  send, it cancels the invoice and the held HTLC goes back: nothing is lost.
- Loop In: ``node`` sends the amount on-chain to the server (paying LND's miner
  fee). When that confirms, the server pays an invoice of ``node`` for amount −
  server fee (in through the swap's channel if given); if no route carries it,
  the server refunds amount − miner fee on-chain.

A swap whose finishing call fails because a node is down stays pending and is
tried again at the next ``mine``: a held HTLC survives a restart of lnd.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace

from lngym.errors import NodeError
from lngym.lnd.invoices import new_preimage
from lngym.lnd.protos import lightning_pb2
from lngym.network import failures, limits
from lngym.network.base import FAILED, SUCCEEDED, SWAP_OUT, PaymentRequest, SwapResult
from lngym.network.native.cluster_view import ClusterView
from lngym.network.native.payments import result_from_payment
from lngym.scenario import SwapService
from lngym.wait import WaitTimeout, wait_until

#: Seconds a swap's off-chain leg may take to reach the server (route search and HTLC).
ACCEPT_TIMEOUT_S = 60.0
#: Seconds for LND to settle a payment or pay an invoice at the end of a swap.
FINISH_TIMEOUT_S = 60
#: Seconds for every node to see newly mined blocks.
SYNC_TIMEOUT_S = 60.0
#: Seconds between two looks at the nodes' heights (and at a swap's invoice) while waiting.
SYNC_POLL_S = 0.01


@dataclass
class _Pending:
    """A started live swap and what finishing it needs."""

    result: SwapResult
    due_height: int
    preimage: bytes = b""
    stream: object | None = None  # the payer's PaymentStream of a Loop Out


class NativeSwapDesk:
    """Swaps in flight on live LND (a native or an attached network), finished as lngym mines blocks."""

    def __init__(self, cluster: ClusterView) -> None:
        self.cluster = cluster
        self.pending: list[_Pending] = []
        self._ids = itertools.count(1)

    @property
    def service(self) -> SwapService:
        assert self.cluster.scenario.swap is not None  # Network checked it before calling
        return self.cluster.scenario.swap

    def held_hashes(self) -> set[bytes]:
        """Payment hashes of the Loop Out HTLCs the server holds until their on-chain leg confirms."""
        return {hashlib.sha256(p.preimage).digest() for p in self.pending if p.preimage}

    def height(self) -> int:
        assert self.cluster.btcd is not None
        return self.cluster.btcd.height()

    def wallets(self) -> dict[str, int]:
        """Each node's confirmed on-chain balance, as its lnd reports it."""
        return {name: int(node.client.wallet_balance().confirmed_balance) for name, node in self.cluster.lnd.items()}

    def mine(self, blocks: int) -> list[SwapResult]:
        """Mine blocks, wait until every node has seen them, finish the swaps now due."""
        assert self.cluster.btcd is not None
        self.cluster.btcd.generate(blocks)
        height = self.cluster.btcd.height()
        behind = [node for node in self.cluster.lnd.values() if node.process.is_running()]

        def everyone_synced() -> bool:
            behind[:] = [node for node in behind if node.client.get_info().block_height < height]
            return not behind

        def alive() -> None:
            for node in behind:
                node.process.check_alive()

        # All the nodes still behind, polled together every SYNC_POLL_S (one node after
        # another, 50 ms apart, could add up to 50 ms per node to every mined block).
        try:
            wait_until(everyone_synced, SYNC_TIMEOUT_S, f"every node to see block {height}", alive,
                       interval=SYNC_POLL_S)
        except WaitTimeout as exc:
            raise WaitTimeout(f"{exc} (still behind: {', '.join(node.name for node in behind)})") from None
        ended: list[SwapResult] = []
        waiting: list[_Pending] = []
        for pending in self.pending:
            finished = self._finish(pending, height) if pending.due_height <= height else None
            if finished is None:
                waiting.append(pending)
            else:
                ended.append(finished)
        self.pending = waiting
        return ended

    def cancel_all(self) -> None:
        """Drop every swap in flight, cancelling held HTLCs so no liquidity stays locked.

        Coins already sent on-chain stay where they went; the reset that calls
        this then puts the wallets back (``WalletKeeper``).
        """
        server = self.cluster.node(self.service.server).client if self.pending else None
        for pending in self.pending:
            if pending.preimage and server is not None:
                server.cancel_invoice(hashlib.sha256(pending.preimage).digest())
                pending.stream.result(FINISH_TIMEOUT_S)  # type: ignore[attr-defined]
        self.pending = []

    def start(self, kind: str, node: str, amount_sat: int, channel: int | None) -> SwapResult:
        """Start a checked swap: pending, or failed at once with nothing moved."""
        service = self.service
        height = self.height()
        base = SwapResult(
            sender=node if kind == SWAP_OUT else service.server,
            receiver=service.server if kind == SWAP_OUT else node,
            amount_sat=amount_sat, success=False, kind=kind, description=f"{kind} {node} {amount_sat}",
            swap_id=f"live-{next(self._ids)}", node=node, channel=channel,
            server_fee_sat=service.server_fee_sat(amount_sat), miner_fee_sat=service.miner_fee_sat,
            started_height=height,
        )
        try:
            if kind == SWAP_OUT:
                return self._start_out(base, height)
            return self._start_in(base, height)
        except NodeError as exc:
            return _failed(base, failures.from_node_error(exc), str(exc), height)

    # -- Loop Out ---------------------------------------------------------------------------
    def _start_out(self, base: SwapResult, height: int) -> SwapResult:
        server = self.cluster.node(self.service.server).client
        payer = self.cluster.node(base.node).client
        preimage, payment_hash = new_preimage()
        owed = base.amount_sat + base.server_fee_sat
        invoice = server.add_hold_invoice(payment_hash, owed, base.description)
        fields: dict[str, object] = {"payment_request": invoice.payment_request,
                                     "fee_limit_sat": limits.default_fee_limit_sat(owed)}
        if base.channel is not None:
            fields["outgoing_chan_ids"] = [self.cluster.channel_records[base.channel].chan_id]
        stream = payer.start_payment(**fields)
        wait_until(lambda: _held_or_over(server, payment_hash, stream.state), ACCEPT_TIMEOUT_S,
                   f"the {base.kind} payment of {base.node} to reach the server", interval=SYNC_POLL_S)
        if stream.state == "FAILED":
            server.cancel_invoice(payment_hash)
            failed = result_from_payment(stream.latest, _request(base), 0.0, self.cluster.name_of, base.kind)
            return _failed(base, failed.failure_reason, failed.failure_detail, height)
        held = replace(base, route=_route_of(stream.latest, base.node, self.cluster.name_of))
        try:
            server.send_coins(payer.new_address(), base.amount_sat - base.miner_fee_sat,
                              label=f"lngym {base.swap_id}")
        except NodeError as exc:
            server.cancel_invoice(payment_hash)  # the held HTLC goes back to the payer
            return _failed(held, failures.SWAP_REFUSED, f"the server could not pay on-chain: {exc}", height)
        self.pending.append(_Pending(held, height + self.service.confirmations, preimage, stream))
        return held

    def _finish_out(self, pending: _Pending, height: int) -> SwapResult:
        server = self.cluster.node(self.service.server).client
        server.settle_invoice(pending.preimage)
        payment = pending.stream.result(FINISH_TIMEOUT_S)  # type: ignore[attr-defined]
        routing = payment.fee_msat
        result = pending.result
        total = routing + (result.server_fee_sat + result.miner_fee_sat) * 1000
        return replace(result, success=True, status=SUCCEEDED, fee_msat=total, finished_height=height,
                       attempts=len(payment.htlcs))

    # -- Loop In ----------------------------------------------------------------------------
    def _start_in(self, base: SwapResult, height: int) -> SwapResult:
        server = self.cluster.node(self.service.server).client
        payer = self.cluster.node(base.node).client
        txid = payer.send_coins(server.new_address(), base.amount_sat, label=f"lngym {base.swap_id}")
        miner_fee = int(payer.transaction(txid).total_fees)
        started = replace(base, miner_fee_sat=miner_fee)
        self.pending.append(_Pending(started, height + self.service.confirmations))
        return started

    def _finish_in(self, pending: _Pending, height: int) -> SwapResult:
        result = pending.result
        server = self.cluster.node(self.service.server)
        receiver = self.cluster.node(result.node)
        invoice = receiver.client.add_invoice(result.amount_sat - result.server_fee_sat, result.description)
        fields: dict[str, object] = {"payment_request": invoice.payment_request,
                                     "fee_limit_sat": limits.default_fee_limit_sat(result.amount_sat)}
        if result.channel is not None:
            record = self.cluster.channel_records[result.channel]
            peer = record.b if record.a == result.node else record.a
            fields["last_hop_pubkey"] = bytes.fromhex(self.cluster.node(peer).pubkey)
        payment = server.client.send_payment(timeout_s=FINISH_TIMEOUT_S, **fields)
        paid = result_from_payment(payment, _request(result), 0.0, self.cluster.name_of, result.kind)
        ended = replace(result, route=paid.route, attempts=paid.attempts, finished_height=height)
        if paid.success:
            return replace(ended, success=True, status=SUCCEEDED,
                           fee_msat=(result.server_fee_sat + result.miner_fee_sat) * 1000)
        refund = result.amount_sat - self.service.miner_fee_sat
        server.client.send_coins(receiver.client.new_address(), refund, label=f"lngym refund {result.swap_id}")
        return replace(ended, status=FAILED, failure_reason=paid.failure_reason,
                       failure_detail=f"refunded {refund:,} sat on-chain; {paid.failure_detail}".rstrip("; "),
                       server_fee_sat=0, miner_fee_sat=result.miner_fee_sat + self.service.miner_fee_sat,
                       fee_msat=(result.miner_fee_sat + self.service.miner_fee_sat) * 1000)

    def _finish(self, pending: _Pending, height: int) -> SwapResult | None:
        """The ended swap, or None if a node it needs is down (it is tried again later)."""
        try:
            if pending.result.kind == SWAP_OUT:
                return self._finish_out(pending, height)
            return self._finish_in(pending, height)
        except NodeError:
            return None


def _held_or_over(server: object, payment_hash: bytes, payment_state: str) -> bool:
    """The server holds the HTLC, or the payment has failed."""
    if payment_state == "FAILED":
        return True
    invoice = server.lookup_invoice(payment_hash)  # type: ignore[attr-defined]
    return bool(invoice.state == lightning_pb2.Invoice.ACCEPTED)


def _request(result: SwapResult) -> PaymentRequest:
    return PaymentRequest(result.sender, result.receiver, result.amount_sat, result.description)


def _route_of(payment: object, sender: str, name_of: object) -> tuple[str, ...]:
    """The route of a payment's last HTLC attempt, as node names from the sender on."""
    htlcs = list(payment.htlcs)  # type: ignore[attr-defined]
    if not htlcs:
        return ()
    return (sender, *(name_of(hop.pub_key) for hop in htlcs[-1].route.hops))  # type: ignore[operator]


def _failed(base: SwapResult, reason: str, detail: str, height: int) -> SwapResult:
    return replace(base, status=FAILED, failure_reason=reason, failure_detail=detail, finished_height=height,
                   server_fee_sat=0, miner_fee_sat=0)
