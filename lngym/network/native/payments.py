"""Turning LND's payment records into lngym's PaymentResult."""

from __future__ import annotations

import hashlib
import os
from typing import Any, Callable

from lngym.lnd.client import htlc_failure_text
from lngym.lnd.protos import lightning_pb2
from lngym.network import failures
from lngym.network.base import PAYMENT, PaymentRequest, PaymentResult

#: TLV record that carries the preimage of a keysend payment.
KEYSEND_RECORD = 5482373484


def keysend_fields(dest_pubkey: str, amount_sat: int) -> dict[str, Any]:
    """SendPaymentV2 fields for a spontaneous (invoice-less) payment."""
    preimage = os.urandom(32)
    return {
        "dest": bytes.fromhex(dest_pubkey),
        "amt": amount_sat,
        "payment_hash": hashlib.sha256(preimage).digest(),
        "dest_custom_records": {KEYSEND_RECORD: preimage},
    }


def result_from_payment(
    payment: Any,
    request: PaymentRequest,
    duration_ms: float,
    node_of: Callable[[str], str],
    kind: str = PAYMENT,
) -> PaymentResult:
    """Build a PaymentResult from a final ``lnrpc.Payment``.

    The route is the one that settled, or the last one tried for a failed
    payment, written as node names from the sender on. A failure's category is
    LND's reason; where the last attempt failed goes to the detail.
    """
    succeeded = payment.status == lightning_pb2.Payment.SUCCEEDED
    attempts = list(payment.htlcs)
    chosen = next((h for h in attempts if h.status == lightning_pb2.HTLCAttempt.SUCCEEDED), None)
    if chosen is None and attempts:
        chosen = attempts[-1]
    route: tuple[str, ...] = ()
    if chosen is not None:
        route = (request.sender, *(node_of(hop.pub_key) for hop in chosen.route.hops))
    reason, detail = "", ""
    if not succeeded:
        reason = failures.from_lnd(payment.failure_reason)
        failed = [h for h in attempts if h.HasField("failure")]
        if failed:
            last = failed[-1]
            index = last.failure.failure_source_index
            at = route[index] if index < len(route) else "?"
            detail = f"last attempt: {htlc_failure_text(last.failure.code)} at {at}"
    return PaymentResult(
        sender=request.sender,
        receiver=request.receiver,
        amount_sat=request.amount_sat,
        success=succeeded,
        fee_msat=payment.fee_msat if succeeded else 0,
        route=route,
        attempts=len(attempts),
        duration_ms=duration_ms,
        failure_reason=reason,
        failure_detail=detail,
        description=request.description,
        kind=kind,
    )


def failed_result(
    request: PaymentRequest, reason: str, detail: str, duration_ms: float, kind: str = PAYMENT
) -> PaymentResult:
    """A payment that never reached LND's router (a node down, an RPC error)."""
    return PaymentResult(
        sender=request.sender,
        receiver=request.receiver,
        amount_sat=request.amount_sat,
        success=False,
        duration_ms=duration_ms,
        failure_reason=reason,
        failure_detail=detail,
        description=request.description,
        kind=kind,
    )
