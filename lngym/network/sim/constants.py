"""The LND figures the simulated backend copies, kept in one place for calibration.

Every number that makes the twin behave like a live LND channel lives here, so
calibrating against a live network (``benchmarks/fidelity.py``) means editing
this file only. Values are LND's defaults for anchor channels on regtest until a
live channel has been measured.
"""

from __future__ import annotations

from dataclasses import dataclass

MSAT = 1000

# -- channel accounting ---------------------------------------------------------------
#: Each side must keep 1% of the capacity (LND's default reserve) ...
RESERVE_FRACTION = 0.01
#: ... but never less than the dust limit.
DUST_LIMIT_SAT = 354
#: Each anchor output costs the opener this much.
ANCHOR_SAT = 330
#: Commitment fee of an anchor channel without HTLCs at regtest's default fee rate
#: (weight 1,124 wu at 2,500 sat/kw); held back from the opener's side at opening.
COMMIT_FEE_SAT = 2_810
#: Fee of one more HTLC output on the commitment (172 wu at 2,500 sat/kw): LND
#: refuses an HTLC that would leave the opener unable to pay for it.
HTLC_FEE_SAT = 430

# -- default routing policy (what LND announces unless told otherwise) ---------------
DEFAULT_BASE_FEE_MSAT = 1_000
DEFAULT_FEE_RATE_PPM = 1
DEFAULT_TIME_LOCK_DELTA = 80
DEFAULT_MIN_HTLC_MSAT = 1_000
#: max_htlc defaults to this share of the capacity.
DEFAULT_MAX_HTLC_FRACTION = 0.99

# -- pathfinding (routerrpc defaults) -------------------------------------------------
#: Cost LND charges a route per attempt, in msat, plus a share of the amount.
ATTEMPT_COST_MSAT = 100_000
ATTEMPT_COST_PPM = 1_000
#: A priori probability that a hop LND knows nothing about can forward.
HOP_PROBABILITY = 0.6
#: LND's risk factor: msat of cost per msat sent per block of time lock, in billionths.
RISK_FACTOR_BILLIONTHS = 15
#: Attempts before a payment gives up; stands in for LND's payment timeout (60 s
#: of retries on a live node), reported as "timeout".
MAX_ATTEMPTS = 20
#: Default fee limit, the native backend's: a flat part plus a share of the amount.
FEE_LIMIT_BASE_SAT = 10
FEE_LIMIT_SHARE = 0.01
#: A rebalance tries this many last hops back to its node (most inbound first), as live.
REBALANCE_LAST_HOPS = 2

# -- failure reasons in words, as lngym.lnd.client names LND's enums ------------------
NO_ROUTE = "no route"
INSUFFICIENT_BALANCE = "insufficient balance"
TIMEOUT = "timeout"
INCORRECT_PAYMENT_DETAILS = "incorrect payment details"
TEMPORARY_CHANNEL_FAILURE = "temporary channel failure"


def reserve_sat(capacity_sat: int) -> int:
    """The reserve each side of a channel of this size must keep."""
    return max(int(capacity_sat * RESERVE_FRACTION), DUST_LIMIT_SAT)


def opener_holdback_sat() -> int:
    """What opening takes from the opener's side: commitment fee and both anchors."""
    return COMMIT_FEE_SAT + 2 * ANCHOR_SAT


def default_fee_limit_msat(amount_sat: int) -> int:
    """Fee limit used when the caller gives none (the same rule as the native backend)."""
    return (FEE_LIMIT_BASE_SAT + int(amount_sat * FEE_LIMIT_SHARE)) * MSAT


@dataclass(frozen=True)
class Policy:
    """One direction's routing policy, as a node announces it for its outgoing side."""

    base_fee_msat: int = DEFAULT_BASE_FEE_MSAT
    fee_rate_ppm: int = DEFAULT_FEE_RATE_PPM
    time_lock_delta: int = DEFAULT_TIME_LOCK_DELTA
    min_htlc_msat: int = DEFAULT_MIN_HTLC_MSAT
    max_htlc_msat: int | None = None  # None: DEFAULT_MAX_HTLC_FRACTION of the capacity

    def fee_msat(self, amount_msat: int) -> int:
        """Fee for forwarding ``amount_msat`` out through this direction."""
        return self.base_fee_msat + amount_msat * self.fee_rate_ppm // 1_000_000

    def max_htlc_for(self, capacity_sat: int) -> int:
        """The effective max_htlc in msat for a channel of ``capacity_sat``."""
        if self.max_htlc_msat is not None:
            return self.max_htlc_msat
        return int(capacity_sat * DEFAULT_MAX_HTLC_FRACTION) * MSAT
