"""Field-by-field reading of the ``[traffic]`` table and of SimLN ``sim.json`` files.

Every traffic setting is read through a ``TableReader`` so that a mistake fails
when the workload is built, with the file, the dotted field and what was
expected — the same shape as the errors of ``lngym.scenario``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence, TypeGuard

import numpy as np

from lngym.errors import ScenarioError


@dataclass(frozen=True)
class Span:
    """A fixed value or a ``[low, high)`` range sampled uniformly each time (SimLN's ValueOrRange)."""

    low: float
    high: float
    integral: bool

    def sample(self, rng: np.random.Generator) -> float:
        """The value, or a uniform draw from the range (whole numbers when both ends are)."""
        if self.low == self.high:
            return self.low
        if self.integral:
            return float(rng.integers(int(self.low), int(self.high)))
        return float(rng.uniform(self.low, self.high))


def field_error(source: str, field_name: str, expected: str, got: Any) -> ScenarioError:
    """The one error shape of traffic settings: ``file: field: expected X, got Y``."""
    return ScenarioError(f"{source}: {field_name}: expected {expected}, got {got!r}")


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class TableReader:
    """Reads one table of a scenario or sim.json, rejecting unknown keys up front."""

    def __init__(
        self, table: Any, where: str, source: str, allowed: Iterable[str]
    ) -> None:
        self.where = where
        self.source = source
        if not isinstance(table, Mapping):
            raise self.fail("", "a table", table)
        self.table = table
        allowed = sorted(allowed)
        unknown = sorted(str(key) for key in table if key not in allowed)
        if unknown:
            raise self.fail(unknown[0], f"one of {', '.join(allowed)}", unknown[0])

    def fail(self, key: str, expected: str, got: Any) -> ScenarioError:
        """An error naming the file, the dotted field and the expectation."""
        return field_error(self.source, f"{self.where}.{key}" if key else self.where, expected, got)

    def has(self, key: str) -> bool:
        """Whether the table sets ``key``."""
        return key in self.table

    def number(
        self, key: str, default: float | None, expected: str, low: float = 0.0, strict: bool = True
    ) -> float:
        """A finite number above ``low`` (or at least ``low`` when ``strict`` is false)."""
        value = self.table.get(key, default)
        if not _is_number(value) or value < low or (strict and value == low):
            raise self.fail(key, expected, value)
        return float(value)

    def integer(self, key: str, default: int, expected: str, low: int = 1) -> int:
        """A whole number of at least ``low``."""
        value = self.table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise self.fail(key, expected, value)
        return value

    def optional_integer(self, key: str, expected: str, low: int = 1) -> int | None:
        """A whole number of at least ``low``, or None when the table leaves it out."""
        return self.integer(key, low, expected, low) if key in self.table else None

    def string(self, key: str, default: str | None, expected: str) -> str:
        """A non-empty string."""
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value:
            raise self.fail(key, expected, value)
        return value

    def strings(self, key: str, default: Sequence[str]) -> tuple[str, ...]:
        """A non-empty list of non-empty strings."""
        value = self.table.get(key, list(default))
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(item, str) and item for item in value)
        ):
            raise self.fail(key, "a non-empty list of strings", value)
        return tuple(value)

    def weights(self, key: str, nodes: Sequence[str]) -> dict[str, float]:
        """A table of node name to a weight of zero or more (``{ alice = 3 }``)."""
        value = self.table.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "a table of node = weight, like { alice = 3 }", value)
        for node, weight in value.items():
            if node not in nodes:
                raise self.fail(f"{key}.{node}", f"a node of the scenario ({', '.join(nodes)})", node)
            if not _is_number(weight) or weight < 0:
                raise self.fail(f"{key}.{node}", "a weight of zero or more", weight)
        return {node: float(weight) for node, weight in value.items()}

    def span(self, key: str, expected: str, default: list[float] | None = None) -> Span:
        """A number or ``[low, high]`` with ``0 <= low < high`` (a fixed value must be above 0)."""
        value = self.table.get(key, default)
        if _is_number(value) and value > 0:
            return Span(value, value, isinstance(value, int))
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(_is_number(end) for end in value)
            and 0 <= value[0] < value[1]
        ):
            integral = all(isinstance(end, int) for end in value)
            return Span(value[0], value[1], integral)
        raise self.fail(key, expected, value)
