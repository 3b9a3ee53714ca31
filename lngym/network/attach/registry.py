"""``lngym attach``: read an existing network from its nodes and register it under a home.

The registration is the home's ``network.json`` with ``"backend": "attach"``
(the file a native home keeps, so one look tells which backend a home holds):
the nodes' endpoints, the optional bitcoin entry, the channels lngym found
between the attached nodes with their balances at attach time (what
``reset_balances`` returns to) and the scenario derived from them, with the
swap server if the nodes file names one. Everything is read and checked
before anything is written, so a bad nodes file registers nothing.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from lngym.errors import NodeError
from lngym.lnd.client import LndClient
from lngym.network.attach.nodes_file import (
    AttachError,
    NodeEntry,
    parse_nodes,
    read_nodes_file,
)
from lngym.network.attach.polar import polar_nodes
from lngym.network.native.state import STATE_FILE, ChannelRecord
from lngym.scenario import Scenario, SwapService, scenario_from_dict

BACKEND = "attach"
_PUBKEY = re.compile(r"^0[23][0-9a-f]{64}$")
_USABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def read_registration(home: Path) -> dict[str, Any] | None:
    """The attach registration under ``home``, or None if the home holds none."""
    try:
        raw = json.loads((Path(home) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) and raw.get("backend") == BACKEND else None


def is_attached(home: str | os.PathLike[str] | None) -> bool:
    """Whether ``home`` holds a network registered with ``lngym attach``."""
    return home is not None and read_registration(Path(home).expanduser()) is not None


def registered_scenario(registration: dict[str, Any], home: Path) -> Scenario:
    """The scenario ``lngym attach`` derived from the nodes."""
    return scenario_from_dict(registration["scenario"], f"{home / STATE_FILE}: scenario")


def attached_scenario(home: str | os.PathLike[str]) -> Scenario:
    """The scenario of the network attached under ``home``."""
    path = Path(home).expanduser().resolve()
    registration = read_registration(path)
    if registration is None:
        raise AttachError(f"no attached network in {path}")
    return registered_scenario(registration, path)


def register(nodes_file: str | Path, home: str | os.PathLike[str], polar: bool = False,
             swap_server: str | None = None) -> dict[str, Any]:
    """Connect to every node of ``nodes_file`` (or of a Polar network folder), derive the scenario
    and write the registration; ``swap_server`` (a node's id) names the swap server."""
    home = Path(home).expanduser().resolve()
    if (home / STATE_FILE).exists() and read_registration(home) is None:
        raise AttachError(f"{home} already holds a network lngym started; attach under another --home")
    if polar and swap_server is not None:
        raise AttachError("--swap-server: swaps need blocks lngym mines through btcd, and a Polar network's "
                          "bitcoin node is Bitcoin Core; attach a nodes file with a \"bitcoin\" entry instead")
    if polar:
        parsed = parse_nodes(polar_nodes(Path(nodes_file)), Path(nodes_file) / "nodes.json")
    else:
        parsed = read_nodes_file(nodes_file, swap_server)
    entries = parsed.nodes
    clients = {entry.id: _connect(entry) for entry in entries}
    try:
        infos = {node_id: client.get_info() for node_id, client in clients.items()}
        names = _names(entries, {node_id: info.alias for node_id, info in infos.items()})
        pubkeys = {names[e.id]: infos[e.id].identity_pubkey for e in entries}
        views = {names[e.id]: _read(clients[e.id], e, "ListChannels", lambda c: c.list_channels()) for e in entries}
        first = entries[0]
        graph = _read(clients[first.id], first, "DescribeGraph", lambda c: c.describe_graph())
        swap = _swap_terms(parsed.swap, entries, clients, names)
    finally:
        for client in clients.values():
            client.close()
    channels, skipped = _channels(views, pubkeys)
    if not channels:
        raise AttachError("the nodes have no open channels between each other; open some, then attach")
    scenario = _scenario(home, list(pubkeys), channels, _node_policies(graph, pubkeys), swap)
    registration = {
        "backend": BACKEND,
        "nodes_file": str(Path(nodes_file).resolve()),
        "nodes": {names[e.id]: {**asdict(e), "pubkey": pubkeys[names[e.id]]} for e in entries},
        "bitcoin": asdict(parsed.bitcoin) if parsed.bitcoin is not None else None,
        "channels": [asdict(c) for c in channels],
        "skipped_channels": skipped,
        "scenario": scenario,
    }
    scenario_from_dict(scenario, "derived scenario")  # a scenario the envs cannot load is not registered
    home.mkdir(parents=True, exist_ok=True)
    temporary = home / f".{STATE_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(registration, indent=2) + "\n")
    temporary.replace(home / STATE_FILE)
    return registration


def _connect(entry: NodeEntry) -> LndClient:
    """A client that has answered GetInfo, or AttachError saying what is wrong with the node."""
    try:
        client = LndClient(entry.id, entry.address, Path(entry.cert), Path(entry.macaroon))
    except (OSError, ValueError) as exc:
        raise AttachError(f"node {entry.id}: cannot use cert {entry.cert}: {exc}") from None
    try:
        pubkey = client.get_info().identity_pubkey
    except NodeError as exc:
        client.close()
        raise AttachError(f"node {entry.id}: {_diagnose(str(exc), entry)}") from None
    if _PUBKEY.match(entry.id) and entry.id != pubkey:  # SimLN: an id that is a pubkey must be the node's
        client.close()
        raise AttachError(f"node {entry.id[:16]}…: the node at {entry.address} has pubkey {pubkey}")
    return client


def _diagnose(message: str, entry: NodeEntry) -> str:
    """What a failed first GetInfo most likely means, in the user's terms."""
    detail = message.split(": ", 2)[-1].splitlines()[0]
    lowered = detail.lower()
    if "macaroon" in lowered or "permission" in lowered or "verification failed" in lowered:
        return f"LND refused the macaroon {entry.macaroon} ({detail})"
    if any(word in lowered for word in ("ssl", "handshake", "certificate", "tls")):
        return f"the TLS cert {entry.cert} does not match the node at {entry.address} ({detail})"
    if "unreachable" in lowered or "deadline" in lowered or "connect" in lowered:
        return f"no LND answers at {entry.address} ({detail})"
    return detail


def _read(client: LndClient, entry: NodeEntry, call: str, read: Any) -> Any:
    try:
        return read(client)
    except NodeError as exc:
        raise AttachError(f"node {entry.id}: {call} failed: {_diagnose(str(exc), entry)}") from None


def _swap_terms(swap: SwapService | None, entries: list[NodeEntry], clients: dict[str, LndClient],
                names: dict[str, str]) -> dict[str, Any] | None:
    """The scenario's [swap] table: the file's terms, the server by its name here and, as its
    reserve, the confirmed balance of its wallet now (lngym funds nothing it did not start)."""
    if swap is None:
        return None
    server = next(e for e in entries if e.id == swap.server)
    wallet = _read(clients[server.id], server, "WalletBalance", lambda c: c.wallet_balance())
    return asdict(replace(swap, server=names[server.id], reserve_sat=int(wallet.confirmed_balance)))


def _names(entries: list[NodeEntry], aliases: dict[str, str]) -> dict[str, str]:
    """Each node's name: its alias if unique and usable as a node name, else its id made usable."""
    counts: dict[str, int] = {}
    for alias in aliases.values():
        counts[alias] = counts.get(alias, 0) + 1
    names: dict[str, str] = {}
    for entry in entries:
        alias = aliases[entry.id]
        name = alias if counts[alias] == 1 and _USABLE_NAME.match(alias) else _usable(entry.id)
        if name in names.values():
            name = _usable(entry.id)
        if name in names.values():
            raise AttachError(f"node {entry.id}: its name {name!r} is taken by another node; give it another id")
        names[entry.id] = name
    return names


def _usable(node_id: str) -> str:
    """``node_id`` as a scenario node name (lowercase letters, digits, _; starting with a letter)."""
    name = re.sub(r"[^a-z0-9_]", "_", node_id.lower())
    if not name or not name[0].isalpha():
        name = "n_" + name
    return name[:32]


def _channels(views: dict[str, list[Any]], pubkeys: dict[str, str]) -> tuple[list[ChannelRecord], list[str]]:
    """The open channels between attached nodes, in node order, opener first; and those left out."""
    name_of = {pubkey: name for name, pubkey in pubkeys.items()}
    records: list[ChannelRecord] = []
    seen_ids: set[int] = set()
    pairs: set[frozenset[str]] = set()
    skipped: list[str] = []
    for name, channels in views.items():
        for channel in sorted(channels, key=lambda c: c.chan_id):
            peer = name_of.get(channel.remote_pubkey)
            if peer is None or channel.chan_id in seen_ids:
                continue
            seen_ids.add(channel.chan_id)
            a, b = (name, peer) if channel.initiator else (peer, name)
            local_a = channel.local_balance if a == name else channel.remote_balance
            local_b = channel.remote_balance if a == name else channel.local_balance
            if frozenset((a, b)) in pairs:  # a scenario has one channel per pair
                skipped.append(f"{a}-{b} {channel.chan_id}")
                continue
            pairs.add(frozenset((a, b)))
            records.append(ChannelRecord(
                index=len(records), a=a, b=b, capacity=channel.capacity, chan_id=channel.chan_id,
                channel_point=channel.channel_point, initial_a=local_a, initial_b=local_b,
            ))
    return records, skipped


def _node_policies(graph: Any, pubkeys: dict[str, str]) -> dict[str, dict[str, int]]:
    """Each attached node's announced policy (from its first channel in the graph)."""
    name_of = {pubkey: name for name, pubkey in pubkeys.items()}
    found: dict[str, dict[str, int]] = {}
    for edge in graph.edges:
        for owner, policy in ((edge.node1_pub, edge.node1_policy), (edge.node2_pub, edge.node2_policy)):
            name = name_of.get(owner)
            if name is None or name in found or not policy.time_lock_delta:
                continue
            found[name] = {"base_fee_msat": policy.fee_base_msat, "fee_rate_ppm": policy.fee_rate_milli_msat,
                           "time_lock_delta": max(policy.time_lock_delta, 18)}
    return found


def _scenario(home: Path, nodes: list[str], channels: list[ChannelRecord],
              policies: dict[str, dict[str, int]], swap: dict[str, Any] | None) -> dict[str, Any]:
    """The scenario of the attached network: its nodes, channels (split at attach time), policies
    and swap server."""
    scenario = {
        "name": f"attached-{home.name}",
        "description": "read from the nodes by `lngym attach`",
        "nodes": nodes,
        "channels": [{"a": c.a, "b": c.b, "capacity": c.capacity,
                      "split": round(c.initial_a / c.capacity, 6)} for c in channels],
        "policy": {"nodes": policies},
    }
    return scenario if swap is None else {**scenario, "swap": swap}
