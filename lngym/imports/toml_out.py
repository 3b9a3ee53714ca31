"""Writing a scenario mapping as TOML (the standard library reads TOML but does not write it).

Only what scenarios hold: strings, numbers, booleans, lists and tables. Lists of
tables are written one inline table a line, as the shipped scale scenarios are,
so a 6,000-node import stays a file an editor opens and a diff reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


def _value(value: Any) -> str:
    """One TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML scenario values must be finite, got {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(item, Mapping) for item in value):
            return "[\n" + "".join(f"  {_value(item)},\n" for item in value) + "]"
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a scenario TOML")


def _key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted key."""
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _table(lines: list[str], prefix: str, table: Mapping[str, Any]) -> None:
    """A table's plain values, then its sub-tables as ``[prefix.key]`` sections."""
    for key, value in table.items():
        if not isinstance(value, Mapping):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if isinstance(value, Mapping):
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            if not value or not all(isinstance(v, Mapping) for v in value.values()):
                lines.append(f"\n[{name}]")  # a table of tables only needs its sub-tables' headers
            _table(lines, name, value)


def dumps(data: Mapping[str, Any], header: str = "") -> str:
    """``data`` as TOML text, after ``header`` lines written as comments."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    _table(lines, "", data)
    return "\n".join(lines) + "\n"
