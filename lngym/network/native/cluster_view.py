"""What the swap desk, the snapshot reader and the wallet keeper ask of a cluster.

They drive lnd nodes over gRPC and mine through btcd's RPC; none of them
starts or stops anything. Naming just that much lets the nodes of a network
lngym did not start (``AttachCluster``) stand where ``NativeCluster`` does, so
swaps, snapshots and wallet resets are one piece of code on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from lngym.lnd.client import LndClient
from lngym.network.native.btcd import Btcd
from lngym.network.native.state import ChannelRecord
from lngym.scenario import Scenario


class Liveness(Protocol):
    """Whether a node is up, as far as lngym can tell (its process, or its answers)."""

    def is_running(self) -> bool: ...

    def check_alive(self) -> None:
        """Raise NodeError if the node is known to be gone (called while waiting on it)."""


class NodeView(Protocol):
    """One lnd node: its name, identity, gRPC client and liveness."""

    @property
    def name(self) -> str: ...

    @property
    def pubkey(self) -> str: ...

    @property
    def client(self) -> LndClient: ...

    @property
    def process(self) -> Liveness: ...


class ClusterView(Protocol):
    """A scenario's lnd nodes by name, its channels as opened, and btcd to mine with."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def btcd(self) -> Btcd | None: ...

    @property
    def lnd(self) -> Mapping[str, NodeView]: ...

    @property
    def channel_records(self) -> list[ChannelRecord]: ...

    def node(self, name: str) -> NodeView: ...

    def name_of(self, pubkey: str) -> str: ...
