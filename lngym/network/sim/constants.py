"""The LND figures the simulated backend copies, each with where it comes from.

Every number that makes the twin behave like a live LND channel lives here, so
calibrating against a live network (``benchmarks/fidelity.py``) means editing
this file only. "Measured" means read from ListChannels / DescribeGraph or
probed with payments on a fresh live seed channel (lnd v0.21.2-beta on regtest,
1,000,000 sat, opener pushed 500,000; 2026-11-24); "LND's rule" names the code
in lnd that the figure follows.
"""

from __future__ import annotations

from lngym.network.base import DirectedPolicy

MSAT = 1000

# -- commitment transaction (lnwallet, input/size.go) ---------------------------------
#: Commitment fee rate of every channel, sat per 1,000 weight units. Measured:
#: fee_per_kw 500 (LND's minimum relay rate, what it opens with on regtest).
FEE_PER_KW = 500
#: Weight LND charges an anchor commitment without HTLCs (input.AnchorCommitWeight).
#: ListChannels reports 1,116 (the real transaction's weight with its signatures),
#: but the fee is computed from this estimate: 1,124 × 500 / 1000 = 562 sat, the
#: commit_fee measured.
COMMIT_WEIGHT = 1_124
#: Weight each non-dust HTLC output adds to the commitment (input.HTLCWeight).
HTLC_WEIGHT = 172
#: Each anchor output costs the opener this much (measured: 2 × 330 sat; the opener
#: of a 500,000/500,000 channel holds 500,000 − 562 − 660 = 498,778 sat).
ANCHOR_SAT = 330

# -- on-chain sends (a swap's legs; lnwallet, input/size.go) -------------------------
#: Weight LND charges for a send that spends its own change: one taproot key-spend
#: input (164 wu + a 67 wu witness with its sighash byte), a P2WPKH output (124 wu),
#: a taproot change output (172 wu), 42 wu of framing. At the 498 sat/kw btcd's
#: estimatefee gave, 569 × 498 / 1000 = 283 sat: what merchants' Loop Ins paid once a
#: first send had left change (the first, from a P2WPKH coin lngym funded, 611 wu,
#: cost 304 = its EstimateFee).
CHANGE_SEND_WEIGHT = 569

# -- channel constraints ---------------------------------------------------------------
#: The reserve each side keeps (1 % of capacity, at least the dust limit) is LND's
#: fixed rule, shared with the native backend: ``lngym.network.limits``.
#: Max HTLC in flight per direction, and the announced max_htlc: the capacity minus
#: the reserve (measured: max_pending_amt_msat and max_htlc_msat 990,000,000). With
#: one payment at a time no HTLC can exceed it anyway: balance − reserve is less.
DEFAULT_MAX_HTLC_FRACTION = 0.99
#: HTLCs in flight per direction (measured max_accepted_htlcs); unreachable one at a time.
MAX_ACCEPTED_HTLCS = 483

# -- default routing policy (what LND announces unless told otherwise) ---------------
#: LND's --bitcoin.basefee / feerate / timelockdelta defaults; the seed's [policy]
#: sets 1,000 msat / 0 ppm / 80, which DescribeGraph shows on every direction.
DEFAULT_BASE_FEE_MSAT = 1_000
DEFAULT_FEE_RATE_PPM = 1
DEFAULT_TIME_LOCK_DELTA = 80
#: Measured announced min_htlc (the channel constraint itself is 1 msat).
DEFAULT_MIN_HTLC_MSAT = 1_000

# -- pathfinding (routing/, routerrpc defaults) -----------------------------------------
#: Cost LND charges a route per attempt, in msat, plus a share of the amount.
ATTEMPT_COST_MSAT = 100_000
ATTEMPT_COST_PPM = 1_000
#: A priori probability that a hop LND knows nothing about can forward.
HOP_PROBABILITY = 0.6
#: LND's risk factor: msat of cost per msat sent per block of time lock, in billionths.
RISK_FACTOR_BILLIONTHS = 15
#: Routes less likely than this are not tried (routerrpc MinRouteProbability).
MIN_ROUTE_PROBABILITY = 0.01
#: Mission control (routing/missioncontrol.go, probability_apriori.go): weight of the
#: a priori probability against a node's results, the probability of a pair after a
#: success, the half-life of a failure's penalty, the interval in which a failure at
#: a higher amount than the last is ignored, and the share of capacity from which
#: the a priori probability falls off (capacity factor).
APRIORI_WEIGHT = 0.5
PREV_SUCCESS_PROBABILITY = 0.95
PENALTY_HALF_LIFE_S = 3_600.0
MIN_FAILURE_RELAX_S = 60.0
CAPACITY_FRACTION = 0.9999
CAPACITY_SMEARING = 0.025
MIN_CAPACITY_FACTOR = 0.5
#: Seconds of the twin's virtual clock per payment when no clock is given: about
#: one live payment at a time on the seed (benchmarks/RESULTS.md, issue 3).
SECONDS_PER_PAYMENT = 0.1
#: Attempts before a payment gives up; stands in for LND's payment timeout (60 s
#: of retries on a live node), reported as "timeout".
MAX_ATTEMPTS = 20
#: A rebalance tries this many last hops back to its node (most inbound first), as live.
REBALANCE_LAST_HOPS = 2

# -- failure reasons ------------------------------------------------------------------
#: The twin fails payments with lngym.network.failures' categories; this is the one
#: HTLC failure it produces, in the words the native backend uses.
TEMPORARY_CHANNEL_FAILURE = "temporary channel failure"


def commit_fee_sat(htlcs: int = 0, fee_per_kw: int = FEE_PER_KW) -> int:
    """LND's commitment fee with ``htlcs`` non-dust HTLC outputs (FeeForWeight rounds down)."""
    return fee_per_kw * (COMMIT_WEIGHT + htlcs * HTLC_WEIGHT) // 1000


def opener_fee_buffer_sat(fee_per_kw: int = FEE_PER_KW) -> int:
    """What the opener keeps back beyond its reserve when it adds an HTLC, in sat.

    LND's FeeBuffer (lnwallet.CalcFeeBuffer, applied in availableCommitmentBalance
    and validateAddHtlc): twice the fee rate on the commitment with the new HTLC
    and one more for the peer, counted from the balance before the current
    commitment fee, which the reported balance has already paid:
    2 × 500 × (1,124 + 2 × 172) / 1000 − 562 = 906 sat. Measured: the largest
    single HTLC the opener could send was its balance − 10,906 (reserve + 906),
    both on the fresh channel (487,872 of 498,778) and after sending 200,000.
    """
    return 2 * fee_per_kw * (COMMIT_WEIGHT + 2 * HTLC_WEIGHT) // 1000 - commit_fee_sat(0, fee_per_kw)


def opener_holdback_sat() -> int:
    """What opening takes from the opener's side: the commitment fee and both anchors."""
    return commit_fee_sat() + 2 * ANCHOR_SAT


def max_htlc_msat(policy: DirectedPolicy, capacity_sat: int) -> int:
    """The effective max_htlc of a direction in msat: its own, else LND's default share."""
    if policy.max_htlc_msat is not None:
        return policy.max_htlc_msat
    return int(capacity_sat * DEFAULT_MAX_HTLC_FRACTION) * MSAT
