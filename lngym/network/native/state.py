"""``network.json``: what a running native network is, so other processes can attach.

``lngym up`` writes it and exits while the daemons keep running; ``status``,
``check``, ``down``, envs with ``home=`` and the bridge read it to find ports,
pids and the channels' scenario order.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

STATE_FILE = "network.json"


@dataclass
class NodeRecord:
    """One lnd node's ports, pid and identity."""

    p2p_port: int
    grpc_port: int
    pid: int | None = None
    pubkey: str = ""


@dataclass
class ChannelRecord:
    """One opened channel: LND's id and funding point, and its initial split."""

    index: int
    a: str
    b: str
    capacity: int
    chan_id: int = 0
    channel_point: str = ""
    initial_a: int = 0
    initial_b: int = 0


@dataclass
class NetworkState:
    """Everything needed to find, drive and stop a running native network."""

    scenario_path: str
    data_dir: str
    btcd_rpc_port: int
    btcd_pid: int | None = None
    #: Which backend runs the daemons (``native``: local processes, ``docker``: containers);
    #: files without it were written by the native backend.
    backend: str = "native"
    #: True if the daemons were started by someone else (docker compose): lngym adopted them.
    adopted: bool = False
    tmpfs: bool = False
    #: True if the wallets have a password (never stored): every start of an lnd must unlock it.
    encrypted_wallets: bool = False
    nodes: dict[str, NodeRecord] = field(default_factory=dict)
    channels: list[ChannelRecord] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def save(self, home: Path) -> None:
        """Write atomically, so a reader never sees half a file."""
        home.mkdir(parents=True, exist_ok=True)
        temporary = home / f".{STATE_FILE}.{os.getpid()}"
        temporary.write_text(json.dumps(asdict(self), indent=2) + "\n")
        temporary.replace(home / STATE_FILE)

    @classmethod
    def load(cls, home: Path) -> "NetworkState | None":
        """The saved state under ``home``, or None if there is none."""
        try:
            raw: dict[str, Any] = json.loads((home / STATE_FILE).read_text())
        except (OSError, ValueError):
            return None
        try:
            raw["nodes"] = {name: NodeRecord(**_known(NodeRecord, node)) for name, node in raw.get("nodes", {}).items()}
            raw["channels"] = [ChannelRecord(**_known(ChannelRecord, c)) for c in raw.get("channels", [])]
            return cls(**_known(cls, raw))
        except (TypeError, AttributeError):
            return None


def _known(kind: type, raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``raw`` that ``kind`` has: files written by other lngym versions still load."""
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in raw.items() if key in names}
