"""When the two ends of a live channel agree (lngym/network/native/snapshot.py), on made-up ListChannels rows.

A payment under way leaves HTLCs pending and the ends may not yet show the same
split: the snapshot waits. An HTLC a swap holds on purpose stays pending for
blocks: both ends list the same one, and the snapshot must not wait for it.
"""

from __future__ import annotations

from types import SimpleNamespace

from lngym.network.native.snapshot import SnapshotReader
from lngym.network.native.state import ChannelRecord

HELD = b"h" * 32
OTHER = b"o" * 32


def row(local: int, remote: int, htlcs: tuple[tuple[bytes, int], ...] = ()) -> SimpleNamespace:
    """One end's ListChannels entry of chan_id 7."""
    pending = [SimpleNamespace(hash_lock=h, amount=a) for h, a in htlcs]
    return SimpleNamespace(chan_id=7, local_balance=local, remote_balance=remote, active=True,
                           unsettled_balance=sum(a for _h, a in htlcs), pending_htlcs=pending)


def agreed(seen_a: SimpleNamespace, seen_b: SimpleNamespace, held: set[bytes]) -> bool:
    record = ChannelRecord(index=0, a="alice", b="bob", chan_id=7, capacity=1_000_000,
                           initial_a=500_000, initial_b=500_000)
    reader = SnapshotReader(SimpleNamespace())  # type: ignore[arg-type]  # only _channel_state is used
    _state, same = reader._channel_state(record, {7: seen_a}, {7: seen_b}, held)
    return same


def test_mirrored_ends_without_htlcs_agree() -> None:
    assert agreed(row(400_000, 590_000), row(590_000, 400_000), set())


def test_a_split_seen_differently_does_not_agree() -> None:
    assert not agreed(row(400_000, 590_000), row(580_000, 410_000), set())


def test_a_held_swap_htlc_on_both_ends_agrees() -> None:
    htlc = ((HELD, 10_000),)
    assert agreed(row(400_000, 580_000, htlc), row(580_000, 400_000, htlc), {HELD})


def test_an_htlc_of_a_payment_under_way_does_not_agree() -> None:
    htlc = ((OTHER, 10_000),)
    assert not agreed(row(400_000, 580_000, htlc), row(580_000, 400_000, htlc), {HELD})


def test_a_held_htlc_on_one_end_only_does_not_agree() -> None:
    assert not agreed(row(400_000, 580_000, ((HELD, 10_000),)), row(580_000, 400_000), {HELD})
