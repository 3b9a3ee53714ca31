"""Scenarios from other tools: SimLN sim.json, lncli describegraph JSON and CLoTH CSVs.

``import_scenario`` reads any of them into the mapping a scenario TOML holds,
so ``load_scenario`` can open them directly and ``lngym scenario import`` can
write a TOML to edit and version. The format is found from the content, not the
file name, because a user's files are called whatever they were called.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lngym.errors import ScenarioError
from lngym.imports.cloth import CHANNEL_COLUMNS, EDGE_COLUMNS, read_cloth
from lngym.imports.describegraph import read_describegraph
from lngym.imports.graph import (
    DEFAULT_SPLIT,
    ForeignGraph,
    neighbourhood,
    scenario_table,
)
from lngym.imports.simln import read_simln

#: The formats ``import_scenario`` reads, by the name ``--format`` takes.
FORMATS = ("simln", "describegraph", "cloth")
_KNOWN = ("a scenario TOML, a SimLN sim.json (sim_network), lncli describegraph JSON (nodes, edges) "
          "or a CLoTH snapshot (channels_ln.csv, edges_ln.csv)")


def detect_format(path: Path) -> str:
    """``toml`` or one of ``FORMATS``, from what the file (or folder) holds."""
    if path.is_dir():
        return "cloth"
    if path.suffix == ".toml":
        return "toml"
    with path.open("rb") as handle:
        head = handle.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    first_line = head.split("\n", 1)[0].strip()
    if tuple(first_line.split(",")) in (CHANNEL_COLUMNS, EDGE_COLUMNS):
        return "cloth"
    if head.startswith("{"):
        data = _json(path)
        if "sim_network" in data:
            return "simln"
        if "edges" in data and "nodes" in data:
            return "describegraph"
    elif "=" in first_line or first_line.startswith(("[", "#")):
        return "toml"
    raise ScenarioError(f"{path}: not a scenario file I know; expected {_KNOWN}")


def _json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, or a one-line error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def read_graph(path: Path, fmt: str | None = None) -> ForeignGraph:
    """The graph of a file in ``fmt`` (found from the content when None)."""
    fmt = fmt or detect_format(path)
    if fmt == "cloth":
        return read_cloth(path)
    if fmt == "simln":
        return read_simln(str(path), _json(path))
    if fmt == "describegraph":
        return read_describegraph(str(path), _json(path))
    raise ScenarioError(f"{path}: format {fmt!r} is not one lngym imports; known: {', '.join(FORMATS)}")


def import_scenario(
    path: str | Path,
    fmt: str | None = None,
    *,
    split: float = DEFAULT_SPLIT,
    around: str | None = None,
    depth: int = 2,
    name: str | None = None,
) -> dict[str, Any]:
    """The scenario mapping of another tool's file, optionally cut to ``depth`` hops ``around`` a node."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    graph = read_graph(path, fmt)
    if around is not None:
        graph = neighbourhood(graph, around, depth)
    return scenario_table(graph, name or (path.name if path.is_dir() else path.stem), split)


__all__ = ["DEFAULT_SPLIT", "FORMATS", "detect_format", "import_scenario", "read_graph"]
