"""Autoloop-like swaps: Lightning Loop's threshold rules, per channel, within a fee budget.

Loop's Autoloop (docs.lightning.engineering, "Autoloop") watches each channel's
liquidity against a rule; when one side falls below its threshold it dispatches
a swap sized to bring the channel back towards its target, spends at most a fee
budget over a period, and never runs two swaps on one channel at once. Here:
a local share below ``low`` asks for a Loop In, above ``high`` for a Loop Out,
for the amount that brings it back to ``target``, clipped to the server's
min/max and to what the wallet can pay (less LND's anchor reserve, which it may not spend).
Like Loop's ``failurebackoff``, a channel whose swap failed gets no new one for a
while: the conditions that failed it (no route, no funds) rarely clear in a block,
and each retry would cost fees again.
"""

from __future__ import annotations

from lngym.errors import SettingError
from lngym.network import limits
from lngym.network.base import SWAP_IN, SWAP_OUT, ChannelState
from lngym.policies.decisions import Decision, PolicyState, SwapSuggestion
from lngym.scenario import SwapService

#: Swap fees (server + miner) a swapping baseline may commit per window of blocks, and the window.
DEFAULT_FEE_BUDGET_SAT = 50_000
DEFAULT_WINDOW_BLOCKS = 100
#: Blocks a channel rests after a failed swap: Loop's default failure backoff of 24 hours.
DEFAULT_FAILURE_BACKOFF_BLOCKS = 144


class FeeBudget:
    """Fees committed by swaps dispatched in the last ``window_blocks`` blocks.

    Counted when a swap is dispatched, at its quoted fee (server + miner), as
    Autoloop reserves a swap's worst-case fee against its budget up front. A
    height below the last one seen means a new episode (the chain was reset),
    which forgets the past.
    """

    def __init__(self, budget_sat: int, window_blocks: int) -> None:
        if isinstance(budget_sat, bool) or not isinstance(budget_sat, int) or budget_sat < 0:
            raise SettingError(f"fee budget must be a whole number of sat ≥ 0, got {budget_sat!r}")
        if isinstance(window_blocks, bool) or not isinstance(window_blocks, int) or window_blocks < 1:
            raise SettingError(f"fee window must be a whole number of blocks ≥ 1, got {window_blocks!r}")
        self.budget_sat = budget_sat
        self.window_blocks = window_blocks
        self._spent: list[tuple[int, int]] = []

    def left(self, height: int) -> int:
        """What may still be spent at ``height``."""
        if self._spent and self._spent[-1][0] > height:
            self._spent = []
        self._spent = [(h, fee) for h, fee in self._spent if h > height - self.window_blocks]
        return self.budget_sat - sum(fee for _, fee in self._spent)

    def spend(self, height: int, fee_sat: int) -> None:
        """Commit ``fee_sat`` at ``height``."""
        self._spent.append((height, fee_sat))


def routable(state: PolicyState, node: str, channel: ChannelState) -> bool:
    """Whether a swap of ``node`` pinned to ``channel`` can reach the server: its peer there is the
    server or has another channel to forward through (a leaf peer is a dead end)."""
    assert state.scenario.swap is not None
    peer = channel.b if node == channel.a else channel.a
    if peer == state.scenario.swap.server:
        return True
    return sum(1 for c in state.scenario.channels if peer in (c.a, c.b)) > 1


def sized_swap(
    state: PolicyState, service: SwapService, node: str, channel: ChannelState, kind: str, wanted: int,
    wallets: dict[str, int],
) -> SwapSuggestion | None:
    """A swap of about ``wanted`` sat the server accepts and ``node`` can pay for, or None."""
    amount = min(wanted, service.max_sat)
    if kind == SWAP_IN:
        amount = min(amount, limits.spendable_sat(state.scenario, node, wallets.get(node, 0)) - service.miner_fee_sat)
    else:
        spare = channel.balance_of(node) - limits.reserve_sat(channel.capacity_sat)
        amount = min(amount, spare - service.server_fee_sat(amount))
        amount = min(amount, limits.spendable_sat(state.scenario, service.server, wallets.get(service.server, 0)))
    if amount < service.min_sat:
        return None
    return SwapSuggestion(node, kind, amount, channel.index)


class Autoloop:
    """Per channel end: too little local balance → Loop In, too much → Loop Out, back to target."""

    name = "autoloop"

    def __init__(
        self, low: float = 0.2, high: float = 0.8, target: float = 0.5,
        fee_budget_sat: int = DEFAULT_FEE_BUDGET_SAT, window_blocks: int = DEFAULT_WINDOW_BLOCKS,
        failure_backoff_blocks: int = DEFAULT_FAILURE_BACKOFF_BLOCKS,
    ) -> None:
        if not 0.0 <= low < target < high <= 1.0:
            raise SettingError(f"thresholds must satisfy 0 ≤ low < target < high ≤ 1, got {low}, {target}, {high}")
        if isinstance(failure_backoff_blocks, bool) or not isinstance(failure_backoff_blocks, int) \
                or failure_backoff_blocks < 0:
            raise SettingError(f"failure backoff must be a whole number of blocks ≥ 0, got {failure_backoff_blocks!r}")
        self.low, self.high, self.target = low, high, target
        self.budget = FeeBudget(fee_budget_sat, window_blocks)
        self.failure_backoff_blocks = failure_backoff_blocks

    def decide(self, state: PolicyState) -> list[Decision]:
        """At most one swap per channel without one in flight or a recent failure, most
        lopsided channel first."""
        service = state.scenario.swap
        if service is None:
            return []
        busy = state.pending_channels() | state.failed_channels(state.height - self.failure_backoff_blocks)
        wallets = dict(state.wallets)
        wanted: list[tuple[float, str, ChannelState, str, int]] = []
        for channel in state.snapshot.channels:
            if not channel.active or channel.index in busy:
                continue
            for node in (channel.a, channel.b):
                if node == service.server or not routable(state, node, channel):
                    continue
                local = channel.balance_of(node)
                share = local / channel.capacity_sat
                goal = round(self.target * channel.capacity_sat)
                if share < self.low:
                    wanted.append((share, node, channel, SWAP_IN, goal - local))
                elif share > self.high:
                    wanted.append((1.0 - share, node, channel, SWAP_OUT, local - goal))
        decisions: list[Decision] = []
        for _, node, channel, kind, amount in sorted(wanted, key=lambda w: (w[0], w[2].index, w[1])):
            if channel.index in busy:
                continue
            swap = affordable_swap(state, service, self.budget, node, channel, kind, amount, wallets)
            if swap is not None:
                busy.add(channel.index)
                decisions.append(swap)
        return decisions

    def __repr__(self) -> str:
        return (f"Autoloop(low={self.low}, high={self.high}, target={self.target}, "
                f"fee_budget_sat={self.budget.budget_sat}, window_blocks={self.budget.window_blocks}, "
                f"failure_backoff_blocks={self.failure_backoff_blocks})")


def affordable_swap(
    state: PolicyState, service: SwapService, budget: FeeBudget, node: str, channel: ChannelState, kind: str,
    wanted: int, wallets: dict[str, int],
) -> SwapSuggestion | None:
    """``sized_swap`` if its quoted fee fits the budget; a swap returned is dispatched: its fee
    is spent from ``budget`` and its on-chain funds are taken out of ``wallets``."""
    swap = sized_swap(state, service, node, channel, kind, wanted, wallets)
    if swap is None:
        return None
    fee = service.quoted_fee_sat(swap.amount_sat)
    if fee > budget.left(state.height):
        return None
    budget.spend(state.height, fee)
    _commit_swap(wallets, service, swap)
    return swap


def _commit_swap(wallets: dict[str, int], service: SwapService, swap: SwapSuggestion) -> None:
    """Take a dispatched swap's on-chain funds out of ``wallets``, so the next one sees what is left."""
    if swap.kind == SWAP_IN:
        wallets[swap.node] = wallets.get(swap.node, 0) - swap.amount_sat - service.miner_fee_sat
    else:
        wallets[service.server] = wallets.get(service.server, 0) - swap.amount_sat
