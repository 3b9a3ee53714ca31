"""PaymentStream without LND: a fake stream of lnrpc.Payment updates, as SendPaymentV2 sends them."""

from __future__ import annotations

import queue
from typing import Any, Iterator

import grpc
import pytest

from lngym.errors import NodeError
from lngym.lnd.inflight import PaymentStream
from lngym.lnd.protos import lightning_pb2

Payment = lightning_pb2.Payment


class FakeStream:
    """Updates pushed by the test; ``cancel`` ends it as gRPC does, with a CANCELLED error."""

    def __init__(self) -> None:
        self.updates: queue.Queue[Any] = queue.Queue()

    def push(self, status: int) -> None:
        self.updates.put(Payment(status=status, payment_hash="ab" * 32))

    def fail(self, code: grpc.StatusCode, details: str) -> None:
        self.updates.put(FakeRpcError(code, details))

    def cancel(self) -> None:
        self.fail(grpc.StatusCode.CANCELLED, "Locally cancelled by application!")

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self.updates.get()
            if isinstance(item, grpc.RpcError):
                raise item
            yield item


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


def _failure(method: str, exc: grpc.RpcError) -> NodeError:
    return NodeError(f"alice: {method} failed: {exc.details()}")


def test_a_held_payment_is_seen_in_flight_then_final() -> None:
    stream = FakeStream()
    payment = PaymentStream("alice", "SendPaymentV2", stream, _failure)
    assert payment.state == "UNKNOWN" and payment.latest is None
    stream.push(Payment.IN_FLIGHT)
    assert payment.wait_for(["IN_FLIGHT"], 5).status == Payment.IN_FLIGHT
    with pytest.raises(NodeError, match=r"^alice: SendPaymentV2 failed: payment still IN_FLIGHT after 0.1 s"):
        payment.result(0.1)
    stream.push(Payment.SUCCEEDED)
    assert payment.result(5).status == Payment.SUCCEEDED
    # A final payment answers every later wait at once, whatever it waits for.
    assert payment.wait_for(["IN_FLIGHT"], 0).status == Payment.SUCCEEDED


def test_a_broken_stream_fails_the_waiters_with_the_node_and_call() -> None:
    stream = FakeStream()
    payment = PaymentStream("alice", "TrackPaymentV2", stream, _failure)
    stream.push(Payment.IN_FLIGHT)
    stream.fail(grpc.StatusCode.UNAVAILABLE, "node unreachable")
    with pytest.raises(NodeError, match=r"^alice: TrackPaymentV2 failed: node unreachable$"):
        payment.result(5)


def test_close_stops_following_and_says_so() -> None:
    stream = FakeStream()
    payment = PaymentStream("alice", "SendPaymentV2", stream, _failure)
    stream.push(Payment.IN_FLIGHT)
    payment.wait_for(["IN_FLIGHT"], 5)
    payment.close()
    with pytest.raises(NodeError, match=r"^alice: SendPaymentV2 no longer followed \(closed\)$"):
        payment.result(5)
    assert payment.state == "IN_FLIGHT"
