"""LND's fixed limits and lngym's defaults that every backend applies alike.

One module, so the native backend, the twin and scenario validation can never
disagree on what LND would refuse or on the fee limit a payment gets when the
caller names none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lngym.scenario import Scenario

#: LND refuses to open channels below this size (its funding manager's minimum).
MIN_CHANNEL_SAT = 20_000
#: 2^24 - 1 sat: the largest channel without the wumbo feature bit.
MAX_CHANNEL_SAT = 16_777_215

#: Each side of a channel must keep this share of the capacity (LND's default
#: reserve; measured chan_reserve_sat 10,000 on both sides of a 1,000,000 sat channel) ...
RESERVE_FRACTION = 0.01
#: ... but never less than the dust limit (measured dust_limit_sat 354).
DUST_LIMIT_SAT = 354

#: LND keeps this much of a node's on-chain wallet per public anchor channel, to fee-bump
#: the channel's force close (lnwallet.AnchorChanReservedValue): a send or a channel open
#: that would leave less is refused, and a sweep of the wallet leaves exactly the reserve ...
ANCHOR_RESERVE_PER_CHANNEL_SAT = 10_000
#: ... but never more than this in all (lnwallet.MaxAnchorChanReservedValue).
MAX_ANCHOR_RESERVE_SAT = 100_000

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


def anchor_reserve_sat(scenario: Scenario, node: str) -> int:
    """What LND keeps of ``node``'s wallet for its channels: every channel lngym opens is a
    public anchor channel, and LND reserves for them whichever end opened them."""
    return min(scenario.channel_counts.get(node, 0) * ANCHOR_RESERVE_PER_CHANNEL_SAT, MAX_ANCHOR_RESERVE_SAT)


def spendable_sat(scenario: Scenario, node: str, wallet_sat: int) -> int:
    """What ``node`` may send on-chain out of a confirmed ``wallet_sat`` (miner fee included)."""
    return wallet_sat - anchor_reserve_sat(scenario, node)


def starting_wallets(scenario: Scenario) -> dict[str, int]:
    """Each node's confirmed on-chain balance when an episode starts, on every backend.

    What the scenario's ``[wallets]`` gives a node (and the swap server its
    ``reserve_sat``) is what it may spend; LND's anchor reserve comes on top, since
    LND will not let a wallet go below it: a node with channels and no ``[wallets]``
    entry holds exactly its reserve and can spend nothing.
    """
    wallets = {node: scenario.wallets.get(node, 0) + anchor_reserve_sat(scenario, node) for node in scenario.nodes}
    if scenario.swap is not None:
        wallets[scenario.swap.server] += scenario.swap.reserve_sat
    return wallets
