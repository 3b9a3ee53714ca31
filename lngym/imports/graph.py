"""One channel graph read from another tool, turned into a scenario table.

Every importer (SimLN, lncli describegraph, CLoTH) reads its file into a
``ForeignGraph`` and this module does the rest the same way for all: names,
parallel channels merged (a scenario holds one channel per pair; LND's
non-strict forwarding uses any of them anyway), an optional neighbourhood cut,
each channel opened by the end that holds more, each channel opened by the end that holds more, channels below LND's minimum size
left out, and per-direction policies folded into what a scenario can say — one policy per
node (its most common outgoing one) on top of the most common overall, so the
result runs unchanged on the native backend too.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from lngym.errors import ScenarioError
from lngym.imports.names import node_names
from lngym.network.limits import MIN_CHANNEL_SAT

#: A's share of each channel when the source gives capacity only (a setting of every import).
DEFAULT_SPLIT = 0.5
#: LND refuses a time lock delta below this; lower announced values are raised to it.
MIN_TIME_LOCK_DELTA = 18


@dataclass(frozen=True)
class ForeignPolicy:
    """What one end announces for forwarding out of a channel (the fields scenarios keep)."""

    base_fee_msat: int
    fee_rate_ppm: int
    time_lock_delta: int

    def as_table(self) -> dict[str, int]:
        """The policy as a scenario ``[policy]`` table, its time lock raised to LND's minimum."""
        return {
            "base_fee_msat": self.base_fee_msat,
            "fee_rate_ppm": self.fee_rate_ppm,
            "time_lock_delta": max(self.time_lock_delta, MIN_TIME_LOCK_DELTA),
        }


@dataclass(frozen=True)
class ForeignChannel:
    """One channel as the source lists it; ``where`` names its entry for error messages."""

    where: str
    node1: str
    node2: str
    capacity_sat: int
    policy1: ForeignPolicy | None = None
    policy2: ForeignPolicy | None = None
    #: node1's share of the capacity when the source knows it (CLoTH does).
    split: float | None = None


@dataclass
class ForeignGraph:
    """Nodes as ``key -> alias`` and channels, as read from one file."""

    source: str
    format: str
    nodes: dict[str, str] = field(default_factory=dict)
    channels: list[ForeignChannel] = field(default_factory=list)
    #: Traffic the source defines (SimLN activity), already in scenario form.
    traffic: dict[str, Any] = field(default_factory=dict)


def neighbourhood(graph: ForeignGraph, around: str, depth: int) -> ForeignGraph:
    """The part of ``graph`` within ``depth`` channels of node ``around`` (a key or alias).

    A mainnet graph has ~15k nodes; a user studying their own node wants the
    few hundred it can reach in two or three hops.
    """
    if depth < 0:
        raise ScenarioError(f"--depth: expected 0 or more hops, got {depth}")
    start = around if around in graph.nodes else next(
        (key for key, alias in graph.nodes.items() if alias and alias.lower() == around.lower()), None
    )
    if start is None:
        raise ScenarioError(f"{graph.source}: --around: expected a node of the graph (public key or alias), got {around!r}")
    adjacent: dict[str, set[str]] = {}
    for channel in graph.channels:
        adjacent.setdefault(channel.node1, set()).add(channel.node2)
        adjacent.setdefault(channel.node2, set()).add(channel.node1)
    hops = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if hops[node] == depth:
            continue
        for other in sorted(adjacent.get(node, ())):
            if other not in hops:
                hops[other] = hops[node] + 1
                queue.append(other)
    kept = [c for c in graph.channels if c.node1 in hops and c.node2 in hops]
    nodes = {key: alias for key, alias in graph.nodes.items() if key in hops}
    return ForeignGraph(graph.source, graph.format, nodes, kept, graph.traffic)


def check_ends(graph: ForeignGraph, channel: ForeignChannel, fields: tuple[str, str]) -> None:
    """A channel must join two nodes the file lists; the error names the entry and field."""
    for end, name in zip((channel.node1, channel.node2), fields):
        if end not in graph.nodes:
            raise ScenarioError(
                f"{graph.source}: {channel.where}.{name}: expected a node the file lists, got {end!r}"
            )


def scenario_table(graph: ForeignGraph, name: str, split: float = DEFAULT_SPLIT) -> dict[str, Any]:
    """The scenario (as the mapping ``scenario_from_dict`` and the TOML writer take) of ``graph``."""
    if not 0.0 <= split <= 1.0:
        raise ScenarioError(f"--split: expected a number from 0 to 1, got {split}")
    merged: dict[tuple[str, str], list[float]] = {}  # (a, b) -> [capacity, a's sat]
    outgoing: dict[str, Counter[ForeignPolicy]] = {}
    for channel in graph.channels:
        if channel.node1 == channel.node2:
            continue
        share = channel.split if channel.split is not None else split
        a, b = sorted((channel.node1, channel.node2))
        held_a = channel.capacity_sat * (share if a == channel.node1 else 1.0 - share)
        entry = merged.setdefault((a, b), [0, 0.0])
        entry[0] += channel.capacity_sat
        entry[1] += held_a
        for end, policy in ((channel.node1, channel.policy1), (channel.node2, channel.policy2)):
            if policy is not None:
                outgoing.setdefault(end, Counter())[policy] += channel.capacity_sat
    # Channels LND could not open (below its minimum size) are left out, and counted.
    small = sum(1 for cap, _ in merged.values() if cap < MIN_CHANNEL_SAT)
    # The end holding more is made ``a``, the opener: it funded the channel, and only
    # it can pay the commitment fee and anchors an opener keeps back.
    merged = {
        ((a, b) if held >= cap - held else (b, a)): [cap, max(held, cap - held)]
        for (a, b), (cap, held) in merged.items() if cap >= MIN_CHANNEL_SAT
    }
    if not merged:
        raise ScenarioError(
            f"{graph.source}: expected at least one channel of {MIN_CHANNEL_SAT:,} sat or more between two "
            "nodes, got none")
    joined = {key for pair in merged for key in pair}
    order = [key for key in graph.nodes if key in joined]
    names = node_names((key, graph.nodes[key]) for key in order)
    table: dict[str, Any] = {
        "name": name,
        "description": f"imported from {graph.format} file {graph.source}"
        + (f"; {small} channels below LND's {MIN_CHANNEL_SAT:,} sat minimum left out" if small else ""),
        "nodes": [names[key] for key in order],
        "channels": [
            {"a": names[a], "b": names[b], "capacity": int(cap), "split": round(held / cap, 6) if cap else split}
            for (a, b), (cap, held) in merged.items()
        ],
    }
    table["policy"] = _policies(outgoing, names)
    if graph.traffic:
        table["traffic"] = graph.traffic
    return table


def _policies(outgoing: dict[str, Counter[ForeignPolicy]], names: dict[str, str]) -> dict[str, Any]:
    """``[policy]`` as the most common policy (by capacity) and per-node overrides where a node's differs."""
    overall: Counter[ForeignPolicy] = Counter()
    for counts in outgoing.values():
        overall.update(counts)
    if not overall:
        return {}
    common = overall.most_common(1)[0][0].as_table()
    overrides = {}
    for key, counts in outgoing.items():
        if key in names:
            own = counts.most_common(1)[0][0].as_table()
            if own != common:
                overrides[names[key]] = {k: v for k, v in own.items() if v != common[k]}
    return {**common, "nodes": dict(sorted(overrides.items()))} if overrides else common
