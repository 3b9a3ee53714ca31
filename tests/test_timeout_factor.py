"""``LNGYM_TIMEOUT_FACTOR`` stretches RPC deadlines as well as waits, so a slow CI machine
gets more time everywhere at once instead of failing on whichever clock was not scaled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import lngym.wait
from lngym.lnd import client as lnd_client
from lngym.lnd.client import LndClient
from lngym.lnd.protos import lightning_pb2
from lngym.wait import WaitTimeout, wait_until


class RecordingStub:
    """Stands in for a gRPC stub and remembers each call's request and deadline."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.deadlines: list[float] = []

    def GetInfo(self, request: Any, timeout: float) -> str:
        self.deadlines.append(timeout)
        return "info"

    def SendPaymentV2(self, request: Any, timeout: float) -> Any:
        self.requests.append(request)
        self.deadlines.append(timeout)
        return iter([lightning_pb2.Payment(status=lightning_pb2.Payment.SUCCEEDED)])


@pytest.fixture
def client(tmp_path: Path) -> LndClient:
    """A client that never connects (the stubs are replaced); the cert need not be real."""
    cert = tmp_path / "tls.cert"
    cert.write_bytes(b"not a certificate: no call reaches the network")
    return LndClient("alice", "127.0.0.1:1", cert)


def test_rpc_deadline_is_scaled(client: LndClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lngym.wait, "TIMEOUT_FACTOR", 3.0)
    stub = RecordingStub()
    assert client._call(stub, "GetInfo", lightning_pb2.GetInfoRequest()) == "info"
    assert client._call(stub, "GetInfo", lightning_pb2.GetInfoRequest(), 4.0) == "info"
    assert stub.deadlines == [3 * lnd_client.CALL_TIMEOUT, 12.0]
    client.close()


def test_payment_stream_deadline_is_scaled_but_lnds_own_timeout_is_not(
    client: LndClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lngym.wait, "TIMEOUT_FACTOR", 2.0)
    client.router = RecordingStub()
    payment = client.send_payment(timeout_s=30, payment_request="lnbcrt1")
    assert payment.status == lightning_pb2.Payment.SUCCEEDED
    assert client.router.deadlines == [2 * (30 + lnd_client.PAYMENT_GRACE)]
    assert client.router.requests[0].timeout_seconds == 30  # how long LND tries is behaviour, not a deadline
    client.close()


def test_wait_until_says_the_scaled_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lngym.wait, "TIMEOUT_FACTOR", 0.5)
    with pytest.raises(WaitTimeout, match=r"after 1s waiting for the impossible"):
        wait_until(lambda: False, 2.0, "the impossible", interval=0.01)
