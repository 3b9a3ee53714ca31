"""The Network interface over nodes ``lngym attach`` registered: payments, snapshots and swaps as native.

Payments, rebalances, snapshots, policies, swaps and soft resets are the native
backend's own code (``NativeNetwork``, ``NativeSwapDesk``, ``WalletKeeper``), run
over ``AttachCluster`` — the registered nodes' gRPC clients in place of
processes (a ``ClusterView``). What would stop, restart, rebuild or delete a
node refuses: lngym did not start these nodes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lngym.errors import NetworkStateError, NodeError, UnsupportedError
from lngym.lnd.client import LndClient
from lngym.network.attach.nodes_file import BitcoinEntry
from lngym.network.attach.registry import read_registration, registered_scenario
from lngym.network.base import ManagedNetwork, NodeInfo, Snapshot, SwapResult
from lngym.network.native.btcd import Btcd
from lngym.network.native.network import NativeNetwork
from lngym.network.native.snapshot import SnapshotReader
from lngym.network.native.state import STATE_FILE, ChannelRecord
from lngym.network.native.swaps import NativeSwapDesk
from lngym.network.native.wallets import WalletKeeper
from lngym.paths import find_binary
from lngym.scenario import Scenario


def _not_ours(what: str) -> UnsupportedError:
    """The refusal of an operation on processes lngym did not start, worded so the CLI's
    ``lngym down:`` prefix does not repeat the operation's name."""
    return UnsupportedError(f"lngym did not start the attached nodes, so it does not {what} them "
                            "(`lngym clean` forgets the registration and leaves them running)")


class Answering:
    """An attached node's liveness as lngym can see it: no process of its own, only whether the node answers."""

    def __init__(self, node: AttachedNode) -> None:
        self.node = node

    def is_running(self) -> bool:
        try:
            self.node.client.get_info()
        except NodeError:
            return False
        return True

    def check_alive(self) -> None:
        """Nothing to look at between calls: a node that stops answering shows in the calls themselves."""


class AttachedNode:
    """One registered node: its gRPC client and identity (what NativeNetwork's code asks of a node)."""

    def __init__(self, name: str, record: dict[str, Any]) -> None:
        self.name = name
        self.pubkey: str = record["pubkey"]
        self.address: str = record["address"]
        self.cert = Path(record["cert"])
        self.macaroon = Path(record["macaroon"])
        self.process = Answering(self)
        self._client: LndClient | None = None

    @property
    def client(self) -> LndClient:
        if self._client is None:
            try:
                self._client = LndClient(self.name, self.address, self.cert, self.macaroon)
            except OSError as exc:  # the files moved since `lngym attach` read them
                raise NodeError(f"{self.name}: cannot read its TLS cert or macaroon: {exc}", self.name) from None
        return self._client

    def close_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class BitcoinRpc(Btcd):
    """btcd's JSON-RPC at a registered address: Btcd's calls without a process to own."""

    def __init__(self, entry: BitcoinEntry) -> None:
        class _Config:
            rpc_host = entry.rpchost
            user = entry.rpcuser
            password = entry.rpcpass
            cert = Path(entry.cert)

        self.config = _Config()  # type: ignore[assignment]
        self._ssl = None


class AttachCluster:
    """The registered nodes under a home, in the shape NativeNetwork's code uses."""

    owned = False
    ephemeral = False

    def __init__(self, home: Path, registration: dict[str, Any]) -> None:
        self.home = home
        self.scenario = registered_scenario(registration, home)
        self.lnd = {name: AttachedNode(name, record) for name, record in registration["nodes"].items()}
        self.channel_records = [ChannelRecord(**c) for c in registration["channels"]]
        bitcoin = registration.get("bitcoin")
        self.btcd = BitcoinRpc(BitcoinEntry(**bitcoin)) if bitcoin else None
        self._name_by_pubkey = {node.pubkey: name for name, node in self.lnd.items()}

    def node(self, name: str) -> AttachedNode:
        return self.lnd[self.scenario.node(name)]

    def name_of(self, pubkey: str) -> str:
        return self._name_by_pubkey.get(pubkey, pubkey[:12])

    def close_clients(self) -> None:
        for node in self.lnd.values():
            node.close_client()


class AttachNetwork(NativeNetwork):
    """LND nodes someone else runs, registered with ``lngym attach``."""

    cluster: AttachCluster  # type: ignore[assignment]

    def __init__(self, scenario: Scenario | str | None = None, home: str | os.PathLike[str] | None = None) -> None:
        """``scenario`` is ignored unless it is a Scenario with the registered channels: the nodes define it."""
        if home is None:
            raise NetworkStateError("the attach backend needs the home `lngym attach` registered the nodes under")
        home_path = Path(home).expanduser().resolve()
        registration = read_registration(home_path)
        if registration is None:
            raise NetworkStateError(f"no attached network in {home_path}; register one with `lngym attach NODES.json`")
        self.cluster = AttachCluster(home_path, registration)
        if isinstance(scenario, Scenario) and [(c.a, c.b) for c in scenario.channels] != [
            (c.a, c.b) for c in self.cluster.scenario.channels
        ]:
            raise NetworkStateError(f"the network attached in {home_path} has other channels than "
                                    f"scenario {scenario.name!r}")
        ManagedNetwork.__init__(self, self.cluster.scenario)
        self.home = home_path
        self._started = False
        self._swaps = NativeSwapDesk(self.cluster)
        self._snapshots = SnapshotReader(self.cluster, self._swaps.held_hashes)
        self._wallets = WalletKeeper(self.cluster, self._swaps)

    # -- lifecycle: attach and let go, nothing else ---------------------------------------------
    def start(self) -> None:
        self.attach()

    def attach(self) -> None:
        if not self.is_running():
            raise NetworkStateError(f"no attached node in {self.home} answers; are they running?")
        self._started = True
        if self.scenario.swap is not None:
            self._wallets.record()

    def stop(self) -> None:
        """Let go of the nodes (close the gRPC channels); they keep running."""
        self._started = False
        self.cluster.close_clients()

    def up(self) -> None:
        raise _not_ours("start")

    def down(self) -> None:
        raise _not_ours("stop")

    def clean(self) -> None:
        """Forget the registration — lngym's only file in the home — and leave the nodes
        running untouched: what a user means by cleaning up an attachment."""
        self.stop()
        (self.home / STATE_FILE).unlink(missing_ok=True)
        if self.home.is_dir() and not any(self.home.iterdir()):
            self.home.rmdir()

    def restart_node(self, name: str) -> None:
        raise _not_ours("restart")

    def unlock(self, password: str) -> dict[str, str]:
        raise UnsupportedError("unlock: lngym opens the wallets of networks it started; unlock attached "
                               "nodes where they run (`lncli unlock`)")

    def kill_node(self, name: str) -> None:
        raise _not_ours("kill")

    def is_running(self) -> bool:
        """True if any attached node answers."""
        return any(info.alive for info in self.nodes())

    def has_strays(self) -> bool:
        return False

    def has_state(self) -> bool:
        return (self.home / STATE_FILE).exists()

    def log_path(self, name: str) -> Path:
        raise UnsupportedError(f"logs: {self.scenario.node(name)} is not lngym's; read its log where it runs")

    def lncli_argv(self, name: str) -> list[str]:
        node = self.cluster.node(name)
        return [str(find_binary("lncli")), f"--rpcserver={node.address}", f"--tlscertpath={node.cert}",
                f"--macaroonpath={node.macaroon}"]

    # -- inspection ----------------------------------------------------------------------------
    def nodes(self) -> list[NodeInfo]:
        infos = []
        for name in self.scenario.nodes:
            node = self.cluster.node(name)
            try:
                synced, alive = bool(node.client.get_info().synced_to_chain), True
            except NodeError:
                synced, alive = False, False
            infos.append(NodeInfo(name, node.pubkey, node.address, synced, alive))
        return infos

    def down_nodes(self) -> list[str]:
        return [info.name for info in self.nodes() if not info.alive]

    # -- chain ---------------------------------------------------------------------------------
    def _need_bitcoin(self, what: str) -> None:
        """Refuse ``what`` without btcd to mine with (a registration without a bitcoin entry has no swaps)."""
        if self.cluster.btcd is None:
            raise UnsupportedError(f"{what} needs blocks: add a \"bitcoin\" entry (rpchost, rpcuser, rpcpass, "
                                   "cert) to the nodes file and attach again")

    def _height(self) -> int:
        self._need_bitcoin("height")
        return super()._height()

    def _mine(self, blocks: int) -> list[SwapResult]:
        self._need_bitcoin("mining")
        return super()._mine(blocks)

    # -- reset ---------------------------------------------------------------------------------
    def _reset_balances(self, hard: bool) -> Snapshot:
        """Pay inside each channel back to its split at attach time; never rebuild.

        With a swap server, swaps in flight are cancelled and the wallets put back
        to what they held at ``start()``, as on a native network (``WalletKeeper``).
        """
        if hard:
            raise _not_ours("rebuild")
        down = self.down_nodes()
        if down:
            stuck = [f"{r.a}-{r.b}" for r in self.cluster.channel_records if r.a in down or r.b in down]
            raise NetworkStateError(f"reset_balances: cannot reset channels {', '.join(stuck)}: "
                                    f"{', '.join(down)} do not answer")
        self._swaps.cancel_all()
        self._restore_wallets()
        return self._pay_back_to_initial()

    _reset_hint = "lngym cannot rebuild nodes it did not start; move the liquidity back by hand"
