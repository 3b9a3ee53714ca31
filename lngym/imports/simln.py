"""SimLN's ``sim.json``: the ``sim_network`` of its simulated mode and its ``activity``.

SimLN describes a network channel by channel (``scid``, ``capacity_msat`` and
both ends, each with ``pubkey``, ``alias`` and its policy), so the same file that
drives a SimLN run can become a lngym scenario. Its defined ``activity`` becomes
``[traffic.defined]`` activities; sources and destinations given by public key
or alias resolve to the imported node names here, by ``resolve_activity``,
which an attach backend can call with the public keys its nodes report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lngym.imports.fields import entry, fail, text, whole
from lngym.imports.graph import ForeignChannel, ForeignGraph, ForeignPolicy, check_ends
from lngym.imports.names import node_names, resolve_node

_ACTIVITY_KEYS = {"source": "source", "destination": "destination", "interval_secs": "interval_s",
                  "count": "count", "start_secs": "start_s"}


def read_simln(source: str, data: Mapping[str, Any]) -> ForeignGraph:
    """The graph and activity of a parsed sim.json."""
    raw_channels = data.get("sim_network")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise fail(source, "sim_network", "a non-empty list of channels", raw_channels)
    graph = ForeignGraph(source, "SimLN")
    for i, raw in enumerate(raw_channels):
        where = f"sim_network[{i}]"
        channel = entry(source, raw, where)
        capacity_msat = whole(source, channel, where, "capacity_msat", low=1)
        if capacity_msat < 1000:
            raise fail(source, f"{where}.capacity_msat", "at least 1000 msat (1 sat)", capacity_msat)
        ends = []
        for side in ("node_1", "node_2"):
            node = entry(source, channel.get(side), f"{where}.{side}")
            key = text(source, node, f"{where}.{side}", "pubkey").lower()
            graph.nodes.setdefault(key, text(source, node, f"{where}.{side}", "alias", required=False))
            ends.append((key, _policy(source, node, f"{where}.{side}")))
        graph.channels.append(ForeignChannel(
            where, ends[0][0], ends[1][0], capacity_msat // 1000, ends[0][1], ends[1][1]))
    for channel in graph.channels:
        check_ends(graph, channel, ("node_1.pubkey", "node_2.pubkey"))
    activity = data.get("activity", [])
    if not isinstance(activity, list):
        raise fail(source, "activity", "a list of SimLN activities", activity)
    if activity:
        names = node_names(graph.nodes.items())
        aliases = {alias.lower(): names[key] for key, alias in graph.nodes.items() if alias}
        graph.traffic = {"model": "defined",
                         "defined": {"activity": resolve_activity(source, activity, names, aliases)}}
    return graph


def _policy(source: str, node: dict[str, Any], where: str) -> ForeignPolicy:
    """One end's forwarding policy (SimLN's ``base_fee`` is msat, ``fee_rate_prop`` ppm)."""
    return ForeignPolicy(
        base_fee_msat=whole(source, node, where, "base_fee"),
        fee_rate_ppm=whole(source, node, where, "fee_rate_prop"),
        time_lock_delta=whole(source, node, where, "cltv_expiry_delta"),
    )


def resolve_activity(
    source: str, activity: list[Any], names_by_key: Mapping[str, str], aliases: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """SimLN activities as ``[[traffic.defined.activity]]`` tables naming scenario nodes.

    ``names_by_key`` maps public keys to node names — from the import, or from a
    running network's nodes. Amounts become whole sat (what payments are made
    in); other fields keep their values and are checked when the workload is built.
    """
    tables = []
    for i, raw in enumerate(activity):
        where = f"activity[{i}]"
        item = entry(source, raw, where)
        table: dict[str, Any] = {}
        for key, own in _ACTIVITY_KEYS.items():
            if key in item:
                table[own] = item[key]
        for end in ("source", "destination"):
            value = item.get(end)
            name = resolve_node(value, names_by_key, aliases) if isinstance(value, str) else None
            if name is None:
                raise fail(source, f"{where}.{end}", "a node of the network (public key or alias)", value)
            table[end] = name
        if "amount_msat" not in item:
            raise fail(source, f"{where}.amount_msat", "a field here", "nothing")
        table["amount_sat"] = _sat(source, f"{where}.amount_msat", item["amount_msat"])
        table["description"] = f"SimLN activity {i}"
        tables.append(table)
    return tables


def _sat(source: str, where: str, value: Any) -> int | list[int]:
    """An msat amount or ``[low, high]`` range in whole sat (at least 1, a range kept a range)."""
    def one(msat: Any) -> int:
        if isinstance(msat, bool) or not isinstance(msat, int) or msat <= 0:
            raise fail(source, where, "msat above 0, or [low, high]", value)
        return max(1, round(msat / 1000))

    if isinstance(value, list) and len(value) == 2:
        low, high = one(value[0]), one(value[1])
        if value[0] >= value[1]:
            raise fail(source, where, "[low, high] with low < high", value)
        return low if low >= high else [low, high]
    return one(value)
