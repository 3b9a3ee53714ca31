"""Loader for the public Lightning graph snapshot (CLoTH's CSVs) as a twin with its own balances.

The CSVs come from the CLoTH simulator. Their README says sat, but capacities,
balances and fees are in msat (the 95th percentile capacity is exactly
16,777,215,000: the old 0.168 BTC channel limit in msat), so they are read as
msat. Parallel channels between the same two nodes (about 3,300) are merged into
one, because a scenario holds one channel per pair and LND's non-strict
forwarding lets a node use any of them anyway: capacities and balances add up,
and each direction keeps the policy of its largest channel.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lngym.imports.cloth import CHANNELS_FILE, EDGES_FILE, snapshot_folder
from lngym.network.base import DirectedPolicy
from lngym.network.sim.constants import MSAT
from lngym.network.sim.network import Sim
from lngym.scenario import ChannelSpec, Scenario


def _read(path: Path) -> np.ndarray:
    """An all-integer CSV with a header line, as an int64 matrix."""
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)


def load_ln_snapshot(directory: str | os.PathLike[str], traffic: dict | None = None) -> Sim:
    """A ``Sim`` of the real graph with its balances and policies (node ``n17`` is id 17).

    ``directory`` is the snapshot's folder (or one of its CSVs): the data is not
    part of lngym, and a missing file says where to get one.
    """
    root = snapshot_folder(Path(directory))
    channels = _read(root / CHANNELS_FILE)
    edge_rows = _read(root / EDGES_FILE).tolist()
    merged: dict[tuple[int, int], list[int]] = {}  # (a, b) -> [cap, bal_a, bal_b, best_a, best_b, best_cap]
    for _, e1, e2, n1, n2, cap in channels.tolist():
        if n1 == n2:
            continue
        key, first, second = ((n1, n2), e1, e2) if n1 < n2 else ((n2, n1), e2, e1)
        entry = merged.setdefault(key, [0, 0, 0, first, second, 0])
        entry[0] += cap
        entry[1] += edge_rows[first][5]
        entry[2] += edge_rows[second][5]
        if cap > entry[5]:
            entry[3], entry[4], entry[5] = first, second, cap
    count = int(max(channels[:, 3].max(), channels[:, 4].max())) + 1
    names = tuple(f"n{i}" for i in range(count))
    specs, balances, policies = [], [], {}
    for (a, b), (cap, bal_a, bal_b, best_a, best_b, _) in merged.items():
        cap_sat = cap // MSAT
        specs.append(ChannelSpec(names[a], names[b], cap_sat, bal_a / cap if cap else 0.5))
        balances += [bal_a, bal_b]
        policies[(names[a], names[b])] = _policy(edge_rows[best_a])
        policies[(names[b], names[a])] = _policy(edge_rows[best_b])
    scenario = Scenario(
        name="ln-snapshot",
        nodes=names,
        channels=tuple(specs),
        traffic=traffic if traffic is not None else {"model": "random"},
        env={},
        path=None,
    )
    return Sim(scenario, policies=policies, balances_msat=balances)


def _policy(edge: list[int]) -> DirectedPolicy:
    """One direction's policy from an edges_ln.csv row."""
    _, _, _, _, _, _, base, ppm, min_htlc, timelock = edge
    return DirectedPolicy(base_fee_msat=base, fee_rate_ppm=ppm, time_lock_delta=timelock, min_htlc_msat=min_htlc)
