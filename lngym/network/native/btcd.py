"""The btcd regtest node: its command line, JSON-RPC client and block mining."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lngym.errors import NodeError
from lngym.network.native.process import DaemonProcess
from lngym.paths import find_binary
from lngym.wait import wait_until

#: Seconds btcd gets to answer RPC after it starts.
START_TIMEOUT = 30.0
#: Websocket clients btcd accepts (its default is 25): room for ~4 per lnd of a large native network.
RPC_MAX_WEBSOCKETS = 1_000


@dataclass
class BtcdConfig:
    """Everything needed to (re)start btcd and to talk to it."""

    data_dir: Path
    rpc_port: int
    user: str = "lngym"
    password: str = "lngym"
    mining_address: str = ""

    @property
    def rpc_host(self) -> str:
        """host:port of the JSON-RPC server (lnd's --btcd.rpchost)."""
        return f"127.0.0.1:{self.rpc_port}"

    @property
    def cert(self) -> Path:
        """TLS certificate btcd generates on first start; lnd and we trust it."""
        return self.data_dir / "rpc.cert"


class Btcd:
    """One btcd process on regtest, driven over JSON-RPC."""

    def __init__(self, config: BtcdConfig, pid: int | None = None) -> None:
        self.config = config
        self.process = DaemonProcess("btcd", [], config.data_dir / "btcd.log", marker=str(config.data_dir))
        self.process.pid = pid
        self._ssl: ssl.SSLContext | None = None

    def _argv(self) -> list[str]:
        c = self.config
        argv = [
            str(find_binary("btcd")),
            "--regtest",
            f"--datadir={c.data_dir / 'data'}",
            f"--logdir={c.data_dir / 'logs'}",
            f"--rpclisten={c.rpc_host}",
            f"--rpcuser={c.user}",
            f"--rpcpass={c.password}",
            f"--rpccert={c.cert}",
            f"--rpckey={c.data_dir / 'rpc.key'}",
            "--nolisten",
            "--txindex",
            # Every lnd keeps about four websockets to btcd (chain notifier, wallet, mempool
            # watch, ...): btcd's default cap of 25 turns the seventh node away, in a loop.
            f"--rpcmaxwebsockets={RPC_MAX_WEBSOCKETS}",
            "--debuglevel=info",
            f"--configfile={c.data_dir / 'btcd.conf'}",
        ]
        if c.mining_address:
            argv.append(f"--miningaddr={c.mining_address}")
        return argv

    def start(self) -> None:
        """Start btcd and wait until it answers RPC (checking it stays alive)."""
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        (self.config.data_dir / "btcd.conf").touch()
        self.process.argv = self._argv()
        self.process.start()
        self._ssl = None
        wait_until(
            lambda: self.rpc("getblockcount") is not None,
            START_TIMEOUT,
            "btcd to answer RPC",
            alive=self.process.check_alive,
        )

    def rpc(self, method: str, *params: Any) -> Any:
        """Call a btcd JSON-RPC method; errors name btcd and the method."""
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)})
        auth = base64.b64encode(f"{self.config.user}:{self.config.password}".encode()).decode()
        request = urllib.request.Request(
            f"https://{self.config.rpc_host}",
            data=body.encode(),
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._context()) as response:
                reply = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            reply = json.loads(exc.read() or b"{}")
        except (OSError, ValueError) as exc:
            raise NodeError(f"btcd: {method} failed: {exc}", "btcd") from None
        if reply.get("error"):
            raise NodeError(f"btcd: {method} failed: {reply['error'].get('message', reply['error'])}", "btcd")
        return reply.get("result")

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context(cafile=str(self.config.cert))
            context.check_hostname = False
            self._ssl = context
        return self._ssl

    def generate(self, blocks: int) -> list[str]:
        """Mine ``blocks`` blocks (including whatever is in the mempool)."""
        return self.rpc("generate", blocks)

    def height(self) -> int:
        """Current best block height."""
        return int(self.rpc("getblockcount"))

    def mempool_size(self) -> int:
        """Number of unconfirmed transactions waiting to be mined."""
        return len(self.rpc("getrawmempool"))

    def mine(self, blocks: int) -> int:
        """Mine ``blocks`` blocks with whatever is in the mempool; returns the new tip height.

        The height is what callers then wait for lnd nodes to sync to, since an
        lnd wallet sees a confirmation only once it has processed that block.
        """
        if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1:
            raise ValueError(f"blocks must be a whole number of at least 1, got {blocks!r}")
        self.generate(blocks)
        return self.height()

    def transaction(self, txid: str) -> dict[str, Any]:
        """btcd's decoded view of a transaction in the mempool or the chain (vin, vout, vsize, confirmations)."""
        return dict(self.rpc("getrawtransaction", txid, 1))

    def confirmations(self, txid: str) -> int:
        """How many blocks confirm ``txid``: 0 while it waits in the mempool."""
        return int(self.transaction(txid).get("confirmations", 0))
