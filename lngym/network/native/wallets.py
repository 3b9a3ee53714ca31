"""Putting on-chain wallets where the scenario says: after ``up`` and at every reset.

Swaps move coins between the chain and channels, and a node's wallet is part of
what a liquidity policy sees and spends (a Loop In needs coins). If a reset put
only the channels back, every episode would start with the wallets the previous
one left — a buyer would run dry after a few episodes and the later episodes of
an evaluation would not be the same experiment as the first. Nor may a network
start with the wallets bootstrap happens to leave: every channel opener keeps
the change of its funding (about 100,000 sat per channel), coins the twin knows
nothing of, which a policy would see and spend live only.

So each node but the funder (the swap server: the deep wallet that paid for the
network) is brought to ``limits.starting_wallets``: its scenario funds plus
LND's anchor reserve, the same wallets the twin starts from. Coins move through
the funder, which absorbs the difference and the miner fees of the moves.
"""

from __future__ import annotations

from lngym.errors import NetworkStateError, NodeError
from lngym.network import limits
from lngym.network.native.bootstrap import funder_of
from lngym.network.native.cluster_view import ClusterView
from lngym.network.native.swaps import NativeSwapDesk
from lngym.wait import wait_until

#: A node short of its target by less than this is swept and paid anew rather than topped
#: up: LND will not create an output this small (dust), so the difference cannot be sent alone.
MIN_TOP_UP_SAT = 1_000
#: Fee rate of the moves; each sender pays for what it sends.
SAT_PER_VBYTE = 2
#: Seconds for lnd to show a mined move in its confirmed balance.
SETTLE_TIMEOUT_S = 30.0


class WalletKeeper:
    """Brings every node's confirmed on-chain balance (the funder's aside) to the scenario's."""

    def __init__(self, cluster: ClusterView, swaps: NativeSwapDesk) -> None:
        self.cluster = cluster
        self.swaps = swaps
        self.targets = limits.starting_wallets(cluster.scenario)

    def record(self) -> None:
        """Make the wallets as they are now the targets: on nodes lngym did not fund (an attached
        network) a reset puts back what they held, never the scenario's amounts."""
        self.targets = self.swaps.wallets()

    def restore(self) -> None:
        """Move coins through the funder until every other node holds its target.

        A node above its target (or below it by less than ``MIN_TOP_UP_SAT``)
        sweeps what it may spend to the funder, which leaves it exactly its anchor
        reserve, whatever the sweep's miner fee; the funder then pays every node
        what it lacks. A reset with nothing to move (the common case) costs one
        balance read per node.
        """
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
            sweepers = [name for name, diff in differences.items() if diff > 0 or -MIN_TOP_UP_SAT < diff < 0]
            if sweepers:
                address = bank.new_address()
                for name in sweepers:
                    self.cluster.node(name).client.sweep(address, SAT_PER_VBYTE, label="lngym reset")
                self._confirm()
                differences = self._differences(funder, self._read())
            deficits = {name: -diff for name, diff in differences.items() if diff < 0}
            if deficits:
                outputs = {self.cluster.node(name).client.new_address(): amount for name, amount in deficits.items()}
                bank.send_many(outputs, sat_per_vbyte=SAT_PER_VBYTE)
                self._confirm()
            wait_until(lambda: not self._differences(funder, self._read()), SETTLE_TIMEOUT_S,
                       "the wallets to show their scenario balances")
        except NodeError as exc:
            raise NetworkStateError(f"reset_balances: bringing the on-chain wallets to the scenario's failed: {exc}; "
                                    "reset_balances(hard=True) rebuilds the network") from None

    def _read(self) -> dict[str, tuple[int, int]]:
        """Each node's confirmed and unconfirmed balance, from one WalletBalance call per node."""
        read = {name: node.client.wallet_balance() for name, node in self.cluster.lnd.items()}
        return {name: (int(b.confirmed_balance), int(b.unconfirmed_balance)) for name, b in read.items()}

    def _differences(self, funder: str, wallets: dict[str, tuple[int, int]]) -> dict[str, int]:
        """Confirmed balance minus the target, for every node but the funder that differs."""
        return {name: wallets[name][0] - target for name, target in self.targets.items()
                if name != funder and name in wallets and wallets[name][0] != target}

    def _confirm(self) -> None:
        """One block, seen by every node (no swap is in flight during a reset)."""
        self.swaps.mine(1)
