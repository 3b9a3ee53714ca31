"""A Polar network folder as a nodes file.

Polar keeps every network in ``networks.json`` beside the network folders
(``~/.polar/networks/networks.json``; its ``networks`` list, or the list
itself in old versions): each network's ``path`` and its LND nodes' names and
host ports. A node's TLS cert and admin macaroon are in the folder, under
``volumes/lnd/<name>/``. Polar's bitcoin node is Bitcoin Core, whose RPC is
not btcd's: no bitcoin entry, so operations that need blocks refuse (mine in
Polar instead).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lngym.network.attach.nodes_file import AttachError

MACAROON = Path("data") / "chain" / "bitcoin" / "regtest" / "admin.macaroon"


def polar_nodes(folder: Path) -> dict[str, Any]:
    """The nodes-file content for the Polar network in ``folder`` (its LND nodes on 127.0.0.1)."""
    folder = folder.expanduser().resolve()
    index = folder.parent / "networks.json"
    try:
        raw = json.loads(index.read_text())
    except OSError as exc:
        raise AttachError(f"{folder}: not a Polar network folder: cannot read {index} "
                          f"({exc.strerror or exc})") from None
    except ValueError as exc:
        raise AttachError(f"{index}: not valid JSON: {exc}") from None
    networks = raw.get("networks") if isinstance(raw, dict) else raw
    network = next((n for n in networks or [] if isinstance(n, dict) and _is(n, folder)), None)
    if network is None:
        raise AttachError(f"{index} has no network whose folder is {folder}")
    lightning = network.get("nodes", {}).get("lightning", [])
    nodes = []
    for node in lightning:
        if node.get("implementation") != "LND":
            continue  # lngym speaks LND's gRPC only
        name, grpc = node.get("name"), node.get("ports", {}).get("grpc")
        if not name or not grpc:
            raise AttachError(f"{index}: an LND node of network {network.get('name')!r} lacks a name or a grpc port")
        volume = folder / "volumes" / "lnd" / name
        nodes.append({"id": name, "address": f"127.0.0.1:{grpc}", "cert": str(volume / "tls.cert"),
                      "macaroon": str(volume / MACAROON)})
    if not nodes:
        raise AttachError(f"Polar network {network.get('name')!r} has no LND nodes")
    return {"nodes": nodes}


def _is(network: dict[str, Any], folder: Path) -> bool:
    path = network.get("path")
    return (path is not None and Path(path).expanduser().resolve() == folder) or str(network.get("id")) == folder.name
