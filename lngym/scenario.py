"""Scenario files: the topology, capacities, traffic model and env settings of one experiment.

A scenario is a TOML file in ``envs/`` (``envs/seed.toml`` is the default). It is
validated as a whole when loaded, so a typo fails at once with the file, the
field and what was expected, rather than half-way through starting nodes::

    name = "seed"
    nodes = ["alice", "bob", "carol", "dave", "eve"]

    [[channels]]
    a = "alice"
    b = "bob"
    capacity = 1_000_000   # sat
    split = 0.5            # share of the capacity on a's side after opening

    [policy]               # what every node announces (LND's defaults where absent)
    base_fee_msat = 1000
    fee_rate_ppm = 0

    [policy.nodes.bob]     # bob's own outgoing directions: [policy] with these changes
    base_fee_msat = 2000

    [traffic]              # read by lngym.traffic
    [env]                  # read by lngym.envs
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lngym.errors import ScenarioError, UnknownNodeError

#: Prefix the seed testnet used for node names on the wire (``lnd-alice``).
WIRE_PREFIX = "lnd-"
#: Where scenario names without a path are looked up, unless LNGYM_ENVS says otherwise.
DEFAULT_ENVS_DIR = Path(__file__).resolve().parent.parent / "envs"
DEFAULT_SCENARIO = "seed"

_NODE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class ChannelSpec:
    """One channel as the scenario asks for it: its ends, size and opening split."""

    a: str
    b: str
    capacity_sat: int
    split: float = 0.5

    @property
    def push_sat(self) -> int:
        """What the opener ``a`` pushes to ``b`` so that ``b`` holds ``1 - split``."""
        return round(self.capacity_sat * (1.0 - self.split))


@dataclass(frozen=True)
class FeePolicy:
    """The routing policy a node announces (LND's --bitcoin.basefee/feerate/timelockdelta)."""

    base_fee_msat: int = 1000
    fee_rate_ppm: int = 1
    time_lock_delta: int = 80


@dataclass(frozen=True)
class SwapService:
    """A submarine swap server (Loop-like) inside the network: one of the scenario's nodes.

    ``[swap]`` in a scenario. Its fee is ``base_fee_sat + fee_ppm`` of the amount;
    the on-chain leg confirms after ``confirmations`` blocks; ``reserve_sat`` is what
    it can pay out in swaps out on the twin (live, the server is the deep wallet that
    funded the network and holds the rest of the mined coins, far more). The twin
    charges each swap's on-chain transaction ``miner_fee_sat`` (the live backend
    pays whatever LND's wallet pays).
    """

    server: str
    base_fee_sat: int = 0
    fee_ppm: int = 5_000
    confirmations: int = 3
    min_sat: int = 50_000
    max_sat: int = 5_000_000
    reserve_sat: int = 50_000_000
    miner_fee_sat: int = 300

    def server_fee_sat(self, amount_sat: int) -> int:
        """The server's fee for a swap of ``amount_sat``."""
        return self.base_fee_sat + amount_sat * self.fee_ppm // 1_000_000

    def quoted_fee_sat(self, amount_sat: int) -> int:
        """What a swap of ``amount_sat`` is quoted at: the server's fee and one miner fee."""
        return self.server_fee_sat(amount_sat) + self.miner_fee_sat


#: The fields of a [swap] table, with what each must be.
SWAP_FIELDS = ("server", "base_fee_sat", "fee_ppm", "confirmations", "min_sat", "max_sat", "reserve_sat",
               "miner_fee_sat")


#: The fields of a [policy] table (and of each [policy.nodes.<name>] override).
POLICY_FIELDS = ("base_fee_msat", "fee_rate_ppm", "time_lock_delta")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; channel order here is the order of observation vectors."""

    name: str
    nodes: tuple[str, ...]
    channels: tuple[ChannelSpec, ...]
    traffic: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None
    policy: FeePolicy = FeePolicy()
    #: Nodes whose policy differs from ``policy`` ([policy.nodes.<name>], merged already).
    node_policies: Mapping[str, FeePolicy] = field(default_factory=dict)
    #: The swap server, if the scenario has one ([swap]).
    swap: SwapService | None = None
    #: On-chain funds each node may spend when an episode starts, in sat ([wallets]; others:
    #: none). Its wallet holds LND's anchor reserve on top (``limits.starting_wallets``).
    wallets: Mapping[str, int] = field(default_factory=dict)

    def policy_of(self, name: str) -> FeePolicy:
        """The policy ``name`` announces on its outgoing directions: its override, else [policy]."""
        return self.node_policies.get(self.node(name), self.policy)

    @cached_property
    def node_set(self) -> frozenset[str]:
        """The node names, for lookups that must not scan the tuple."""
        return frozenset(self.nodes)

    @cached_property
    def channel_counts(self) -> Mapping[str, int]:
        """How many channels each node has (a node without any is missing)."""
        counts: dict[str, int] = {}
        for spec in self.channels:
            counts[spec.a] = counts.get(spec.a, 0) + 1
            counts[spec.b] = counts.get(spec.b, 0) + 1
        return counts

    @cached_property
    def _channel_by_pair(self) -> dict[frozenset[str], int]:
        return {frozenset((spec.a, spec.b)): index for index, spec in enumerate(self.channels)}

    def node(self, name: str) -> str:
        """The canonical node name for ``name`` (``lnd-alice`` or ``alice``)."""
        bare = name.removeprefix(WIRE_PREFIX)
        if bare not in self.node_set:
            raise UnknownNodeError(
                f"unknown node {name!r}; scenario {self.name!r} has {', '.join(self.nodes)}"
            )
        return bare

    def channel_index(self, a: str, b: str) -> int:
        """Index of the channel between ``a`` and ``b`` in either direction."""
        a, b = self.node(a), self.node(b)
        index = self._channel_by_pair.get(frozenset((a, b)))
        if index is not None and a != b:
            return index
        raise ScenarioError(f"scenario {self.name!r} has no channel between {a} and {b}")


def wire_name(node: str) -> str:
    """The seed's on-the-wire name of a node, as used in CSV rows and WebSocket messages."""
    return node if node.startswith(WIRE_PREFIX) else WIRE_PREFIX + node


def resolve_path(name_or_path: str | os.PathLike[str] | None) -> Path:
    """Find a scenario file from a path or a bare name such as ``seed``."""
    raw = str(name_or_path) if name_or_path is not None else DEFAULT_SCENARIO
    candidate = Path(raw)
    if candidate.suffix or candidate.parent != Path(".") or candidate.is_dir():
        if not candidate.exists():
            raise ScenarioError(f"{candidate}: scenario file not found")
        return candidate.resolve()
    envs_dir = Path(os.environ.get("LNGYM_ENVS", DEFAULT_ENVS_DIR))
    found = envs_dir / f"{raw}.toml"
    if not found.is_file():
        known = sorted(p.stem for p in envs_dir.glob("*.toml"))
        raise ScenarioError(
            f"no scenario named {raw!r} in {envs_dir}; known: {', '.join(known) or 'none'}"
        )
    return found


def load_scenario(name_or_path: str | os.PathLike[str] | None = None) -> Scenario:
    """Read and validate a scenario file; every problem names the file and field.

    A file of another tool (SimLN sim.json, lncli describegraph JSON, a CLoTH
    snapshot) is recognised by its content and imported (``lngym.imports``).
    """
    path = resolve_path(name_or_path)
    from lngym.imports import (  # imports build on this module
        detect_format,
        import_scenario,
    )

    fmt = detect_format(path)
    if fmt != "toml":
        return scenario_from_dict(import_scenario(path, fmt), source=str(path), path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return scenario_from_dict(data, source=str(path), path=path)


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<scenario>", path: Path | None = None
) -> Scenario:
    """Validate a scenario given as a mapping (a parsed TOML file or built in code)."""

    def fail(field_name: str, expected: str, got: Any) -> ScenarioError:
        return ScenarioError(f"{source}: {field_name}: expected {expected}, got {got!r}")

    known_keys = {"name", "description", "nodes", "channels", "policy", "traffic", "env", "swap", "wallets"}
    unknown = sorted(set(data) - known_keys)
    if unknown:
        raise fail(unknown[0], f"one of {', '.join(sorted(known_keys))}", unknown[0])

    name = data.get("name", path.stem if path else "scenario")
    if not isinstance(name, str) or not name:
        raise fail("name", "a non-empty string", name)

    nodes = data.get("nodes")
    if not isinstance(nodes, list) or len(nodes) < 2:
        raise fail("nodes", "a list of at least two node names", nodes)
    for i, node in enumerate(nodes):
        if not isinstance(node, str) or not _NODE_NAME.match(node):
            raise fail(f"nodes[{i}]", "a lowercase name like 'alice' (a-z, 0-9, _)", node)
    if len(set(nodes)) != len(nodes):
        raise fail("nodes", "unique names", nodes)

    raw_channels = data.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise fail("channels", "a non-empty list of [[channels]] tables", raw_channels)
    node_set = set(nodes)  # once, not per channel: an imported graph has ~6k nodes and ~30k channels
    channels = tuple(
        _channel_from_dict(raw, f"channels[{i}]", node_set, fail)
        for i, raw in enumerate(raw_channels)
    )
    seen: set[frozenset[str]] = set()  # a set, not list.index: imported graphs have ~30k channels
    for i, channel in enumerate(channels):
        pair = frozenset((channel.a, channel.b))
        if pair in seen:
            raise fail(f"channels[{i}]", "at most one channel per pair of nodes", sorted(pair))
        seen.add(pair)

    for section in ("traffic", "env"):
        if not isinstance(data.get(section, {}), dict):
            raise fail(section, "a table", data[section])
    policy, node_policies = _policies_from_dict(data.get("policy", {}), nodes, fail)
    return Scenario(
        swap=swap_from_dict(data.get("swap"), nodes, fail),
        wallets=_wallets_from_dict(data.get("wallets", {}), nodes, fail),
        policy=policy,
        node_policies=node_policies,
        name=name,
        nodes=tuple(nodes),
        channels=channels,
        traffic=dict(data.get("traffic", {})),
        env=dict(data.get("env", {})),
        path=path,
    )


def _policies_from_dict(raw: Any, nodes: list[str], fail: Any) -> tuple[FeePolicy, dict[str, FeePolicy]]:
    """Validate the optional ``[policy]`` table and its per-node ``[policy.nodes.<name>]`` overrides.

    An override holds only what differs, so each node's policy is the global one
    with the override's fields replaced: a scenario can make one node dearer
    without repeating the rest (and the global defaults stay LND's).
    """
    if not isinstance(raw, dict):
        raise fail("policy", "a table", raw)
    overrides = raw.get("nodes", {})
    if not isinstance(overrides, dict):
        raise fail("policy.nodes", "a table of [policy.nodes.<node>] tables", overrides)
    extra = sorted(set(raw) - {*POLICY_FIELDS, "nodes"})
    if extra:
        raise fail(f"policy.{extra[0]}", f"one of {', '.join(POLICY_FIELDS)}, nodes", extra[0])
    common = {k: v for k, v in raw.items() if k != "nodes"}
    policy = _policy_fields(common, FeePolicy(), "policy", fail)
    node_policies: dict[str, FeePolicy] = {}
    for node, fields in overrides.items():
        if node not in nodes:
            raise fail(f"policy.nodes.{node}", f"one of the nodes ({', '.join(sorted(nodes))})", node)
        if not isinstance(fields, dict):
            raise fail(f"policy.nodes.{node}", "a table of policy fields", fields)
        node_policies[node] = _policy_fields(fields, policy, f"policy.nodes.{node}", fail)
    return policy, node_policies


def _policy_fields(raw: dict[str, Any], base: FeePolicy, where: str, fail: Any) -> FeePolicy:
    """``base`` with the fields ``raw`` gives, each checked against what LND accepts."""
    extra = sorted(set(raw) - set(POLICY_FIELDS))
    if extra:
        raise fail(f"{where}.{extra[0]}", f"one of {', '.join(POLICY_FIELDS)}", extra[0])
    values = {key: raw.get(key, getattr(base, key)) for key in POLICY_FIELDS}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"{where}.{key}", "a whole number ≥ 0", value)
    if values["time_lock_delta"] < 18:
        raise fail(f"{where}.time_lock_delta", "at least 18 (LND's minimum)", values["time_lock_delta"])
    return FeePolicy(**values)


def _channel_from_dict(raw: Any, where: str, nodes: set[str], fail: Any) -> ChannelSpec:
    """Validate one ``[[channels]]`` entry."""
    if not isinstance(raw, dict):
        raise fail(where, "a table with a, b and capacity", raw)
    extra = sorted(set(raw) - {"a", "b", "capacity", "split"})
    if extra:
        raise fail(f"{where}.{extra[0]}", "one of a, b, capacity, split", extra[0])
    for end in ("a", "b"):
        if raw.get(end) not in nodes:
            raise fail(f"{where}.{end}", f"one of the nodes ({', '.join(sorted(nodes))})", raw.get(end))
    if raw["a"] == raw["b"]:
        raise fail(f"{where}.b", "a node other than a", raw["b"])
    capacity = raw.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
        raise fail(f"{where}.capacity", "a positive integer number of sat", capacity)
    split = raw.get("split", 0.5)
    if not isinstance(split, (int, float)) or isinstance(split, bool) or not 0.0 <= split <= 1.0:
        raise fail(f"{where}.split", "a number from 0 to 1 (a's share of the capacity)", split)
    return ChannelSpec(a=raw["a"], b=raw["b"], capacity_sat=capacity, split=float(split))


def swap_from_dict(raw: Any, nodes: list[str], fail: Any) -> SwapService | None:
    """Validate the optional ``[swap]`` table (also an attach nodes file's ``swap`` entry, whose
    ``nodes`` are the file's ids); ``fail(field, expected, got)`` makes the error to raise."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("swap", "a table", raw)
    extra = sorted(set(raw) - set(SWAP_FIELDS))
    if extra:
        raise fail(f"swap.{extra[0]}", f"one of {', '.join(SWAP_FIELDS)}", extra[0])
    if raw.get("server") not in nodes:
        raise fail("swap.server", f"one of the nodes ({', '.join(sorted(nodes))})", raw.get("server"))
    values = {key: raw[key] for key in SWAP_FIELDS[1:] if key in raw}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"swap.{key}", "a whole number ≥ 0", value)
    service = SwapService(server=raw["server"], **values)
    if service.confirmations < 1:
        raise fail("swap.confirmations", "at least 1 block", service.confirmations)
    if not 0 < service.min_sat <= service.max_sat:
        raise fail("swap.min_sat", f"above 0 and at most max_sat ({service.max_sat})", service.min_sat)
    return service


def _wallets_from_dict(raw: Any, nodes: list[str], fail: Any) -> dict[str, int]:
    """Validate the optional ``[wallets]`` table: node = on-chain sat."""
    if not isinstance(raw, dict):
        raise fail("wallets", "a table of node = sat", raw)
    for node, value in raw.items():
        if node not in nodes:
            raise fail(f"wallets.{node}", f"one of the nodes ({', '.join(sorted(nodes))})", node)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"wallets.{node}", "a whole number of sat ≥ 0", value)
    return dict(raw)
