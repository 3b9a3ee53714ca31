"""A small LND gRPC client: TLS + admin macaroon, a deadline on every call.

Every failure is raised as ``NodeError("bob: SendPaymentV2 failed: …")`` so the
caller always learns which node and which call broke, and no raw
``grpc.RpcError`` escapes into envs or the CLI. The calls of the on-chain
wallet, of hold invoices and of payments followed in the background live in
their own modules (wallet.py, invoices.py, inflight.py), mixed in here. Deadlines are stretched by
``LNGYM_TIMEOUT_FACTOR`` like every wait, so a slow machine does not turn into
"no answer before the deadline" while the waits around it still have time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import grpc

from lngym.errors import NodeError
from lngym.lnd.inflight import PaymentTracking
from lngym.lnd.invoices import InvoiceCalls
from lngym.lnd.protos import (
    invoices_grpc,
    lightning_grpc,
    lightning_pb2,
    router_grpc,
    router_pb2,
    walletunlocker_grpc,
)
from lngym.lnd.unlocker import UnlockerCalls
from lngym.lnd.wallet import WalletCalls
from lngym.wait import scaled

#: Deadline for quick RPCs (getinfo, listchannels, ...), in seconds before scaling.
CALL_TIMEOUT = 10.0
#: Extra time on top of a payment's own timeout before the stream is abandoned.
PAYMENT_GRACE = 10.0
# LND's gRPC messages can be large (DescribeGraph of a big network).
_MAX_MESSAGE = 200 * 1024 * 1024


def htlc_failure_text(code: int) -> str:
    """An HTLC failure code in words, e.g. 'temporary channel failure'."""
    return lightning_pb2.Failure.FailureCode.Name(code).lower().replace("_", " ")


class LndClient(WalletCalls, InvoiceCalls, PaymentTracking, UnlockerCalls):
    """Typed access to one LND node's Lightning, Router, Invoices, State and WalletUnlocker services."""

    def __init__(
        self, name: str, target: str, tls_cert: Path, macaroon: Path | None = None
    ) -> None:
        self.name = name
        self.target = target
        options = [
            ("grpc.max_receive_message_length", _MAX_MESSAGE),
            ("grpc.ssl_target_name_override", "localhost"),
        ]
        credentials = grpc.ssl_channel_credentials(Path(tls_cert).read_bytes())
        if macaroon is not None:
            macaroon_hex = Path(macaroon).read_bytes().hex()
            auth = grpc.metadata_call_credentials(
                lambda _context, callback: callback((("macaroon", macaroon_hex),), None)
            )
            credentials = grpc.composite_channel_credentials(credentials, auth)
        self._channel = grpc.secure_channel(target, credentials, options)
        self.lightning = lightning_grpc.LightningStub(self._channel)
        self.router = router_grpc.RouterStub(self._channel)
        self.state = lightning_grpc.StateStub(self._channel)
        self.invoices = invoices_grpc.InvoicesStub(self._channel)
        self.unlocker = walletunlocker_grpc.WalletUnlockerStub(self._channel)

    def close(self) -> None:
        """Close the underlying channel; the client is unusable afterwards."""
        self._channel.close()

    def _call(self, stub: Any, method: str, request: Any, timeout: float = CALL_TIMEOUT) -> Any:
        try:
            return getattr(stub, method)(request, timeout=scaled(timeout))
        except grpc.RpcError as exc:
            raise self._failure(method, exc) from None

    # -- node state -------------------------------------------------------------------
    def get_state(self) -> str:
        """The wallet/server state name, e.g. 'SERVER_ACTIVE' (no macaroon needed)."""
        response = self._call(self.state, "GetState", lightning_pb2.GetStateRequest(), 5.0)
        return lightning_pb2.WalletState.Name(response.state)

    def get_info(self) -> Any:
        """GetInfo: identity pubkey, block height, sync flags, channel counts."""
        return self._call(self.lightning, "GetInfo", lightning_pb2.GetInfoRequest())

    def stop_daemon(self) -> None:
        """Ask lnd to shut down gracefully."""
        self._call(self.lightning, "StopDaemon", lightning_pb2.StopRequest())

    # -- peers and channels ----------------------------------------------------------------
    def connect_peer(self, pubkey: str, host: str) -> None:
        """Connect to a peer by pubkey@host; an existing connection is not an error."""
        request = lightning_pb2.ConnectPeerRequest(
            addr=lightning_pb2.LightningAddress(pubkey=pubkey, host=host), timeout=10
        )
        try:
            self._call(self.lightning, "ConnectPeer", request, 15.0)
        except NodeError as exc:
            if "already connected" not in str(exc):
                raise

    def list_peers(self) -> list[Any]:
        """Currently connected peers."""
        return list(self._call(self.lightning, "ListPeers", lightning_pb2.ListPeersRequest()).peers)

    def list_channels(self) -> list[Any]:
        """Open channels with balances, reserves and commit fees."""
        request = lightning_pb2.ListChannelsRequest()
        return list(self._call(self.lightning, "ListChannels", request).channels)

    def open_channel(self, pubkey: str, capacity_sat: int, push_sat: int) -> str:
        """Open a public channel and return its funding txid (hex, as block explorers show it)."""
        request = lightning_pb2.OpenChannelRequest(
            node_pubkey=bytes.fromhex(pubkey),
            local_funding_amount=capacity_sat,
            push_sat=push_sat,
            sat_per_vbyte=2,
            min_confs=1,
        )
        point = self._call(self.lightning, "OpenChannelSync", request, 30.0)
        return point.funding_txid_bytes[::-1].hex()

    def describe_graph(self) -> Any:
        """The node's view of the public graph (nodes and edges with policies)."""
        return self._call(self.lightning, "DescribeGraph", lightning_pb2.ChannelGraphRequest(), 30.0)

    # -- payments ---------------------------------------------------------------------------
    def add_invoice(self, amount_sat: int, memo: str = "") -> Any:
        """Create an invoice; the response holds payment_request and r_hash."""
        request = lightning_pb2.Invoice(value=amount_sat, memo=memo[:600])
        return self._call(self.lightning, "AddInvoice", request)

    def send_payment(self, timeout_s: int = 30, **fields: Any) -> Any:
        """SendPaymentV2 until the payment is final; returns the final lnrpc.Payment.

        ``fields`` are SendPaymentRequest fields (payment_request, dest, amt,
        outgoing_chan_ids, last_hop_pubkey, allow_self_payment, ...). Payments
        are single-path unless ``max_parts`` says otherwise: a multi-part payment
        that cannot complete leaves its shards locked at the receiver until the
        60 s MPP timeout, which would freeze liquidity between env steps.
        """
        fields.setdefault("max_parts", 1)
        request = router_pb2.SendPaymentRequest(
            timeout_seconds=timeout_s, no_inflight_updates=True, **fields
        )
        try:
            stream: Iterator[Any] = self.router.SendPaymentV2(
                request, timeout=scaled(timeout_s + PAYMENT_GRACE)
            )
            final = None
            for update in stream:
                final = update
                if update.status in (lightning_pb2.Payment.SUCCEEDED, lightning_pb2.Payment.FAILED):
                    break
            if final is None:
                raise NodeError(f"{self.name}: SendPaymentV2 ended without a payment status", self.name)
            return final
        except grpc.RpcError as exc:
            raise self._failure("SendPaymentV2", exc) from None

    def list_payments(self, since_unix: int = 0) -> list[Any]:
        """Outgoing payments created at or after ``since_unix`` (all of them by default)."""
        request = lightning_pb2.ListPaymentsRequest(
            include_incomplete=True, max_payments=100_000, creation_date_start=since_unix, omit_hops=True
        )
        return list(self._call(self.lightning, "ListPayments", request, 30.0).payments)

    def reset_mission_control(self) -> None:
        """Forget past payment failures, so resets give the router a clean slate."""
        self._call(self.router, "ResetMissionControl", router_pb2.ResetMissionControlRequest())

    def _failure(self, method: str, exc: grpc.RpcError) -> NodeError:
        """The NodeError of a failed call, naming the node and the call."""
        return NodeError(f"{self.name}: {method} failed: {_describe(exc)}", self.name, _unreachable(exc))


def _unreachable(exc: grpc.RpcError) -> bool:
    """Whether the node did not answer at all (down, or not before the deadline)."""
    code = exc.code() if hasattr(exc, "code") else None
    return code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def _describe(exc: grpc.RpcError) -> str:
    """A one-line description of a gRPC error, without grpc's multi-line repr."""
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else str(exc)
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"node unreachable ({details})"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "no answer before the deadline"
    return details or (code.name if code else "unknown error")

