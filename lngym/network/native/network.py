"""The native backend: the Network interface over btcd and lnd processes, via gRPC.

Failed payments are results, not exceptions: a dead node or an RPC error turns
into ``PaymentResult(success=False, failure_reason=...)`` naming the node, so
an env step or a simulation never dies of one broken payment. Bad input is
refused by ``Network`` before anything here runs. The processes themselves —
ports, state file, lifecycle — belong to ``NativeCluster``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from lngym.errors import NetworkStateError, NodeError
from lngym.network import failures
from lngym.network.base import (
    REBALANCE,
    ChannelState,
    DirectedPolicy,
    ManagedNetwork,
    NodeInfo,
    PaymentRequest,
    PaymentResult,
    Snapshot,
    SwapResult,
)
from lngym.network.native import bootstrap
from lngym.network.native.cluster import NativeCluster
from lngym.network.native.payments import (
    failed_result,
    keysend_fields,
    result_from_payment,
)
from lngym.network.native.runtime import Runtime
from lngym.network.native.snapshot import SnapshotReader
from lngym.network.native.state import ChannelRecord
from lngym.network.native.swaps import NativeSwapDesk
from lngym.network.native.wallets import WalletKeeper
from lngym.scenario import Scenario

#: Seconds LND may spend on one payment before it gives up.
PAYMENT_TIMEOUT_S = 30
#: Rounds of corrective payments a soft reset tries before giving up.
RESET_ROUNDS = 3
#: A rebalance tries this many last hops back to its node, most inbound first.
REBALANCE_LAST_HOPS = 2


class NativeNetwork(ManagedNetwork):
    """A regtest network of real btcd and lnd processes under one home."""

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        home: str | os.PathLike[str] | None = None,
        tmpfs: bool = False,
        ephemeral: bool = False,
        runtime: Runtime | None = None,
        wallet_password: str | None = None,
    ) -> None:
        """``ephemeral``: the home is deleted when a network this object launched stops;
        ``runtime``: how the daemons run (local processes unless given, see ``runtime.py``);
        ``wallet_password``: see ``NativeCluster``."""
        self.cluster = NativeCluster(scenario, home=home, tmpfs=tmpfs, ephemeral=ephemeral, runtime=runtime,
                                     wallet_password=wallet_password)
        super().__init__(self.cluster.scenario)
        self.home: Path = self.cluster.home
        self._started = False
        self._swaps = NativeSwapDesk(self.cluster)
        self._snapshots = SnapshotReader(self.cluster, self._swaps.held_hashes)
        self._wallets = WalletKeeper(self.cluster, self._swaps)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Attach to the network running under home, or launch a new one there."""
        if self.cluster.is_running():
            self.attach()
        else:
            self.up()

    def stop(self) -> None:
        """Stop the network if this object launched it (deleting an ephemeral home);
        otherwise just let go of it."""
        self._started = False
        if not self.cluster.owned:
            self.cluster.close_clients()
        elif self.cluster.ephemeral:
            self.clean()
        else:
            self.down()

    def is_started(self) -> bool:
        return self._started

    def up(self) -> None:
        self.cluster.up()
        self._started = True
        self._restore_wallets()

    def attach(self) -> None:
        """Use the network running under home as it is: its next reset brings the wallets back."""
        self.cluster.attach()
        self._started = True

    def _restore_wallets(self) -> None:
        """With a swap server the wallets are part of the state: bring them to the keeper's targets
        (the scenario's, as bootstrap leaves every channel opener the change of its funding; an
        attached network's as they were at start). Without one, no coin is moved."""
        if self.scenario.swap is not None:
            self._wallets.restore()

    def down(self) -> None:
        self._started = False
        self.cluster.down()

    def clean(self) -> None:
        self._started = False
        self.cluster.clean()

    def is_running(self) -> bool:
        return self.cluster.is_running()

    def has_strays(self) -> bool:
        return bool(self.cluster.strays())

    def has_state(self) -> bool:
        return self.cluster.state is not None

    def restart_node(self, name: str) -> None:
        self.cluster.restart_node(name)

    def unlock(self, password: str) -> dict[str, str]:
        return self.cluster.unlock(password)

    def kill_node(self, name: str) -> None:
        self.cluster.kill_node(name)

    def log_path(self, name: str) -> Path:
        return self.cluster.log_path(name)

    def lncli_argv(self, name: str) -> list[str]:
        return self.cluster.lncli_argv(name)

    def log_lines(self, name: str, lines: int = 50, follow: bool = False) -> Iterator[str]:
        return self.cluster.log_lines(name, lines, follow)

    # -- inspection ---------------------------------------------------------------------------
    def nodes(self) -> list[NodeInfo]:
        """Each node with its pubkey, gRPC address and whether it is synced."""
        self.cluster.refresh()
        infos = []
        for name in self.scenario.nodes:
            node = self.cluster.node(name)
            synced, alive, locked = False, node.process.is_running(), False
            if alive:
                try:
                    synced = bool(node.client.get_info().synced_to_chain)
                except NodeError:
                    locked = self.cluster.encrypted and node.waits_for_password()
                    alive = locked
            infos.append(NodeInfo(name, node.pubkey, node.config.grpc_target, synced, alive, locked))
        return infos

    def down_nodes(self) -> list[str]:
        """Nodes whose lnd process has exited (crashed or killed)."""
        return self.cluster.dead_nodes()

    def _snapshot(self) -> Snapshot:
        if not self.cluster.channel_records:
            raise NetworkStateError(f"snapshot: the network in {self.home} has no channels yet")
        return self._snapshots.read()

    def _policies(self) -> dict[tuple[str, str], DirectedPolicy]:
        """Each direction's announced policy, as the first node's graph has it."""
        by_id = {r.chan_id: r for r in self.cluster.channel_records}
        pubkey_of = {name: node.pubkey for name, node in self.cluster.lnd.items()}
        graph = self.cluster.node(self.scenario.nodes[0]).client.describe_graph()
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

    # -- chain and swaps ----------------------------------------------------------------------
    def _height(self) -> int:
        return self._swaps.height()

    def _mine(self, blocks: int) -> list[SwapResult]:
        return self._swaps.mine(blocks)

    def _wallet_balances(self) -> dict[str, int]:
        return self._swaps.wallets()

    def _pending_swaps(self) -> list[SwapResult]:
        return [p.result for p in self._swaps.pending]

    def _swap(self, kind: str, node: str, amount_sat: int, channel: int | None) -> SwapResult:
        return self._swaps.start(kind, node, amount_sat, channel)

    # -- payments -----------------------------------------------------------------------------
    def _pay(self, request: PaymentRequest, keysend: bool, fee_limit_sat: int) -> PaymentResult:
        """Pay an invoice of the receiver (or keysend) and wait for the outcome."""
        sender, receiver, amount = request.sender, request.receiver, request.amount_sat
        started = time.monotonic()
        try:
            if keysend:
                fields = keysend_fields(self.cluster.node(receiver).pubkey, amount)
            else:
                invoice = self.cluster.node(receiver).client.add_invoice(amount, request.description)
                fields = {"payment_request": invoice.payment_request}
            payment = self.cluster.node(sender).client.send_payment(
                timeout_s=PAYMENT_TIMEOUT_S, fee_limit_sat=fee_limit_sat, **fields
            )
        except NodeError as exc:
            return failed_result(request, failures.from_node_error(exc), str(exc), _since(started))
        return result_from_payment(payment, request, _since(started), self.cluster.name_of)

    def _rebalance(self, from_node: str, to_node: str, channel: int, amount_sat: int, max_fee_sat: int) -> PaymentResult:
        """Circular self-payment of ``from_node``: out via the from–to channel, back via another."""
        record = self.cluster.channel_records[channel]
        request = PaymentRequest(from_node, to_node, amount_sat, f"rebalance {from_node}->{to_node}")
        started = time.monotonic()
        candidates = self._return_neighbours(from_node, record)
        if not candidates:
            return failed_result(request, failures.NO_RETURN_PATH,
                                 f"{from_node} has no other channel to route the payment back", 0.0, REBALANCE)
        client = self.cluster.node(from_node).client
        try:
            invoice = client.add_invoice(amount_sat, request.description)
            for last_hop in candidates[:REBALANCE_LAST_HOPS]:
                payment = client.send_payment(
                    timeout_s=PAYMENT_TIMEOUT_S,
                    payment_request=invoice.payment_request,
                    outgoing_chan_ids=[record.chan_id],
                    last_hop_pubkey=bytes.fromhex(self.cluster.node(last_hop).pubkey),
                    allow_self_payment=True,
                    fee_limit_sat=max_fee_sat,
                )
                result = result_from_payment(payment, request, _since(started), self.cluster.name_of, REBALANCE)
                if result.success:
                    break
        except NodeError as exc:
            return failed_result(request, failures.from_node_error(exc), str(exc), _since(started), REBALANCE)
        return result

    def _return_neighbours(self, node: str, outgoing: ChannelRecord) -> list[str]:
        """Neighbours the payment can come back from, most inbound liquidity first."""
        if not any(r.index != outgoing.index and node in (r.a, r.b) for r in self.cluster.channel_records):
            return []  # a node with one channel has no way back, whatever the balances
        snapshot = self._snapshot()  # fresh: the order must not depend on when the caller last looked
        options = []
        for state in snapshot.channels:
            if state.index == outgoing.index or node not in (state.a, state.b):
                continue
            neighbour = state.b if state.a == node else state.a
            options.append((state.balance_of(neighbour), neighbour))
        return [name for _inbound, name in sorted(options, reverse=True)]

    # -- reset --------------------------------------------------------------------------------
    def _reset_balances(self, hard: bool) -> Snapshot:
        """Pay inside each channel until every split is the initial one (one hop: no fees).

        Nodes that died are restarted first, swaps in flight are cancelled and, with
        a swap server, the wallets are put back as well (``WalletKeeper``). ``hard``
        rebuilds the network instead.
        """
        if hard:
            self._swaps.pending = []  # the rebuilt network has none
            self.cluster.rebuild()
            self._snapshots.forget()
            self._restore_wallets()
            return self._snapshot()
        for name in self.down_nodes():
            self.cluster.restart_node(name)
        self._swaps.cancel_all()
        self._restore_wallets()
        return self._pay_back_to_initial()

    #: What a failed soft reset suggests instead.
    _reset_hint = "reset_balances(hard=True) rebuilds the network (new node identities)"

    def _pay_back_to_initial(self) -> Snapshot:
        """Pay inside each channel, one hop and no fees, until every split is the initial one."""
        for _round in range(RESET_ROUNDS):
            snapshot = self._snapshot()
            moves = [m for m in (self._correction(c) for c in snapshot.channels) if m is not None]
            if not moves:
                self._forget_failures()
                return snapshot
            try:
                bootstrap.parallel(moves, self._pay_inside)
            except NodeError as exc:
                raise NetworkStateError(f"reset_balances: {exc}; {self._reset_hint}") from None
        raise NetworkStateError(
            f"reset_balances: channels did not return to their initial split after {RESET_ROUNDS} rounds; "
            f"{self._reset_hint}"
        )

    def _correction(self, channel: ChannelState) -> tuple[str, str, int, int] | None:
        record = self.cluster.channel_records[channel.index]
        surplus = channel.balance_a_sat - record.initial_a
        if surplus > 0:
            return record.a, record.b, surplus, record.chan_id
        if surplus < 0:
            return record.b, record.a, -surplus, record.chan_id
        return None

    def _pay_inside(self, move: tuple[str, str, int, int]) -> None:
        payer, payee, amount, chan_id = move
        invoice = self.cluster.node(payee).client.add_invoice(amount, "lngym reset")
        payment = self.cluster.node(payer).client.send_payment(
            timeout_s=PAYMENT_TIMEOUT_S, payment_request=invoice.payment_request,
            outgoing_chan_ids=[chan_id], fee_limit_sat=0,
        )
        if payment.status != 2:  # lnrpc.Payment.SUCCEEDED
            raise NodeError(f"{payer}: reset payment of {amount} sat to {payee} failed", payer)

    def _forget_failures(self) -> None:
        """Clear every router's mission control so an episode does not learn from the last."""
        for node in self.cluster.lnd.values():
            node.client.reset_mission_control()


def _since(started: float) -> float:
    return (time.monotonic() - started) * 1000
