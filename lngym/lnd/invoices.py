"""Hold invoices (LND's invoicesrpc): the receiver decides when an incoming HTLC settles.

A swap holds the off-chain leg until the on-chain leg confirms: the receiver
adds an invoice for a hash whose preimage only it knows, the payer's HTLC
arrives and waits (the invoice is ACCEPTED, the payment IN_FLIGHT), and the
receiver then settles with the preimage or cancels, which refunds the payer.
LND serves this only when built with the ``invoicesrpc`` tag.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any, Callable, Iterable

import grpc

from lngym.errors import InvalidAmountError, NodeError
from lngym.lnd.protos import invoices_pb2, lightning_pb2

#: Seconds a hold invoice can be paid for unless the caller says otherwise.
HOLD_INVOICE_EXPIRY_S = 3600
#: Invoice states after which nothing changes any more.
FINAL_INVOICE_STATES = frozenset({"SETTLED", "CANCELED"})


def new_preimage() -> tuple[bytes, bytes]:
    """A fresh random preimage and its SHA-256 payment hash."""
    preimage = secrets.token_bytes(32)
    return preimage, hashlib.sha256(preimage).digest()


def invoice_state(invoice: Any) -> str:
    """An lnrpc.Invoice's state by name: OPEN, ACCEPTED, SETTLED or CANCELED."""
    return str(lightning_pb2.Invoice.InvoiceState.Name(invoice.state))


class InvoiceCalls:
    """The invoicesrpc calls of ``LndClient`` (mixed in; uses its stub and error handling)."""

    name: str
    invoices: Any
    _call: Callable[..., Any]
    _failure: Callable[[str, grpc.RpcError], NodeError]

    def add_hold_invoice(
        self,
        payment_hash: bytes,
        amount_sat: int,
        memo: str = "",
        expiry_s: int = HOLD_INVOICE_EXPIRY_S,
        cltv_expiry: int = 0,
    ) -> Any:
        """A hold invoice for ``payment_hash``; the response holds payment_request and payment_addr.

        ``cltv_expiry`` (blocks, LND's default when 0) bounds how long an HTLC can
        be held: LND cancels a held HTLC a few blocks before it would expire.
        """
        if isinstance(amount_sat, bool) or not isinstance(amount_sat, int) or amount_sat <= 0:
            raise InvalidAmountError(f"{self.name}: a hold invoice needs a whole amount above 0 sat, got {amount_sat!r}")
        if len(payment_hash) != 32:
            raise ValueError(f"a payment hash has 32 bytes, got {len(payment_hash)}")
        request = invoices_pb2.AddHoldInvoiceRequest(
            hash=payment_hash, value=amount_sat, memo=memo[:600], expiry=expiry_s, cltv_expiry=cltv_expiry
        )
        return self._call(self.invoices, "AddHoldInvoice", request)

    def settle_invoice(self, preimage: bytes) -> None:
        """Settle the ACCEPTED hold invoice of ``preimage``'s hash: the payer's payment succeeds."""
        self._call(self.invoices, "SettleInvoice", invoices_pb2.SettleInvoiceMsg(preimage=preimage))

    def cancel_invoice(self, payment_hash: bytes) -> None:
        """Cancel an open or accepted invoice: a held HTLC goes back and the payer's payment fails."""
        self._call(self.invoices, "CancelInvoice", invoices_pb2.CancelInvoiceMsg(payment_hash=payment_hash))

    def lookup_invoice(self, payment_hash: bytes) -> Any:
        """The invoice of ``payment_hash`` as it is now (state, amt_paid_sat, htlcs)."""
        request = invoices_pb2.LookupInvoiceMsg(payment_hash=payment_hash)
        return self._call(self.invoices, "LookupInvoiceV2", request)

    def wait_invoice(self, payment_hash: bytes, states: Iterable[str], timeout_s: float) -> Any:
        """Follow the invoice until its state is one of ``states`` (or final); returns it then.

        Uses SubscribeSingleInvoice, which sends the current state first, so a
        state reached before the call is seen too. A caller waiting for ACCEPTED
        gets a CANCELED invoice back rather than a timeout, and checks it.
        """
        wanted = set(states) | FINAL_INVOICE_STATES
        request = invoices_pb2.SubscribeSingleInvoiceRequest(r_hash=payment_hash)
        stream = self.invoices.SubscribeSingleInvoice(request, timeout=timeout_s)
        started, last = time.monotonic(), "unknown"
        try:
            for invoice in stream:
                last = invoice_state(invoice)
                if last in wanted:
                    return invoice
        except grpc.RpcError as exc:
            # At the deadline lnd may reset the stream before the client's own deadline fires
            # (RST_STREAM, CANCEL): that is the timeout too, not a failure of the node.
            timed_out = time.monotonic() - started >= 0.9 * timeout_s  # its deadline is ours, less transit
            if exc.code() != grpc.StatusCode.DEADLINE_EXCEEDED and not timed_out:
                raise self._failure("SubscribeSingleInvoice", exc) from None
        finally:
            stream.cancel()
        waited = time.monotonic() - started
        raise NodeError(
            f"{self.name}: SubscribeSingleInvoice failed: invoice {payment_hash.hex()[:16]}… still {last} "
            f"after {waited:.0f} s, waiting for {' or '.join(sorted(set(states)))}"
        )
