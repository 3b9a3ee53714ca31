"""``lncli describegraph`` JSON: the channel graph as one LND node sees it.

This is how a user takes the graph around their own mainnet node into the twin:
``lncli describegraph > graph.json`` then ``lngym scenario import graph.json
--around <their pubkey> --depth 2``. Capacities are sat; lncli prints 64-bit
numbers as strings. A direction with no policy yet (``null``) or a disabled one
does not count towards the node's policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lngym.imports.fields import entry, fail, text, whole
from lngym.imports.graph import ForeignChannel, ForeignGraph, ForeignPolicy, check_ends


def read_describegraph(source: str, data: Mapping[str, Any]) -> ForeignGraph:
    """The graph of a parsed describegraph output."""
    graph = ForeignGraph(source, "lncli describegraph")
    for name in ("nodes", "edges"):
        if not isinstance(data.get(name), list):
            raise fail(source, name, "a list", data.get(name))
    for i, raw in enumerate(data["nodes"]):
        node = entry(source, raw, f"nodes[{i}]")
        key = text(source, node, f"nodes[{i}]", "pub_key").lower()
        graph.nodes[key] = text(source, node, f"nodes[{i}]", "alias", required=False)
    for i, raw in enumerate(data["edges"]):
        where = f"edges[{i}]"
        edge = entry(source, raw, where)
        text(source, edge, where, "channel_id") if isinstance(edge.get("channel_id"), str) else whole(
            source, edge, where, "channel_id")
        channel = ForeignChannel(
            where,
            text(source, edge, where, "node1_pub").lower(),
            text(source, edge, where, "node2_pub").lower(),
            whole(source, edge, where, "capacity", low=1),
            _policy(source, edge.get("node1_policy"), f"{where}.node1_policy"),
            _policy(source, edge.get("node2_policy"), f"{where}.node2_policy"),
        )
        check_ends(graph, channel, ("node1_pub", "node2_pub"))
        graph.channels.append(channel)
    return graph


def _policy(source: str, raw: Any, where: str) -> ForeignPolicy | None:
    """One direction's policy; None when lncli has none or it is disabled."""
    if raw is None:
        return None
    policy = entry(source, raw, where)
    if policy.get("disabled") is True:
        return None
    return ForeignPolicy(
        base_fee_msat=whole(source, policy, where, "fee_base_msat", default=0),
        fee_rate_ppm=whole(source, policy, where, "fee_rate_milli_msat", default=0),
        time_lock_delta=whole(source, policy, where, "time_lock_delta"),
    )
