"""Payments followed in the background, for payments that stay IN_FLIGHT for a while.

``LndClient.send_payment`` blocks until a payment is final, which for a hold
invoice is only once the receiver settles or cancels — possibly after blocks
have been mined. ``start_payment`` (SendPaymentV2) and ``track_payment``
(TrackPaymentV2) instead return a ``PaymentStream`` at once: a thread reads
LND's updates, and the caller asks for the latest one or waits for a status.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable

import grpc

from lngym.errors import NodeError
from lngym.lnd.protos import lightning_pb2, router_pb2

#: Seconds a followed payment's stream may stay open unless the caller says otherwise.
FOLLOW_DEADLINE_S = 3600.0
#: Payment states after which nothing changes any more.
FINAL_PAYMENT_STATES = frozenset({"SUCCEEDED", "FAILED"})


def payment_state(payment: Any) -> str:
    """An lnrpc.Payment's status by name: INITIATED, IN_FLIGHT, SUCCEEDED or FAILED."""
    return str(lightning_pb2.Payment.PaymentStatus.Name(payment.status))


class PaymentStream:
    """One payment's updates from LND, read by a daemon thread until the payment is final."""

    def __init__(
        self, node: str, method: str, stream: Any, failure: Callable[[str, grpc.RpcError], NodeError]
    ) -> None:
        self.node = node
        self.method = method
        self._stream = stream
        self._failure = failure
        self._latest: Any = None
        self._error: NodeError | None = None
        self._done = False
        self._closed = False
        self._changed = threading.Condition()
        threading.Thread(target=self._follow, name=f"{node}-{method}", daemon=True).start()

    def _follow(self) -> None:
        error: NodeError | None = None
        try:
            for update in self._stream:
                with self._changed:
                    self._latest = update
                    self._changed.notify_all()
                if payment_state(update) in FINAL_PAYMENT_STATES:
                    break
            else:
                error = NodeError(f"{self.node}: {self.method} ended before the payment was final")
        except grpc.RpcError as exc:
            error = (
                NodeError(f"{self.node}: {self.method} no longer followed (closed)")
                if self._closed
                else self._failure(self.method, exc)
            )
        with self._changed:
            self._error = error
            self._done = True
            self._changed.notify_all()

    @property
    def latest(self) -> Any:
        """The last lnrpc.Payment update received (None before the first)."""
        with self._changed:
            return self._latest

    @property
    def state(self) -> str:
        """The payment's last known status by name ('UNKNOWN' before the first update)."""
        latest = self._latest
        return payment_state(latest) if latest is not None else "UNKNOWN"

    def wait_for(self, states: Iterable[str], timeout_s: float) -> Any:
        """The first update whose status is one of ``states`` or final; NodeError if none comes in time."""
        wanted = set(states) | FINAL_PAYMENT_STATES
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self.state not in wanted:
                if self._error is not None:
                    raise self._error
                remaining = deadline - time.monotonic()
                if self._done or remaining <= 0:
                    raise NodeError(
                        f"{self.node}: {self.method} failed: payment still {self.state} after "
                        f"{timeout_s:g} s, waiting for {' or '.join(sorted(set(states)))}"
                    )
                self._changed.wait(remaining)
            return self._latest

    def result(self, timeout_s: float) -> Any:
        """The final lnrpc.Payment (SUCCEEDED or FAILED), waiting up to ``timeout_s``."""
        return self.wait_for(FINAL_PAYMENT_STATES, timeout_s)

    def close(self) -> None:
        """Stop following (the payment itself goes on in LND; ``track_payment`` finds it again)."""
        self._closed = True
        self._stream.cancel()


class PaymentTracking:
    """The non-blocking payment calls of ``LndClient`` (mixed in; uses its stub and error handling)."""

    name: str
    router: Any
    _failure: Callable[[str, grpc.RpcError], NodeError]

    def start_payment(
        self, timeout_s: int = 30, follow_s: float = FOLLOW_DEADLINE_S, **fields: Any
    ) -> PaymentStream:
        """Send a payment with SendPaymentV2 and return at once with its stream.

        ``fields`` are SendPaymentRequest fields, as for ``send_payment`` (single
        path unless ``max_parts`` says otherwise). ``timeout_s`` bounds the search
        for a route; ``follow_s`` bounds how long the stream is followed, which
        for a held HTLC must cover the time until the receiver settles.
        """
        fields.setdefault("max_parts", 1)
        request = router_pb2.SendPaymentRequest(timeout_seconds=timeout_s, **fields)
        try:
            stream = self.router.SendPaymentV2(request, timeout=follow_s)
        except grpc.RpcError as exc:
            raise self._failure("SendPaymentV2", exc) from None
        return PaymentStream(self.name, "SendPaymentV2", stream, self._failure)

    def track_payment(self, payment_hash: bytes, follow_s: float = FOLLOW_DEADLINE_S) -> PaymentStream:
        """Follow a payment this node sent earlier (TrackPaymentV2), e.g. after a restart."""
        request = router_pb2.TrackPaymentRequest(payment_hash=payment_hash)
        try:
            stream = self.router.TrackPaymentV2(request, timeout=follow_s)
        except grpc.RpcError as exc:
            raise self._failure("TrackPaymentV2", exc) from None
        return PaymentStream(self.name, "TrackPaymentV2", stream, self._failure)
