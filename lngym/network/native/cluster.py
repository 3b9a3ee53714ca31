"""The processes of a native network: btcd and one lnd per node on 127.0.0.1.

A ``NativeCluster`` owns what lives under a network's home — ports, the state
file, the daemons and their lifecycle — and nothing about payments: the
Network implementation (``network.py``) uses it. It either launches a network
under its home (``up``: it then owns it) or attaches to one that ``lngym up``
left running there (``attach``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lngym.errors import LngymError, NetworkStateError, NodeError
from lngym.network.native import bootstrap
from lngym.network.native.btcd import Btcd, BtcdConfig
from lngym.network.native.coinbase import burn_address
from lngym.lnd.unlocker import check_password
from lngym.network.native.lnd_node import PASSWORD_HINT, WAITING_FOR_WALLET, LndConfig, LndNode
from lngym.network.native.ports import hand_over, release_ports, reserve_ports
from lngym.network.native.process import pids_using, stop_pid
from lngym.network.native.runtime import LocalRuntime, NodeProcess, Runtime
from lngym.network.native.state import STATE_FILE, ChannelRecord, NetworkState, NodeRecord
from lngym.paths import default_home
from lngym.scenario import Scenario, load_scenario

TMPFS_ROOT = Path("/dev/shm")
#: The environment variable that holds the wallet password of networks that have one.
PASSWORD_ENV = "LNGYM_WALLET_PASSWORD"


class NativeCluster:
    """The btcd and lnd processes of one network home, and their lifecycle."""

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        home: str | os.PathLike[str] | None = None,
        tmpfs: bool = False,
        ephemeral: bool = False,
        runtime: Runtime | None = None,
        wallet_password: str | None = None,
    ) -> None:
        """``runtime`` runs the daemons: local processes unless given (the docker backend's containers).

        ``wallet_password`` (else ``$LNGYM_WALLET_PASSWORD``): a network launched with one
        has encrypted wallets, and every lnd start of such a network unlocks with it; it is
        kept in memory only. Without one, new wallets are password-less (``--noseedbackup``).
        """
        self.runtime = runtime or LocalRuntime()
        self.wallet_password = wallet_password if wallet_password is not None else os.environ.get(PASSWORD_ENV) or None
        self.home = Path(home) if home is not None else default_home()
        self.home = self.home.expanduser().resolve()
        saved = NetworkState.load(self.home)
        if scenario is None and saved is not None:
            scenario = saved.scenario_path
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.tmpfs = tmpfs
        # An ephemeral network's home is deleted when the network it launched stops.
        self.ephemeral = ephemeral
        self.owned = False
        self.state: NetworkState | None = None
        self.btcd: Btcd | None = None
        self.lnd: dict[str, LndNode] = {}
        self._state_stamp = 0  # mtime of the network.json last adopted
        self._name_by_pubkey: dict[str, str] = {}
        if saved is not None:
            self._adopt(saved)

    # -- lifecycle ------------------------------------------------------------------------
    def is_running(self) -> bool:
        """True if a network saved under this home still has live processes."""
        saved = NetworkState.load(self.home)
        if saved is None:
            return False
        self._adopt(saved)
        return any(n.process.is_running() for n in self.lnd.values()) or bool(
            self.btcd and self.btcd.process.is_running()
        )

    def strays(self) -> list[int]:
        """Pids of lnd/btcd processes that use this network's directories but are not on record."""
        known = {n.process.pid for n in self.lnd.values()} | {self.btcd.process.pid if self.btcd else None}
        return [pid for d in {self._data_dir, self.home} for pid in pids_using(d) if pid not in known]

    def attach(self) -> None:
        """Use the network already running under home without owning it."""
        if not self.is_running():
            raise NetworkStateError(f"no network is running in {self.home}; start one with `lngym up`")
        assert self.state is not None
        saved_scenario = load_scenario(self.state.scenario_path)
        if [(c.a, c.b) for c in saved_scenario.channels] != [(c.a, c.b) for c in self.scenario.channels]:
            raise NetworkStateError(
                f"the network in {self.home} runs scenario {saved_scenario.name!r}, "
                f"not {self.scenario.name!r}"
            )
        self.owned = False

    def up(self, encrypted: bool | None = None) -> None:
        """Launch a fresh network; on any failure stop everything that was started.

        ``encrypted``: give the wallets a password (default: if one is known).
        """
        encrypted = self.wallet_password is not None if encrypted is None else encrypted
        if encrypted:
            self._need_password("start a network with encrypted wallets")
            assert self.wallet_password is not None
            check_password(self.wallet_password)
            if self.runtime.adopts:
                raise NetworkStateError("compose/docker-compose.yml runs its lnd nodes with --noseedbackup "
                                        "(no wallet password); a password applies to networks lngym creates")
        if self.is_running():
            raise NetworkStateError(f"a network is already running in {self.home} (see `lngym status`)")
        if self.strays():
            raise NetworkStateError(f"lnd or btcd processes of an earlier network still use {self.home}; "
                                    "stop them with `lngym down`")
        bootstrap.validate_for_lnd(self.scenario)
        self.runtime.check()
        self._remove_data()
        self.state = self._plan(encrypted)
        self._build_processes()
        self.owned = True
        try:
            self._launch()
        except BaseException as exc:
            if self.runtime.adopts:  # docker compose's containers: lngym did not start them, so they run on
                self.close_clients()
                self.owned = False
                raise
            self.down()
            if isinstance(exc, LngymError):
                failed = exc.node if isinstance(exc, NodeError) else ""
                raise type(exc)(
                    f"{exc}{self._log_tail(failed, str(exc))}\nstart failed; every process was stopped. "
                    f"Node directories are in {self._data_dir}"
                ) from None
            raise

    def _log_tail(self, node: str, message: str) -> str:
        """The last log lines of the node a start failure names, unless the message has them."""
        if not node or "last log lines" in message:
            return ""
        path = self.log_path(node)
        try:
            lines = path.read_text(errors="replace").splitlines()[-10:]
        except OSError:
            return ""
        return f"\nlast log lines of {node} ({path}):\n" + "\n".join(lines)

    def rebuild(self) -> None:
        """Stop everything and launch the network again under the same home (new identities),
        with a wallet password if it had one."""
        encrypted = self.encrypted
        if encrypted:
            self._need_password("rebuild the network")
        owned = self.owned
        self.down()
        self.up(encrypted)
        self.owned = owned

    @property
    def encrypted(self) -> bool:
        """The network's wallets have a password."""
        return self.state is not None and self.state.encrypted_wallets

    def _need_password(self, action: str) -> None:
        """Refuse, before anything changes, an action that must unlock wallets without the password."""
        if self.wallet_password is None:
            raise NetworkStateError(f"to {action}, lngym needs the wallet password: {PASSWORD_HINT}")

    def unlock(self, password: str) -> dict[str, str]:
        """Open every locked wallet of an encrypted network (after a node was restarted outside
        lngym, e.g. ``docker restart``) and wait until those nodes are back with their channels.

        Returns what happened per node: ``unlocked``, ``already open`` or ``not answering``.
        """
        check_password(password)
        self.refresh()
        if not self.encrypted:
            raise NetworkStateError(f"the wallets of the network in {self.home} have no password; nothing to unlock")
        outcome: dict[str, str] = {}
        for name, node in self.lnd.items():
            try:
                locked = node.wallet_state() in WAITING_FOR_WALLET
            except (NodeError, OSError):
                outcome[name] = "not answering"
                continue
            outcome[name] = node.open_wallet(password) if locked else "already open"
        opened = [self.lnd[name] for name, what in outcome.items() if what in ("created", "unlocked")]
        if opened:
            self._rejoin(opened)
        return outcome

    def down(self) -> None:
        """Stop every process of the network under home, and nothing else."""
        self.refresh()
        if self.state is not None:
            bootstrap.parallel(self.lnd.values(), lambda node: node.stop())
            if self.btcd is not None:
                self.btcd.process.stop()
        for directory in {self._data_dir, self.home}:
            for pid in pids_using(directory):
                stop_pid(pid, directory)
        if self.state is not None:
            release_ports(self.state.ports)
            self.state.btcd_pid = None
            for record in self.state.nodes.values():
                record.pid = None
            if self.home.exists():
                self.state.save(self.home)
        self.owned = False

    def clean(self) -> None:
        """down(), then remove the home and any tmpfs data; nothing outside them."""
        self.down()
        self._remove_data()
        self.runtime.forget(self.home)
        shutil.rmtree(self.home, ignore_errors=True)

    def restart_node(self, name: str) -> None:
        """Stop one lnd and start it again with its data (unlocking its wallet); wait for its channels."""
        self.refresh()
        node = self.node(name)
        if self.encrypted:
            self._need_password(f"restart {name}")
        node.stop()
        node.start()
        self._record_pid(node)
        self._rejoin([node])

    def _rejoin(self, nodes: list[LndNode]) -> None:
        """Bring restarted nodes back: open wallets, synced, channel peers connected (not left to
        lnd's reconnect backoff), every channel active."""
        assert self.btcd is not None
        height = self.btcd.height()

        def rejoin(node: LndNode) -> None:
            node.wait_rpc_active()
            node.wait_synced(height)
            for spec in self.scenario.channels:
                if node.name in (spec.a, spec.b):
                    peer = self.lnd[spec.b if node.name == spec.a else spec.a]
                    node.client.connect_peer(peer.pubkey, peer.config.p2p_host)

        bootstrap.parallel(nodes, rejoin)
        bootstrap.wait_channels_active(self.lnd, self.scenario)

    def kill_node(self, name: str) -> None:
        """SIGKILL one lnd, as a crash would (for failure tests)."""
        self.refresh()
        node = self.node(name)
        node.process.kill()
        node.close_client()

    # -- inspection ---------------------------------------------------------------------
    @property
    def channel_records(self) -> list[ChannelRecord]:
        """The opened channels in scenario order (empty before ``up``)."""
        return list(self.state.channels) if self.state is not None else []

    def name_of(self, pubkey: str) -> str:
        """The node name of a pubkey of this network (its first 12 hex digits if not ours)."""
        return self._name_by_pubkey.get(pubkey, pubkey[:12])

    def dead_nodes(self) -> list[str]:
        """Nodes whose lnd process has exited (crashed or killed)."""
        self.refresh()
        return [name for name, node in self.lnd.items() if not node.process.is_running()]

    def lncli_argv(self, name: str) -> list[str]:
        """lncli's command line for one node, as `docker exec lnd-alice lncli` was."""
        c = self.node(name).config
        return self.runtime.lncli_argv(c.name, c.node_dir, c.grpc_target, c.macaroon)

    def log_path(self, name: str) -> Path:
        """Where a node's log is (``btcd`` names the bitcoin node)."""
        return self._process(name).log_path

    def log_lines(self, name: str, lines: int, follow: bool) -> Iterator[str]:
        """A node's last log lines, then new ones while ``follow`` (``btcd`` names the bitcoin node)."""
        return self.runtime.log_lines(self._process(name), lines, follow)

    def _process(self, name: str) -> NodeProcess:
        if name == "btcd":
            if self.btcd is None:
                raise NetworkStateError(f"no network in {self.home}; start one with `lngym up`")
            return self.btcd.process
        return self.node(name).process

    # -- internals ----------------------------------------------------------------------
    @property
    def _data_dir(self) -> Path:
        if self.state is not None:
            return Path(self.state.data_dir)
        if self.tmpfs:
            digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
            return TMPFS_ROOT / f"lngym-{os.getuid()}-{digest}"
        return self.home

    def _remove_data(self) -> None:
        for child in ("btcd", *self.scenario.nodes):
            shutil.rmtree(self._data_dir / child, ignore_errors=True)
        if self._data_dir != self.home:
            shutil.rmtree(self._data_dir, ignore_errors=True)

    def _plan(self, encrypted: bool) -> NetworkState:
        if self.tmpfs and not TMPFS_ROOT.is_dir():
            raise NetworkStateError(f"--tmpfs needs {TMPFS_ROOT}, which this machine lacks")
        count = 1 + 2 * len(self.scenario.nodes)
        ports = self.runtime.fixed_ports(list(self.scenario.nodes)) or reserve_ports(count)
        nodes = {
            name: NodeRecord(p2p_port=ports[1 + 2 * i], grpc_port=ports[2 + 2 * i])
            for i, name in enumerate(self.scenario.nodes)
        }
        return NetworkState(
            scenario_path=str(self.scenario.path or ""),
            backend=self.runtime.backend,
            adopted=self.runtime.adopts,
            data_dir=str(self._data_dir),
            btcd_rpc_port=ports[0],
            tmpfs=self.tmpfs,
            encrypted_wallets=encrypted,
            nodes=nodes,
            ports=ports,
        )

    def _adopt(self, saved: NetworkState) -> None:
        """Take over saved state; keep existing handles if only pids changed.

        Another process (``lngym restart``, an env's reset) may have restarted a
        node since this object last looked: its new pid is in network.json.
        """
        same_layout = (
            self.state is not None
            and self.lnd.keys() == saved.nodes.keys()
            and all(self.lnd[n].config.grpc_port == r.grpc_port for n, r in saved.nodes.items())
            and self.state.btcd_rpc_port == saved.btcd_rpc_port
        )
        self.state = saved
        if not same_layout:
            self._build_processes()
            return
        assert self.btcd is not None
        self.btcd.process.follow(saved.btcd_pid)
        for name, record in saved.nodes.items():
            self.lnd[name].process.follow(record.pid)
            self.lnd[name].pubkey = record.pubkey or self.lnd[name].pubkey
        self._index_channels()

    def refresh(self) -> None:
        """Re-read network.json if it changed, so pids changed by other processes are followed.

        Envs call this every step (through ``down_nodes``), so an unchanged
        file costs one stat, not a parse.
        """
        try:
            stamp = (self.home / STATE_FILE).stat().st_mtime_ns
        except OSError:
            return
        if stamp == self._state_stamp and self.state is not None:
            return
        saved = NetworkState.load(self.home)
        if saved is not None:
            self._adopt(saved)
            self._state_stamp = stamp

    def _build_processes(self) -> None:
        assert self.state is not None
        data = Path(self.state.data_dir)
        config = BtcdConfig(data / "btcd", self.state.btcd_rpc_port, mining_address=burn_address())
        self.btcd = Btcd(config, pid=self.state.btcd_pid, runtime=self.runtime)
        self.lnd = {}
        for name, record in self.state.nodes.items():
            lnd_config = LndConfig(name, data / name, record.p2p_port, record.grpc_port)
            node = LndNode(lnd_config, config, self.scenario.policy_of(name), pid=record.pid, runtime=self.runtime,
                           encrypted=self.state.encrypted_wallets, password=self.wallet_password)
            node.pubkey = record.pubkey
            self.lnd[name] = node
        self._index_channels()

    def _launch(self) -> None:
        assert self.state is not None and self.btcd is not None
        self.home.mkdir(parents=True, exist_ok=True)
        self.btcd.start()
        for node in self.lnd.values():
            node.start()
        self._save_pids()
        bootstrap.parallel(self.lnd.values(), lambda node: node.wait_rpc_active())
        if self.runtime.adopts:
            bootstrap.refuse_used_nodes(self.lnd, self.home)
        bootstrap.fund_first_node(self.btcd, self.lnd[bootstrap.funder_of(self.scenario)])
        height = self.btcd.height()
        bootstrap.parallel(self.lnd.values(), lambda node: node.wait_synced(height))
        for name, node in self.lnd.items():
            self.state.nodes[name].pubkey = node.pubkey
        bootstrap.fund_openers(self.btcd, self.lnd, self.scenario)
        self.state.channels = bootstrap.open_channels(self.btcd, self.lnd, self.scenario)
        bootstrap.wait_graph_complete(self.lnd, self.state.channels)
        self._index_channels()
        self.state.save(self.home)

    def _save_pids(self) -> None:
        assert self.state is not None and self.btcd is not None
        self.state.btcd_pid = self.btcd.process.pid
        for node in self.lnd.values():
            self._record_pid(node, save=False)
        hand_over(self.state.ports, self.btcd.process.pid or os.getpid())
        self.state.save(self.home)

    def _record_pid(self, node: LndNode, save: bool = True) -> None:
        assert self.state is not None
        self.state.nodes[node.name].pid = node.process.pid
        if save:
            self.state.save(self.home)

    def _index_channels(self) -> None:
        self._name_by_pubkey = {node.pubkey: name for name, node in self.lnd.items() if node.pubkey}

    def node(self, name: str) -> LndNode:
        """The lnd of node ``name`` (``alice`` or ``lnd-alice``)."""
        name = self.scenario.node(name)
        if name not in self.lnd:
            raise NetworkStateError(f"no network is running in {self.home}; start one with `lngym up`")
        return self.lnd[name]

    def close_clients(self) -> None:
        """Close every gRPC connection (the processes keep running)."""
        for node in self.lnd.values():
            node.close_client()


def temporary_home() -> Path:
    """A fresh home for a network owned by one process (embedded envs, tests)."""
    return Path(tempfile.mkdtemp(prefix="lngym-"))

