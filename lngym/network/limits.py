"""LND's fixed limits and lngym's defaults that every backend applies alike.

One module, so the native backend, the twin and scenario validation can never
disagree on what LND would refuse or on the fee limit a payment gets when the
caller names none.
"""

from __future__ import annotations

#: LND refuses to open channels below this size (its funding manager's minimum).
MIN_CHANNEL_SAT = 20_000
#: 2^24 - 1 sat: the largest channel without the wumbo feature bit.
MAX_CHANNEL_SAT = 16_777_215

#: Each side of a channel must keep this share of the capacity (LND's default
#: reserve; measured chan_reserve_sat 10,000 on both sides of a 1,000,000 sat channel) ...
RESERVE_FRACTION = 0.01
#: ... but never less than the dust limit (measured dust_limit_sat 354).
DUST_LIMIT_SAT = 354

#: A payment's routing fee limit when the caller gives none: a flat part plus a
#: share of the amount, so small payments can still cross a few base fees.
FEE_LIMIT_BASE_SAT = 10
FEE_LIMIT_SHARE = 0.01


def reserve_sat(capacity_sat: int) -> int:
    """The reserve each side of a channel of this size must keep."""
    return max(int(capacity_sat * RESERVE_FRACTION), DUST_LIMIT_SAT)


def default_fee_limit_sat(amount_sat: int) -> int:
    """The fee limit of a payment whose caller names none."""
    return FEE_LIMIT_BASE_SAT + int(amount_sat * FEE_LIMIT_SHARE)
