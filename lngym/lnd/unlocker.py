"""Wallets with a password (LND's WalletUnlocker): create one on a first start, unlock it after a restart.

lngym's wallets are password-less by default (``--noseedbackup``). A network
started with a password runs lnd without that flag, so each lnd waits at start
— first for a wallet to be created, after every restart for it to be unlocked —
and serves only the WalletUnlocker and State services until then. The calls
need no macaroon: lnd writes the macaroons once the wallet is open.
"""

from __future__ import annotations

from typing import Any, Callable

from lngym.errors import LngymError, NodeError
from lngym.lnd.protos import walletunlocker_pb2

#: lnd refuses shorter wallet passwords.
MIN_PASSWORD_LENGTH = 8
#: Seconds for InitWallet (lnd derives keys and writes the wallet) and UnlockWallet.
OPEN_TIMEOUT = 60.0


def check_password(password: str) -> None:
    """Refuse a password lnd would refuse, before any node is touched."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LngymError(f"a wallet password needs at least {MIN_PASSWORD_LENGTH} characters (lnd's rule), "
                         f"got {len(password)}")


class UnlockerCalls:
    """The WalletUnlocker calls of ``LndClient`` (mixed in; uses its stub and error handling)."""

    name: str
    unlocker: Any
    _call: Callable[..., Any]

    def create_wallet(self, password: str) -> None:
        """A new wallet from a fresh seed, encrypted with ``password``.

        The seed is not kept: a regtest network is rebuilt, never restored.
        """
        seed = self._call(self.unlocker, "GenSeed", walletunlocker_pb2.GenSeedRequest())
        request = walletunlocker_pb2.InitWalletRequest(
            wallet_password=password.encode(), cipher_seed_mnemonic=list(seed.cipher_seed_mnemonic)
        )
        self._call(self.unlocker, "InitWallet", request, OPEN_TIMEOUT)

    def unlock_wallet(self, password: str) -> None:
        """Open the locked wallet; a wrong password is a one-line error that names the node."""
        request = walletunlocker_pb2.UnlockWalletRequest(wallet_password=password.encode())
        try:
            self._call(self.unlocker, "UnlockWallet", request, OPEN_TIMEOUT)
        except NodeError as exc:
            if "invalid passphrase" in str(exc):
                raise NodeError(f"{self.name}: wrong wallet password; the wallet stays locked", self.name) from None
            raise
