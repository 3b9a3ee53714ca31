"""Reading numbers and strings out of another tool's JSON, with errors that name the entry.

lncli prints 64-bit numbers as strings (``"capacity": "1000000"``) and SimLN as
numbers, so a whole number may come either way; anything else fails with the
file, the entry and the field, as scenario errors do.
"""

from __future__ import annotations

from typing import Any

from lngym.errors import ScenarioError


def fail(source: str, where: str, expected: str, got: Any) -> ScenarioError:
    """``file: entry.field: expected X, got Y`` — the one shape of import errors."""
    return ScenarioError(f"{source}: {where}: expected {expected}, got {got!r}")


def entry(source: str, raw: Any, where: str) -> dict[str, Any]:
    """An entry that must be a JSON object."""
    if not isinstance(raw, dict):
        raise fail(source, where, "an object", raw)
    return raw


def whole(source: str, raw: dict[str, Any], where: str, key: str, low: int = 0, default: int | None = None) -> int:
    """A whole number of at least ``low``, given as a number or a decimal string."""
    if key not in raw:
        if default is not None:
            return default
        raise fail(source, f"{where}.{key}", "a field here", "nothing")
    value = raw[key]
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    if number is None or number < low:
        raise fail(source, f"{where}.{key}", f"a whole number ≥ {low}", value)
    return number


def text(source: str, raw: dict[str, Any], where: str, key: str, required: bool = True) -> str:
    """A string field (an empty string when optional and absent)."""
    value = raw.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value):
        raise fail(source, f"{where}.{key}", "a non-empty string", value if key in raw else "nothing")
    return value
