"""One lnd node: configuration → command line, process, gRPC client, readiness.

Every flag here exists in a release build of the pinned lnd (checked against
``lnd --help``); the integration harness's ``--dev.*`` flags do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lngym.errors import NetworkStateError, NodeError
from lngym.lnd.client import LndClient
from lngym.network.native.btcd import BtcdConfig
from lngym.network.native.runtime import LocalRuntime, Runtime
from lngym.scenario import FeePolicy
from lngym.wait import wait_until

#: Seconds an lnd node gets from start to an unlocked wallet (RPC_ACTIVE).
RPC_TIMEOUT = 60.0
#: Seconds an lnd node gets to be SERVER_ACTIVE and synced to the chain tip.
SYNC_TIMEOUT = 90.0
#: Wallet states in which lnd waits for the WalletUnlocker (a new wallet, a locked one).
WAITING_FOR_WALLET = ("NON_EXISTING", "LOCKED")
#: Wallet states of an open wallet.
WALLET_OPEN = ("UNLOCKED", "RPC_ACTIVE", "SERVER_ACTIVE")
#: Where users give the wallet password of a network that has one.
PASSWORD_HINT = "set LNGYM_WALLET_PASSWORD or pass --wallet-password-file FILE (in Python: wallet_password=)"

# Flags that make a regtest network quick without integration-only builds:
# trickle gossip out every 50 ms instead of 90 s, batch graph writes for 50 ms
# instead of 500 ms, treat 1 confirmation as open, and sign commitments sooner
# than the 50 ms default.
FAST_REGTEST_FLAGS = [
    "--trickledelay=50",
    "--bitcoin.defaultchanconfs=1",
    "--gossip.sub-batch-delay=50ms",
    "--db.batch-commit-interval=50ms",
    "--channel-commit-interval=10ms",
    "--maxpendingchannels=16",
    "--historicalsyncinterval=5s",
]


@dataclass
class LndConfig:
    """Where one node lives and which loopback ports it uses."""

    name: str
    node_dir: Path
    p2p_port: int
    grpc_port: int

    @property
    def grpc_target(self) -> str:
        """host:port of the gRPC server."""
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def p2p_host(self) -> str:
        """host:port peers connect to."""
        return f"127.0.0.1:{self.p2p_port}"

    @property
    def tls_cert(self) -> Path:
        """The self-signed certificate lnd writes on first start."""
        return self.node_dir / "tls.cert"

    @property
    def macaroon(self) -> Path:
        """The admin macaroon that authorises every call lngym makes."""
        return self.node_dir / "data" / "chain" / "bitcoin" / "regtest" / "admin.macaroon"


class LndNode:
    """An lnd process plus a lazily opened gRPC client."""

    def __init__(
        self, config: LndConfig, btcd: BtcdConfig, policy: FeePolicy, pid: int | None = None,
        runtime: Runtime | None = None, encrypted: bool = False, password: str | None = None,
    ) -> None:
        """``encrypted``: the wallet has a password (lnd waits at start until it is created or
        unlocked); ``password``: that password, if this process knows it."""
        self.config = config
        self.encrypted = encrypted
        self.password = password
        self.btcd = btcd
        self.policy = policy
        self.runtime = runtime or LocalRuntime()
        # The command line is built at start, so finding no binary only fails a start.
        self.process = self.runtime.process(config.name, "lnd", config.node_dir, marker=str(config.node_dir))
        self.process.pid = pid
        self._client: LndClient | None = None
        self.pubkey = ""

    @property
    def name(self) -> str:
        """The scenario name of this node (``alice``)."""
        return self.config.name

    def argv(self) -> list[str]:
        """lnd's command line for this node."""
        c, b = self.config, self.btcd
        return [
            self.runtime.program("lnd"),
            f"--lnddir={c.node_dir}",
            f"--alias={c.name}",
            "--bitcoin.regtest",
            "--bitcoin.node=btcd",
            f"--btcd.rpchost={b.rpc_host}",
            f"--btcd.rpcuser={b.user}",
            f"--btcd.rpcpass={b.password}",
            f"--btcd.rpccert={b.cert}",
            *([] if self.encrypted else ["--noseedbackup"]),
            f"--listen={c.p2p_host}",
            f"--rpclisten={c.grpc_target}",
            "--norest",
            "--nobootstrap",
            "--tlsdisableautofill",
            "--accept-keysend",
            *self.runtime.lnd_log_flags(c.node_dir),
            "--debuglevel=info",
            f"--bitcoin.basefee={self.policy.base_fee_msat}",
            f"--bitcoin.feerate={self.policy.fee_rate_ppm}",
            f"--bitcoin.timelockdelta={self.policy.time_lock_delta}",
            *FAST_REGTEST_FLAGS,
        ]

    def start(self) -> None:
        """Launch lnd (returns at once; use the wait methods for readiness)."""
        self.config.node_dir.mkdir(parents=True, exist_ok=True)
        self.close_client()
        self.process.argv = self.argv()
        self.process.start()

    @property
    def client(self) -> LndClient:
        """The gRPC client, opened on first use (the TLS cert must exist by then)."""
        if self._client is None:
            self._client = LndClient(
                self.name, self.config.grpc_target, self.config.tls_cert, self.config.macaroon
            )
        return self._client

    def close_client(self) -> None:
        """Drop the gRPC client (before a restart, whose new TLS cert it would reject)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def wallet_state(self) -> str:
        """lnd's wallet state (``LOCKED``, ``SERVER_ACTIVE``, ...) asked without a macaroon,
        so it answers before the wallet is open too."""
        client = LndClient(self.name, self.config.grpc_target, self.config.tls_cert)
        try:
            return client.get_state()
        finally:
            client.close()

    def waits_for_password(self) -> bool:
        """lnd runs and waits for its wallet to be created or unlocked; False if it does not
        answer at all."""
        try:
            return self.wallet_state() in WAITING_FOR_WALLET
        except (NodeError, OSError):
            return False

    def open_wallet(self, password: str | None = None) -> str:
        """Create or unlock a password wallet once lnd waits for it; what was done
        (``created``, ``unlocked`` or ``already open``).

        ``password`` defaults to the one this node was given.
        """

        def answering() -> str | None:
            if not self.config.tls_cert.exists():
                return None
            state = self.wallet_state()
            return state if state in WAITING_FOR_WALLET + WALLET_OPEN else None

        state = wait_until(answering, RPC_TIMEOUT, f"{self.name} to ask for its wallet", self.process.check_alive)
        if state in WALLET_OPEN:
            return "already open"
        password = password if password is not None else self.password
        if password is None:
            raise NetworkStateError(f"{self.name}: the wallet has a password; {PASSWORD_HINT}")
        client = LndClient(self.name, self.config.grpc_target, self.config.tls_cert)
        try:
            if state == "NON_EXISTING":
                client.create_wallet(password)
                return "created"
            client.unlock_wallet(password)
            return "unlocked"
        finally:
            client.close()

    def wait_rpc_active(self) -> None:
        """Wait until the wallet is open and the macaroon exists (creating or unlocking a
        password wallet first)."""
        if self.encrypted:
            self.open_wallet()

        def ready() -> bool:
            files = (self.config.tls_cert, self.config.macaroon)
            if not all(f.exists() and f.stat().st_size > 0 for f in files):
                return False
            return self.client.get_state() in ("RPC_ACTIVE", "SERVER_ACTIVE")

        wait_until(ready, RPC_TIMEOUT, f"{self.name} to unlock its wallet", self.process.check_alive)
        # lnd writes the macaroon while starting; a client opened during that
        # write may hold a partial one, so the next call opens a fresh client.
        self.close_client()

    def wait_synced(self, height: int) -> None:
        """Wait for SERVER_ACTIVE and the chain synced to at least ``height``."""

        def synced() -> bool:
            if self.client.get_state() != "SERVER_ACTIVE":
                return False
            info = self.client.get_info()
            self.pubkey = info.identity_pubkey
            return info.synced_to_chain and info.block_height >= height

        wait_until(
            synced, SYNC_TIMEOUT, f"{self.name} to sync to block {height}", self.process.check_alive
        )

    def stop(self) -> None:
        """Ask lnd to stop over RPC, then fall back to signals."""
        if self.process.is_running():
            try:
                self.client.stop_daemon()
            except Exception:  # noqa: BLE001 - a dead RPC server still gets SIGTERM below
                pass
            if not self.process.wait_exit(10.0):
                self.process.stop()
        self.process.stop()
        self.close_client()
