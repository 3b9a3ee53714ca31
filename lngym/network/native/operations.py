"""Payments, rebalances, snapshots and resets on the native backend, over gRPC.

Failed payments are results, not exceptions: a dead node or an RPC error turns
into ``PaymentResult(success=False, failure_reason=...)`` naming the node, so
an env step or a simulation never dies of one broken payment. Bad input (an
unknown node, a non-positive amount, nodes without a channel) raises at once
and changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from lngym.errors import InvalidAmountError, LngymError, NetworkStateError, NodeError
from lngym.network.base import (
    REBALANCE,
    ChannelState,
    DirectedPolicy,
    Network,
    PaymentResult,
    Snapshot,
    check_amount,
    check_max_fee,
)
from lngym.network.native import bootstrap
from lngym.network.native.payments import (
    failed_result,
    keysend_fields,
    result_from_payment,
)
from lngym.network.native.state import ChannelRecord
from lngym.wait import WaitTimeout, wait_until

#: Seconds LND may spend on one payment before it gives up.
PAYMENT_TIMEOUT_S = 30
#: Default routing fee limit: a flat part plus a share of the amount.
FEE_LIMIT_BASE_SAT = 10
FEE_LIMIT_SHARE = 0.01
#: Rounds of corrective payments a soft reset tries before giving up.
RESET_ROUNDS = 3
#: Seconds a snapshot waits for both ends of every channel to agree.
SETTLE_TIMEOUT = 3.0


class NativeOperations(Network):
    """The Network operations, given ``self.lnd`` nodes and ``self.state`` channels."""

    lnd: dict[str, Any]
    state: Any

    def _index_channels(self) -> None:
        self._name_by_pubkey = {node.pubkey: name for name, node in self.lnd.items() if node.pubkey}
        self._last_snapshot: Snapshot | None = getattr(self, "_last_snapshot", None)

    @property
    def channel_records(self) -> list[ChannelRecord]:
        """The opened channels in scenario order (empty before ``up``)."""
        return list(self.state.channels) if self.state is not None else []

    def _name_of(self, pubkey: str) -> str:
        return self._name_by_pubkey.get(pubkey, pubkey[:12])

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Channel balances once both ends of every live channel agree on them.

        A payment is reported settled before the last commitment update is
        exchanged, so right after a batch one end can still show the old split;
        waiting (briefly) for both ends to agree gives observations that do not
        depend on that race. A channel with an end down is reported inactive.
        """
        if not self.channel_records:
            raise NetworkStateError("the network has no channels yet; start it first")
        try:
            self._last_snapshot = wait_until(
                self._agreed_snapshot, SETTLE_TIMEOUT, "both ends of every channel to agree",
                interval=0.01,
            )
        except WaitTimeout:
            self._last_snapshot = self._read_snapshot()[0]
        return self._last_snapshot

    def _agreed_snapshot(self) -> Snapshot | None:
        snapshot, agreed = self._read_snapshot()
        return snapshot if agreed else None

    def _read_snapshot(self) -> tuple[Snapshot, bool]:
        views: dict[str, dict[int, Any] | None] = {}
        for name in self.scenario.nodes:
            try:
                views[name] = {c.chan_id: c for c in self.lnd[name].client.list_channels()}
            except NodeError:
                views[name] = None
        states, agreed = [], True
        for record in self.channel_records:
            state, same = self._channel_state(record, views[record.a], views[record.b])
            states.append(state)
            agreed = agreed and same
        return Snapshot(tuple(states)), agreed

    def _channel_state(
        self, record: ChannelRecord, seen_a: dict[int, Any] | None, seen_b: dict[int, Any] | None
    ) -> tuple[ChannelState, bool]:
        """The channel from a's view (b's if a is down) and whether both views agree."""
        from_a = (seen_a or {}).get(record.chan_id)
        from_b = (seen_b or {}).get(record.chan_id)
        agreed = True
        if from_a is not None:
            balance_a, balance_b = from_a.local_balance, from_a.remote_balance
            active = from_a.active and from_b is not None
            if from_b is not None:
                agreed = (from_b.remote_balance, from_b.local_balance) == (balance_a, balance_b) and (
                    from_a.unsettled_balance == 0 and from_b.unsettled_balance == 0
                )
        elif from_b is not None:
            balance_a, balance_b, active = from_b.remote_balance, from_b.local_balance, False
        else:
            (balance_a, balance_b), active = self._last_known(record), False
        state = ChannelState(
            index=record.index, id=str(record.chan_id), a=record.a, b=record.b,
            capacity_sat=record.capacity, balance_a_sat=balance_a, balance_b_sat=balance_b,
            active=active,
        )
        return state, agreed

    def _last_known(self, record: ChannelRecord) -> tuple[int, int]:
        if self._last_snapshot is not None:
            last = self._last_snapshot.channels[record.index]
            return last.balance_a_sat, last.balance_b_sat
        return record.initial_a, record.initial_b

    def policies(self) -> dict[tuple[str, str], DirectedPolicy]:
        """Each direction's announced policy, keyed (from, to), as the first node's graph has it."""
        by_id = {r.chan_id: r for r in self.channel_records}
        pubkey_of = {name: node.pubkey for name, node in self.lnd.items()}
        graph = self.lnd[self.scenario.nodes[0]].client.describe_graph()
        found: dict[tuple[str, str], DirectedPolicy] = {}
        for edge in graph.edges:
            record = by_id.get(edge.channel_id)
            if record is None:
                continue
            for owner, policy in ((edge.node1_pub, edge.node1_policy), (edge.node2_pub, edge.node2_policy)):
                source = record.a if pubkey_of[record.a] == owner else record.b
                target = record.b if source == record.a else record.a
                found[(source, target)] = DirectedPolicy(
                    base_fee_msat=policy.fee_base_msat, fee_rate_ppm=policy.fee_rate_milli_msat,
                    time_lock_delta=policy.time_lock_delta, min_htlc_msat=policy.min_htlc,
                    max_htlc_msat=policy.max_htlc_msat,
                )
        return found

    # -- payments ------------------------------------------------------------------------
    def pay(
        self,
        sender: str,
        receiver: str,
        amount_sat: int,
        description: str = "",
        keysend: bool = False,
        fee_limit_sat: int | None = None,
    ) -> PaymentResult:
        """Pay ``receiver`` an invoice of ``amount_sat`` (or keysend) and wait for the outcome."""
        sender, receiver = self.scenario.node(sender), self.scenario.node(receiver)
        check_amount(amount_sat)
        if sender == receiver:
            raise InvalidAmountError(f"{sender} cannot pay itself; use rebalance() for circular payments")
        if fee_limit_sat is None:
            fee_limit_sat = FEE_LIMIT_BASE_SAT + int(amount_sat * FEE_LIMIT_SHARE)
        started = time.monotonic()
        try:
            if keysend:
                fields = keysend_fields(self.lnd[receiver].pubkey, amount_sat)
            else:
                invoice = self.lnd[receiver].client.add_invoice(amount_sat, description)
                fields = {"payment_request": invoice.payment_request}
            payment = self.lnd[sender].client.send_payment(
                timeout_s=PAYMENT_TIMEOUT_S, fee_limit_sat=fee_limit_sat, **fields
            )
        except NodeError as exc:
            elapsed = (time.monotonic() - started) * 1000
            return failed_result(sender, receiver, amount_sat, str(exc), elapsed, description)
        elapsed = (time.monotonic() - started) * 1000
        return result_from_payment(
            payment, sender, receiver, amount_sat, elapsed, self._name_of, description
        )

    def rebalance(
        self, from_node: str, to_node: str, amount_sat: int, max_fee_sat: int
    ) -> PaymentResult:
        """Circular self-payment of ``from_node``: out via the from–to channel, back via another."""
        from_node, to_node = self.scenario.node(from_node), self.scenario.node(to_node)
        record = self.channel_records[self.scenario.channel_index(from_node, to_node)]
        check_amount(amount_sat)
        if amount_sat > record.capacity:
            raise InvalidAmountError(
                f"rebalance amount {amount_sat:,} sat exceeds the {from_node}-{to_node} "
                f"capacity of {record.capacity:,} sat"
            )
        check_max_fee(max_fee_sat)
        description = f"rebalance {from_node}->{to_node}"
        started = time.monotonic()
        candidates = self._return_channels(from_node, record)
        if not candidates:
            return failed_result(from_node, to_node, amount_sat,
                                 f"{from_node} has no other channel to route the payment back",
                                 0.0, description, REBALANCE)
        result: PaymentResult | None = None
        try:
            invoice = self.lnd[from_node].client.add_invoice(amount_sat, description)
            for last_hop in candidates[:2]:
                payment = self.lnd[from_node].client.send_payment(
                    timeout_s=PAYMENT_TIMEOUT_S,
                    payment_request=invoice.payment_request,
                    outgoing_chan_ids=[record.chan_id],
                    last_hop_pubkey=bytes.fromhex(self.lnd[last_hop].pubkey),
                    allow_self_payment=True,
                    fee_limit_sat=max_fee_sat,
                )
                elapsed = (time.monotonic() - started) * 1000
                result = result_from_payment(payment, from_node, to_node, amount_sat, elapsed,
                                             self._name_of, description, REBALANCE)
                if result.success:
                    break
        except NodeError as exc:
            elapsed = (time.monotonic() - started) * 1000
            return failed_result(from_node, to_node, amount_sat, str(exc), elapsed, description, REBALANCE)
        assert result is not None
        return result

    def _return_channels(self, node: str, outgoing: ChannelRecord) -> list[str]:
        """Neighbours the payment can come back from, most inbound liquidity first."""
        snapshot = self.snapshot()  # fresh: the order must not depend on when the caller last looked
        options = []
        for state in snapshot.channels:
            if state.index == outgoing.index or node not in (state.a, state.b):
                continue
            neighbour = state.b if state.a == node else state.a
            options.append((state.balance_of(neighbour), neighbour))
        return [name for _inbound, name in sorted(options, reverse=True)]

    # -- reset --------------------------------------------------------------------------------
    def reset_balances(self, hard: bool = False) -> Snapshot:
        """Pay inside each channel until every split is the initial one (no fees: one hop).

        Nodes that died are restarted first. If the split still cannot be
        restored (a payment keeps failing) the network is rebuilt from scratch,
        which ``hard=True`` asks for directly.
        """
        if not hard:
            try:
                return self._soft_reset()
            except LngymError:
                pass
        return self._hard_reset()

    def down_nodes(self) -> list[str]:
        """Nodes whose lnd process has exited (crashed or killed)."""
        self.refresh()  # type: ignore[attr-defined]
        return [name for name, node in self.lnd.items() if not node.process.is_running()]

    def _soft_reset(self) -> Snapshot:
        for name in self.down_nodes():
            self.restart_node(name)  # type: ignore[attr-defined]
        for _round in range(RESET_ROUNDS):
            snapshot = self.snapshot()
            moves = [m for m in (self._correction(c) for c in snapshot.channels) if m is not None]
            if not moves:
                self._forget_failures()
                return snapshot
            bootstrap.parallel(moves, self._pay_inside)
        raise NetworkStateError(f"channels did not return to their initial split after {RESET_ROUNDS} rounds")

    def _correction(self, channel: ChannelState) -> tuple[str, str, int, int] | None:
        record = self.channel_records[channel.index]
        surplus = channel.balance_a_sat - record.initial_a
        if surplus > 0:
            return record.a, record.b, surplus, record.chan_id
        if surplus < 0:
            return record.b, record.a, -surplus, record.chan_id
        return None

    def _pay_inside(self, move: tuple[str, str, int, int]) -> None:
        payer, payee, amount, chan_id = move
        invoice = self.lnd[payee].client.add_invoice(amount, "lngym reset")
        payment = self.lnd[payer].client.send_payment(
            timeout_s=PAYMENT_TIMEOUT_S, payment_request=invoice.payment_request,
            outgoing_chan_ids=[chan_id], fee_limit_sat=0,
        )
        if payment.status != 2:  # lnrpc.Payment.SUCCEEDED
            raise NetworkStateError(f"{payer}: reset payment of {amount} sat to {payee} failed")

    def _forget_failures(self) -> None:
        """Clear every router's mission control so an episode does not learn from the last."""
        for node in self.lnd.values():
            node.client.reset_mission_control()

    def _hard_reset(self) -> Snapshot:
        """Stop everything and build the network again under the same home."""
        owned = getattr(self, "owned", False)
        self.down()  # type: ignore[attr-defined]
        self.up()  # type: ignore[attr-defined]
        self.owned = owned
        self._last_snapshot = None
        return self.snapshot()
