"""Channel states read from both ends of every channel, once they agree.

A payment is reported settled before the last commitment update is exchanged,
so right after a batch one end can still show the old split; waiting (briefly)
for both ends to agree gives observations that do not depend on that race. A
channel with an end down is reported inactive, with the balances last seen.

An HTLC that a swap holds on purpose (a Loop Out's, until its on-chain leg
confirms) stays pending for blocks: both ends list it, and it does not stop
them agreeing. Any other pending HTLC is a payment still under way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from lngym.errors import NodeError
from lngym.network.base import ChannelState, Snapshot
from lngym.network.native.cluster_view import ClusterView
from lngym.network.native.state import ChannelRecord
from lngym.wait import WaitTimeout, wait_until

#: Seconds a snapshot waits for both ends of every channel to agree.
SETTLE_TIMEOUT = 3.0


class SnapshotReader:
    """Reads agreed snapshots of a cluster's channels and remembers the last one."""

    def __init__(self, cluster: ClusterView, held: Callable[[], Collection[bytes]] = frozenset) -> None:
        """``held``: the payment hashes whose HTLCs are held on purpose right now."""
        self.cluster = cluster
        self.held = held
        self.last: Snapshot | None = None

    def read(self) -> Snapshot:
        """The channels once both ends agree (or as they are after ``SETTLE_TIMEOUT``)."""
        snapshot: Snapshot | None
        try:
            snapshot = wait_until(self._agreed, SETTLE_TIMEOUT, "both ends of every channel to agree",
                                  interval=0.01)
        except WaitTimeout:
            snapshot = None
        self.last = snapshot if snapshot is not None else self._read()[0]
        return self.last

    def forget(self) -> None:
        """Drop the remembered balances (after a rebuild they mean nothing)."""
        self.last = None

    def _agreed(self) -> Snapshot | None:
        snapshot, agreed = self._read()
        return snapshot if agreed else None

    def _read(self) -> tuple[Snapshot, bool]:
        views: dict[str, dict[int, Any] | None] = {}
        for name, node in self.cluster.lnd.items():
            try:
                views[name] = {c.chan_id: c for c in node.client.list_channels()}
            except NodeError:
                views[name] = None
        states, agreed = [], True
        held = set(self.held())
        for record in self.cluster.channel_records:
            state, same = self._channel_state(record, views[record.a], views[record.b], held)
            states.append(state)
            agreed = agreed and same
        return Snapshot(tuple(states)), agreed

    def _channel_state(
        self, record: ChannelRecord, seen_a: dict[int, Any] | None, seen_b: dict[int, Any] | None,
        held: set[bytes],
    ) -> tuple[ChannelState, bool]:
        """The channel from a's view (b's if a is down) and whether both views agree."""
        from_a = (seen_a or {}).get(record.chan_id)
        from_b = (seen_b or {}).get(record.chan_id)
        agreed = True
        if from_a is not None:
            balance_a, balance_b = from_a.local_balance, from_a.remote_balance
            active = from_a.active and from_b is not None
            if from_b is not None:
                agreed = (from_b.remote_balance, from_b.local_balance) == (balance_a, balance_b) and (
                    _only_held(from_a, held) and _only_held(from_b, held)
                    and _htlcs(from_a) == _htlcs(from_b)
                )
        elif from_b is not None:
            balance_a, balance_b, active = from_b.remote_balance, from_b.local_balance, False
        else:
            (balance_a, balance_b), active = self._last_known(record), False
        state = ChannelState(
            index=record.index, id=str(record.chan_id), a=record.a, b=record.b,
            capacity_sat=record.capacity, balance_a_sat=balance_a, balance_b_sat=balance_b,
            active=active,
        )
        return state, agreed

    def _last_known(self, record: ChannelRecord) -> tuple[int, int]:
        if self.last is not None:
            last = self.last.channels[record.index]
            return last.balance_a_sat, last.balance_b_sat
        return record.initial_a, record.initial_b


def _htlcs(channel: Any) -> set[tuple[bytes, int]]:
    """A channel's pending HTLCs as (payment hash, amount)."""
    return {(h.hash_lock, h.amount) for h in channel.pending_htlcs}


def _only_held(channel: Any, held: set[bytes]) -> bool:
    """Whether every HTLC pending on the channel is one held on purpose (and they are all it has in flight)."""
    htlcs = channel.pending_htlcs
    return all(h.hash_lock in held for h in htlcs) and channel.unsettled_balance == sum(h.amount for h in htlcs)
