"""Putting on-chain wallets back: a reset restores coins as well as channels.

Swaps move coins between the chain and channels, and a node's wallet is part of
what a liquidity policy sees and spends (a Loop In needs coins). If a reset put
only the channels back, every episode would start with the wallets the previous
one left — a buyer would run dry after a few episodes and the later episodes of
an evaluation would not be the same experiment as the first. So the wallets
are recorded when lngym takes the network over, and a reset moves coins
through the funder (the swap server: the deep wallet that paid for the network)
until each other node holds exactly what it held then. The funder absorbs the
difference and the miner fees of the moves.
"""

from __future__ import annotations

from lngym.errors import NetworkStateError, NodeError
from lngym.network.native.bootstrap import funder_of
from lngym.network.native.cluster_view import ClusterView
from lngym.network.native.swaps import NativeSwapDesk
from lngym.wait import wait_until

#: A node with a surplus (or a deficit too small to send: below the dust limit) sends
#: its surplus plus this much to the funder, which then pays back exactly what is missing.
MARGIN_SAT = 1_000
#: Fee rate of the moves; the funder pays for what it sends.
SAT_PER_VBYTE = 2
#: Seconds for lnd to show a mined move in its confirmed balance.
SETTLE_TIMEOUT_S = 30.0


class WalletKeeper:
    """Records each node's confirmed on-chain balance and restores it on demand."""

    def __init__(self, cluster: ClusterView, swaps: NativeSwapDesk) -> None:
        self.cluster = cluster
        self.swaps = swaps
        self.initial: dict[str, int] = {}

    def record(self) -> None:
        """Take the wallets as they are now as the ones a reset restores."""
        self.initial = self.swaps.wallets()

    def restore(self) -> None:
        """Move coins through the funder until every other node holds its recorded balance.

        A reset with nothing to move (the common case) costs one balance read per node.
        """
        if not self.initial:
            return
        funder = funder_of(self.cluster.scenario)
        bank = self.cluster.node(funder).client
        try:
            wallets = self._read()
            if any(unconfirmed for _, unconfirmed in wallets.values()):
                self._confirm()  # e.g. a cancelled Loop In's coins: let them land before counting
                wallets = self._read()
            differences = self._differences(funder, wallets)
            if not differences:
                return
            senders = {name: max(diff, 0) + MARGIN_SAT for name, diff in differences.items()
                       if diff > 0 or -MARGIN_SAT < diff < 0}
            if senders:
                address = bank.new_address()
                for name, amount in senders.items():
                    self.cluster.node(name).client.send_coins(address, amount, sat_per_vbyte=SAT_PER_VBYTE,
                                                              label="lngym reset")
                self._confirm()
                differences = self._differences(funder, self._read())
            deficits = {name: -diff for name, diff in differences.items() if diff < 0}
            if deficits:
                outputs = {self.cluster.node(name).client.new_address(): amount for name, amount in deficits.items()}
                bank.send_many(outputs, sat_per_vbyte=SAT_PER_VBYTE)
                self._confirm()
            wait_until(lambda: not self._differences(funder, self._read()), SETTLE_TIMEOUT_S,
                       "the wallets to show their restored balances")
        except NodeError as exc:
            raise NetworkStateError(f"reset_balances: restoring the on-chain wallets failed: {exc}; "
                                    "reset_balances(hard=True) rebuilds the network") from None

    def _read(self) -> dict[str, tuple[int, int]]:
        """Each node's confirmed and unconfirmed balance, from one WalletBalance call per node."""
        read = {name: node.client.wallet_balance() for name, node in self.cluster.lnd.items()}
        return {name: (int(b.confirmed_balance), int(b.unconfirmed_balance)) for name, b in read.items()}

    def _differences(self, funder: str, wallets: dict[str, tuple[int, int]]) -> dict[str, int]:
        """Confirmed balance minus the recorded one, for every node but the funder that differs."""
        return {name: wallets[name][0] - held for name, held in self.initial.items()
                if name != funder and name in wallets and wallets[name][0] != held}

    def _confirm(self) -> None:
        """One block, seen by every node (no swap is in flight during a reset)."""
        self.swaps.mine(1)
