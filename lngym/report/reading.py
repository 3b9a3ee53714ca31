"""Reading a CSV for ``lngym report``: which kind it is, and every value checked, by line.

Two kinds are read. A payment log is what ``lngym simulate`` (and an env's
``csv=``) writes: the recorder's columns, one row per payment or rebalance. A
per-step log has a ``step`` column and one row per env step, with whatever of
``success_rate``, ``reward``, ``volume_sat``, ``fee_sat`` it holds. Either may
carry ``balance_<channel>`` columns (a channel's share on its first node's
side, or its balance in sat), which become balance trajectories. Anything else
is refused with the line and what was expected, before any picture is drawn.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from lngym.errors import CsvFormatError
from lngym.recorder import HEADER

#: Prefix of the columns that hold one channel's balance each.
BALANCE_PREFIX = "balance_"
#: Optional numeric columns of a per-step log.
STEP_COLUMNS = ("success_rate", "reward", "volume_sat", "fee_sat")


@dataclass
class Report:
    """A checked CSV as columns: the payment log's, or the per-step log's."""

    path: Path
    kind: str  # "payments" | "steps"
    times: list[datetime] = field(default_factory=list)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    text: dict[str, list[str]] = field(default_factory=dict)
    balances: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Data rows read (the header excluded)."""
        return len(next(iter(self.columns.values()))) if self.columns else len(self.times)


def load(path: str | Path) -> Report:
    """The checked contents of ``path``, or a CsvFormatError naming the line that is wrong."""
    path = Path(path)
    try:
        header, kind, balance_columns, records = _records(path)
    except OSError as exc:
        raise CsvFormatError(f"{path}: cannot read it: {exc.strerror}") from None
    if not records:
        raise CsvFormatError(f"{path}: no rows after the header; nothing to report")
    report = Report(path, kind)
    parse = _Parser(path, header, records)
    if kind == "payments":
        report.times = parse.column("timestamp", _timestamp, "an ISO 8601 time")
        report.columns = {
            "amount_sat": np.array(parse.column("amount_sat", int, "a whole number of sat"), dtype=np.int64),
            "fee_sat": np.array(parse.column("fee_sat", float, "a number of sat"), dtype=np.float64),
            "success": np.array(parse.column("success", _boolean, "true or false"), dtype=bool),
        }
        report.text = {name: parse.column(name, str, "") for name in ("sender", "receiver", "failure_reason", "kind")}
    else:
        report.columns = {"step": np.array(parse.column("step", int, "a whole number"), dtype=np.int64)}
        for name in STEP_COLUMNS:
            if name in header:
                report.columns[name] = np.array(parse.column(name, float, "a number"), dtype=np.float64)
    report.balances = {name[len(BALANCE_PREFIX):]: np.array(parse.column(name, float, "a number"), dtype=np.float64)
                       for name in balance_columns}
    return report


def _records(path: Path) -> tuple[list[str], str, list[str], list[tuple[int, list[str]]]]:
    """Header, kind, balance columns and every row with its line number; CsvFormatError at the first bad line."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise CsvFormatError(f"{path}: line 1: the file is empty; expected a header")
            kind, balance_columns = _kind(path, header)
            records: list[tuple[int, list[str]]] = []
            for row in reader:
                if len(row) != len(header):
                    problem = "truncated row" if len(row) < len(header) else "row with too many fields"
                    raise CsvFormatError(f"{path}: line {reader.line_num}: {problem}: "
                                         f"{len(row)} fields, the header has {len(header)}")
                records.append((reader.line_num, row))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFormatError(f"{path}: line {reader.line_num + 1}: not readable as CSV: {exc}") from None
    return header, kind, balance_columns, records


def _kind(path: Path, header: list[str]) -> tuple[str, list[str]]:
    """"payments" or "steps", and the balance columns; a CsvFormatError for any other header."""
    balances = [name for name in header if name.startswith(BALANCE_PREFIX) and len(name) > len(BALANCE_PREFIX)]
    if tuple(header[:len(HEADER)]) == HEADER and all(name in balances for name in header[len(HEADER):]):
        return "payments", balances
    if "step" in header and (balances or "success_rate" in header):
        return "steps", balances
    shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
    raise CsvFormatError(
        f"{path}: line 1: not a CSV lngym reports on: expected the columns of `lngym simulate` "
        f"({', '.join(HEADER)}), or a per-step CSV with `step` and `success_rate` or `balance_<channel>` "
        f"columns; got {shown}")


class _Parser:
    """Converts one column at a time; the first bad value is reported with its line and column."""

    def __init__(self, path: Path, header: list[str], records: list[tuple[int, list[str]]]) -> None:
        self.path = path
        self.index = {name: i for i, name in enumerate(header)}
        self.records = records

    def column(self, name: str, convert: Callable[[str], Any], expected: str) -> list[Any]:
        position = self.index[name]
        values = []
        for line, row in self.records:
            raw = row[position]
            try:
                values.append(convert(raw))
            except ValueError:
                raise CsvFormatError(f"{self.path}: line {line}, column {name}: expected {expected}, "
                                     f"got {raw[:40]!r}") from None
        return values


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"
