"""The CLoTH simulator's CSV graph format, in which the public LN snapshot is shipped.

A snapshot is a folder with ``channels_ln.csv`` (id, edge1_id, edge2_id,
node1_id, node2_id, capacity), ``edges_ln.csv`` (one row per direction: id,
channel_id, counter_edge_id, from_node_id, to_node_id, balance, fee_base,
fee_proportional, min_htlc, timelock) and ``nodes_ln.csv``. CLoTH's README says
sat, but the amounts are msat (the common capacity 16,777,215,000 is the old
channel limit in msat), so they are read as msat. Unlike the other formats it
has balances, so each channel keeps its split. Node ``17`` becomes ``n17``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lngym.errors import ScenarioError
from lngym.imports.fields import fail
from lngym.imports.graph import ForeignChannel, ForeignGraph, ForeignPolicy

CHANNELS_FILE = "channels_ln.csv"
EDGES_FILE = "edges_ln.csv"
CHANNEL_COLUMNS = ("id", "edge1_id", "edge2_id", "node1_id", "node2_id", "capacity")
EDGE_COLUMNS = ("id", "channel_id", "counter_edge_id", "from_node_id", "to_node_id", "balance",
                "fee_base", "fee_proportional", "min_htlc", "timelock")
#: Where to get a snapshot, for the one-line error when none is where the user said.
WHERE_TO_GET = ("get channels_ln.csv, edges_ln.csv and nodes_ln.csv from the CLoTH simulator "
                "(https://github.com/marcono/cloth) and pass their folder")


def snapshot_folder(path: Path) -> Path:
    """The snapshot folder of ``path``: the folder itself or the folder of one of its CSVs."""
    if not path.exists():
        raise ScenarioError(f"{path}: LN snapshot not found; {WHERE_TO_GET}")
    folder = path if path.is_dir() else path.parent
    for name in (CHANNELS_FILE, EDGES_FILE):
        if not (folder / name).is_file():
            raise ScenarioError(f"{folder / name}: LN snapshot file not found; {WHERE_TO_GET}")
    return folder


def read_rows(path: Path, columns: tuple[str, ...]) -> list[list[int]]:
    """An all-integer CSV whose header must be ``columns``; a bad cell names its line and column."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != columns:
            raise fail(str(path), "line 1", f"the CLoTH header {','.join(columns)}", ",".join(header or []))
        rows = []
        for line, row in enumerate(reader, start=2):
            if len(row) != len(columns):
                raise fail(str(path), f"line {line}", f"{len(columns)} columns", ",".join(row))
            try:
                rows.append([int(cell) for cell in row])
            except ValueError:
                column = next(c for c, cell in zip(columns, row) if not cell.strip().lstrip("-").isdigit())
                raise fail(str(path), f"line {line}.{column}", "a whole number", row[columns.index(column)]) from None
    return rows


def read_cloth(path: Path) -> ForeignGraph:
    """The graph of a CLoTH snapshot folder (or one of its CSVs)."""
    folder = snapshot_folder(path)
    channels_path, edges_path = folder / CHANNELS_FILE, folder / EDGES_FILE
    edges = {row[0]: row for row in read_rows(edges_path, EDGE_COLUMNS)}
    graph = ForeignGraph(str(folder), "CLoTH")
    rows = read_rows(channels_path, CHANNEL_COLUMNS)
    for node in sorted({n for row in rows for n in row[3:5]}):
        graph.nodes[str(node)] = f"n{node}"
    for line, (_, edge1, edge2, node1, node2, capacity) in enumerate(rows, start=2):
        where = f"{CHANNELS_FILE} line {line}"
        if capacity < 1000:
            raise fail(str(channels_path), f"line {line}.capacity", "at least 1000 msat (1 sat)", capacity)
        for column, edge in (("edge1_id", edge1), ("edge2_id", edge2)):
            if edge not in edges:
                raise fail(str(channels_path), f"line {line}.{column}", f"an edge id of {EDGES_FILE}", edge)
        first, second = edges[edge1], edges[edge2]
        if first[3] != node1:  # edge1 is node1's direction in CLoTH; keep it so even if listed swapped
            first, second = second, first
        graph.channels.append(ForeignChannel(
            where, str(node1), str(node2), capacity // 1000, _policy(first), _policy(second),
            split=min(1.0, max(0.0, first[5] / capacity)),
        ))
    return graph


def _policy(edge: list[int]) -> ForeignPolicy:
    """One direction's policy from an edges_ln.csv row."""
    return ForeignPolicy(base_fee_msat=edge[6], fee_rate_ppm=edge[7], time_lock_delta=edge[9])
