"""SimLN's nodes file (``{"nodes": [{"id", "address", "macaroon", "cert"}]}``) plus lngym's bitcoin entry.

The bitcoin entry is lngym's own, optional, for mining on a regtest chain::

    "bitcoin": {"rpchost": "127.0.0.1:18334", "rpcuser": "u", "rpcpass": "p", "cert": "/path/rpc.cert"}

(btcd's JSON-RPC over TLS). SimLN's ``activity`` list may be there too; attach ignores
it. Every problem is one line naming the node and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lngym.errors import LngymError

NODE_FIELDS = ("id", "address", "macaroon", "cert")
BITCOIN_FIELDS = ("rpchost", "rpcuser", "rpcpass", "cert")


class AttachError(LngymError):
    """A nodes file lngym cannot attach to; nothing was registered."""


@dataclass(frozen=True)
class NodeEntry:
    """One LND node as the nodes file gives it (paths made absolute)."""

    id: str
    address: str
    macaroon: str
    cert: str


@dataclass(frozen=True)
class BitcoinEntry:
    """btcd's JSON-RPC endpoint, used to mine blocks on the attached chain."""

    rpchost: str
    rpcuser: str
    rpcpass: str
    cert: str


def read_nodes_file(path: str | Path) -> tuple[list[NodeEntry], BitcoinEntry | None]:
    """The nodes and the optional bitcoin entry of ``path``; AttachError on anything missing or wrong."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise AttachError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise AttachError(f"{path}: not valid JSON: {exc}") from None
    return parse_nodes(raw, path)


def parse_nodes(raw: Any, path: Path) -> tuple[list[NodeEntry], BitcoinEntry | None]:
    """A parsed nodes file (relative paths are relative to ``path``'s folder)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list) or not raw["nodes"]:
        raise AttachError(f"{path}: expected an object with a non-empty \"nodes\" list")
    base = path.parent
    nodes = [_node(entry, i, base, path) for i, entry in enumerate(raw["nodes"])]
    ids = [n.id for n in nodes]
    for node_id in ids:
        if ids.count(node_id) > 1:
            raise AttachError(f"{path}: node {node_id!r} appears more than once")
    bitcoin = _bitcoin(raw["bitcoin"], base, path) if raw.get("bitcoin") is not None else None
    return nodes, bitcoin


def _node(entry: Any, index: int, base: Path, path: Path) -> NodeEntry:
    if not isinstance(entry, dict):
        raise AttachError(f"{path}: nodes[{index}]: expected an object with {', '.join(NODE_FIELDS)}")
    name = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else f"nodes[{index}]"
    if "client_cert" in entry or "ca_cert" in entry:
        raise AttachError(f"node {name}: a CLN node (ca_cert, client_cert); lngym speaks LND's gRPC only")
    for key in NODE_FIELDS:
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise AttachError(f"node {name}: missing field {key!r} (a non-empty string)")
    if ":" not in entry["address"].removeprefix("https://"):
        raise AttachError(f"node {name}: address {entry['address']!r} is not host:port")
    files = {key: _existing(base, entry[key], f"node {name}: {key}") for key in ("macaroon", "cert")}
    return NodeEntry(entry["id"], entry["address"].removeprefix("https://"), files["macaroon"], files["cert"])


def _bitcoin(entry: Any, base: Path, path: Path) -> BitcoinEntry:
    if not isinstance(entry, dict):
        raise AttachError(f"{path}: bitcoin: expected an object with {', '.join(BITCOIN_FIELDS)}")
    for key in BITCOIN_FIELDS:
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise AttachError(f"bitcoin: missing field {key!r} (a non-empty string)")
    cert = _existing(base, entry["cert"], "bitcoin: cert")
    return BitcoinEntry(entry["rpchost"], entry["rpcuser"], entry["rpcpass"], cert)


def _existing(base: Path, value: str, where: str) -> str:
    file = (base / Path(value).expanduser()).resolve()
    if not file.is_file():
        raise AttachError(f"{where}: no such file {file}")
    return str(file)
