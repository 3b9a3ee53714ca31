"""SimLN's nodes file (``{"nodes": [{"id", "address", "macaroon", "cert"}]}``) plus lngym's bitcoin and swap entries.

Both entries are lngym's own and optional. ``bitcoin`` is for mining on a regtest chain::

    "bitcoin": {"rpchost": "127.0.0.1:18334", "rpcuser": "u", "rpcpass": "p", "cert": "/path/rpc.cert"}

(btcd's JSON-RPC over TLS). ``swap`` makes one of the nodes the swap server, with a
scenario's ``[swap]`` terms (``lngym.scenario.SwapService``; its ``server`` is a node's
``id``)::

    "swap": {"server": "carol", "base_fee_sat": 100, "fee_ppm": 5000, "confirmations": 3,
             "min_sat": 50000, "max_sat": 1500000, "miner_fee_sat": 300}

A swap's on-chain leg confirms only as blocks are mined, so ``swap`` needs ``bitcoin``;
its ``reserve_sat`` is the server's wallet as attach finds it, not a term to give.
SimLN's ``activity`` list may be there too; attach ignores it. Every problem is one
line naming the node and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lngym.errors import LngymError
from lngym.scenario import SwapService, swap_from_dict

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


@dataclass(frozen=True)
class NodesFile:
    """A checked nodes file: the nodes, and the optional bitcoin and swap entries."""

    nodes: list[NodeEntry]
    bitcoin: BitcoinEntry | None
    #: The swap server's terms; ``server`` is the id of one of ``nodes``.
    swap: SwapService | None


def read_nodes_file(path: str | Path, swap_server: str | None = None) -> NodesFile:
    """The nodes file at ``path``; AttachError on anything missing or wrong (see ``parse_nodes``)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise AttachError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise AttachError(f"{path}: not valid JSON: {exc}") from None
    return parse_nodes(raw, path, swap_server)


def parse_nodes(raw: Any, path: Path, swap_server: str | None = None) -> NodesFile:
    """A parsed nodes file (relative paths are relative to ``path``'s folder); ``swap_server``
    (``lngym attach --swap-server``) names the server in place of the swap entry's."""
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list) or not raw["nodes"]:
        raise AttachError(f"{path}: expected an object with a non-empty \"nodes\" list")
    base = path.parent
    nodes = [_node(entry, i, base, path) for i, entry in enumerate(raw["nodes"])]
    ids = [n.id for n in nodes]
    for node_id in ids:
        if ids.count(node_id) > 1:
            raise AttachError(f"{path}: node {node_id!r} appears more than once")
    bitcoin = _bitcoin(raw["bitcoin"], base, path) if raw.get("bitcoin") is not None else None
    swap_entry = raw.get("swap")
    if swap_server is not None:
        swap_entry = {**(swap_entry if isinstance(swap_entry, dict) else {}), "server": swap_server}
    swap = _swap(swap_entry, ids, bitcoin, path) if swap_entry is not None else None
    return NodesFile(nodes, bitcoin, swap)


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


def _swap(entry: Any, ids: list[str], bitcoin: BitcoinEntry | None, path: Path) -> SwapService:
    """The swap entry checked as a scenario's [swap] table is, naming the field at fault."""

    def fail(field: str, expected: str, got: Any) -> AttachError:
        return AttachError(f"{path}: {field}: expected {expected}, got {got!r}")

    if isinstance(entry, dict) and "reserve_sat" in entry:
        raise AttachError(f"{path}: swap.reserve_sat: lngym funds nothing on an attached network; the server's "
                          "reserve is its wallet as attach finds it: leave reserve_sat out")
    service = swap_from_dict(entry, ids, fail)
    assert service is not None  # called only with an entry
    if bitcoin is None:
        raise AttachError(f"{path}: swap: a swap's on-chain leg needs blocks lngym mines: add a \"bitcoin\" entry "
                          f"({', '.join(BITCOIN_FIELDS)}) for the chain's btcd")
    return service


def _existing(base: Path, value: str, where: str) -> str:
    file = (base / Path(value).expanduser()).resolve()
    if not file.is_file():
        raise AttachError(f"{where}: no such file {file}")
    return str(file)
