"""Why a payment failed, as a short stable category that counts aggregate over.

LND's own reasons keep their names (``no_route``, ``insufficient_balance``, …);
lngym adds the ones LND never gets to report (a node that does not answer).
The varying detail — which hop failed, the RPC's words with ports in them — goes
to ``PaymentResult.failure_detail`` and the CSV row, never into the category.
"""

from __future__ import annotations

from lngym.errors import NodeError

TIMEOUT = "timeout"
NO_ROUTE = "no_route"
ERROR = "error"
INCORRECT_PAYMENT_DETAILS = "incorrect_payment_details"
INSUFFICIENT_BALANCE = "insufficient_balance"
CANCELED = "canceled"
#: A node on the way (the sender or receiver's RPC) did not answer: down or stuck.
NODE_UNREACHABLE = "node_unreachable"
#: A node answered the RPC with a refusal (e.g. an invoice it would not create).
RPC_ERROR = "rpc_error"
#: A rebalance whose node has no other channel to bring the payment back.
NO_RETURN_PATH = "no_return_path"
#: The swap server would not start a swap (e.g. it lacks the on-chain funds).
SWAP_REFUSED = "swap_refused"

#: LND's PaymentFailureReason enum values (lnrpc) by number.
LND_REASONS = {
    1: TIMEOUT,
    2: NO_ROUTE,
    3: ERROR,
    4: INCORRECT_PAYMENT_DETAILS,
    5: INSUFFICIENT_BALANCE,
    6: CANCELED,
}


def from_lnd(reason: int) -> str:
    """The category of LND's PaymentFailureReason number."""
    return LND_REASONS.get(reason, ERROR)


def from_node_error(exc: NodeError) -> str:
    """The category of a failed RPC: the node did not answer, or refused."""
    return NODE_UNREACHABLE if exc.unreachable else RPC_ERROR
