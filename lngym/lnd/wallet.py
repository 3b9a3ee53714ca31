"""A node's on-chain wallet (lnrpc): addresses, balances, sends and what a send cost.

Swaps move funds between the chain and the channels, so their on-chain leg
needs a fresh address, a send that says its txid, and the miner fee read back
from the wallet's own record of the transaction.
"""

from __future__ import annotations

from typing import Any, Callable

from lngym.errors import InvalidAmountError, LngymError, NodeError
from lngym.lnd.protos import lightning_pb2

#: Address kinds by the names wallets show them.
ADDRESS_TYPES = {
    "p2wkh": lightning_pb2.WITNESS_PUBKEY_HASH,
    "p2tr": lightning_pb2.TAPROOT_PUBKEY,
}
#: Blocks lnd targets for confirmation when a send names no fee rate (its own default).
DEFAULT_TARGET_CONF = 6


def _check_amount(node: str, amount_sat: int) -> None:
    if isinstance(amount_sat, bool) or not isinstance(amount_sat, int) or amount_sat <= 0:
        raise InvalidAmountError(f"{node}: an on-chain amount must be a whole number of sat above 0, got {amount_sat!r}")


class WalletCalls:
    """The on-chain wallet calls of ``LndClient`` (mixed in; uses its stub and error handling)."""

    name: str
    lightning: Any
    _call: Callable[..., Any]

    def new_address(self, kind: str = "p2wkh") -> str:
        """A fresh address of the node's wallet: ``p2wkh`` (P2WPKH) or ``p2tr`` (taproot)."""
        if kind not in ADDRESS_TYPES:
            raise LngymError(f"{self.name}: address kind must be one of {', '.join(ADDRESS_TYPES)}, got {kind!r}")
        request = lightning_pb2.NewAddressRequest(type=ADDRESS_TYPES[kind])
        return str(self._call(self.lightning, "NewAddress", request).address)

    def wallet_balance(self) -> Any:
        """Confirmed and unconfirmed on-chain balance (``confirmed_balance``, ``unconfirmed_balance``)."""
        return self._call(self.lightning, "WalletBalance", lightning_pb2.WalletBalanceRequest())

    def send_many(self, outputs: dict[str, int], sat_per_vbyte: int = 2) -> str:
        """Pay several addresses in one transaction; returns the txid."""
        request = lightning_pb2.SendManyRequest(AddrToAmount=outputs, sat_per_vbyte=sat_per_vbyte)
        return str(self._call(self.lightning, "SendMany", request).txid)

    def send_coins(
        self,
        address: str,
        amount_sat: int,
        sat_per_vbyte: int | None = None,
        target_conf: int | None = None,
        label: str = "",
    ) -> str:
        """Send ``amount_sat`` to ``address`` from confirmed coins; returns the txid.

        The fee is ``sat_per_vbyte`` if given, else what lnd's estimator asks for
        confirmation within ``target_conf`` blocks (lnd's own default when both
        are None, which is what a user's plain ``lncli sendcoins`` pays).
        """
        _check_amount(self.name, amount_sat)
        if sat_per_vbyte is not None and target_conf is not None:
            raise LngymError(f"{self.name}: give sat_per_vbyte or target_conf, not both")
        request = lightning_pb2.SendCoinsRequest(
            addr=address,
            amount=amount_sat,
            sat_per_vbyte=sat_per_vbyte or 0,
            target_conf=target_conf or 0,
            label=label,
            min_confs=1,
        )
        return str(self._call(self.lightning, "SendCoins", request).txid)

    def sweep(self, address: str, sat_per_vbyte: int, label: str = "") -> str:
        """Send every confirmed coin the node may spend to ``address``; returns the txid.

        LND's send-all keeps back exactly its anchor reserve (as change), so the
        wallet is left holding that reserve and nothing more: the one send whose
        remainder is known before it is made, whatever its miner fee.
        """
        request = lightning_pb2.SendCoinsRequest(addr=address, send_all=True, sat_per_vbyte=sat_per_vbyte,
                                                 label=label, min_confs=1)
        return str(self._call(self.lightning, "SendCoins", request).txid)

    def estimate_fee(self, address: str, amount_sat: int, target_conf: int = DEFAULT_TARGET_CONF) -> Any:
        """What sending ``amount_sat`` to ``address`` would cost now (``fee_sat``, ``sat_per_vbyte``)."""
        _check_amount(self.name, amount_sat)
        request = lightning_pb2.EstimateFeeRequest(AddrToAmount={address: amount_sat}, target_conf=target_conf)
        return self._call(self.lightning, "EstimateFee", request)

    def transaction(self, txid: str) -> Any:
        """The wallet's record of ``txid`` (``total_fees``, ``amount``, ``num_confirmations``, ...)."""
        request = lightning_pb2.GetTransactionsRequest(start_height=0, end_height=-1)
        for tx in self._call(self.lightning, "GetTransactions", request, 30.0).transactions:
            if tx.tx_hash == txid:
                return tx
        raise NodeError(f"{self.name}: GetTransactions failed: no transaction {txid} in the wallet")

    def list_unspent(self, min_confs: int = 0, max_confs: int = 2**31 - 1) -> list[Any]:
        """The wallet's unspent outputs with between ``min_confs`` and ``max_confs`` confirmations."""
        request = lightning_pb2.ListUnspentRequest(min_confs=min_confs, max_confs=max_confs)
        return list(self._call(self.lightning, "ListUnspent", request).utxos)
