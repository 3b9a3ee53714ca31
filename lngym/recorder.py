"""The CSV log of every payment and rebalance (``lightning_simulation_data.csv``).

Rows are written the moment a payment ends, one ``os.write`` per row on a file
opened with O_APPEND and no user-space buffer: once ``record`` returns, the row
is in the kernel's page cache, so a SIGKILL of the process (or a crash of
Python) loses no completed row. That is the default because fsync costs more
per row than the write itself by orders of magnitude (benchmarks/recorder.py);
pass ``fsync=True`` to also survive a power cut or kernel crash at that price.
A kill in the very middle of a row's write can at worst tear that one row; it
then has no line end, ``read_rows`` drops it, and the next recorder starts a
new file rather than append after it.

An existing file with the same header is appended to. A file with another
header (or a torn last row) is never modified: a new file with a timestamp in
its name is started and the user is told (a logged warning, and ``notice`` for
the CLI to show).
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lngym.network.base import PaymentResult
from lngym.scenario import wire_name

#: The columns, in order (ARCHITECTURE.md, "Wire formats").
HEADER = (
    "timestamp",
    "sender",
    "receiver",
    "amount_sat",
    "fee_sat",
    "success",
    "failure_reason",
    "route",
    "hops",
    "attempts",
    "duration_ms",
    "description",
    "kind",
    "failure_detail",
)
#: The seed's file name, in the working directory.
DEFAULT_PATH = "lightning_simulation_data.csv"
#: How route hops are joined in the ``route`` column.
ROUTE_SEPARATOR = "->"

_PUBKEY = re.compile(r"^[0-9a-fA-F]{66}$")
log = logging.getLogger(__name__)


class CsvRecorder:
    """Appends one CSV row per ``PaymentResult``; safe to call from many threads."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_PATH, fsync: bool = False) -> None:
        self._fsync = fsync
        self._lock = threading.Lock()
        #: Set when the requested file had another header and a new file was started.
        self.notice: str | None = None
        self.path = self._choose_path(Path(path).absolute())
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._start_file()

    def _choose_path(self, wanted: Path) -> Path:
        """``wanted`` if it is new or a clean lngym CSV, else a free timestamped sibling."""
        problem = _unappendable(wanted)
        if problem is None:
            return wanted
        stamp = time.strftime("%Y%m%d-%H%M%S")
        candidate = wanted.with_name(f"{wanted.stem}-{stamp}{wanted.suffix}")
        counter = 1
        while candidate.exists():
            candidate = wanted.with_name(f"{wanted.stem}-{stamp}-{counter}{wanted.suffix}")
            counter += 1
        self.notice = f"{wanted} {problem}, so it was left untouched; this run is recorded in {candidate}"
        log.warning(self.notice)
        return candidate

    def _start_file(self) -> None:
        """Write the header if the file is new."""
        if os.fstat(self._require_fd()).st_size == 0:
            self._write(_encode(HEADER))
            if self._fsync:
                _fsync_dir(self.path.parent)

    def record(self, result: PaymentResult) -> None:
        """Append the row of ``result``; it is on disk (page cache, or platter with fsync) on return."""
        data = _encode(row_of(result))
        with self._lock:
            self._write(data)

    def _write(self, data: bytes) -> None:
        fd = self._require_fd()
        written = os.write(fd, data)
        while written < len(data):
            written += os.write(fd, data[written:])
        if self._fsync:
            os.fsync(fd)

    def _require_fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"recorder for {self.path} is closed")
        return self._fd

    def close(self) -> None:
        """Close the file; recording afterwards raises ValueError."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> "CsvRecorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def row_of(result: PaymentResult) -> tuple[str, ...]:
    """The CSV row of a result, with nodes in their wire names (``lnd-alice``)."""
    return (
        datetime.fromtimestamp(result.timestamp, tz=timezone.utc).isoformat(timespec="milliseconds"),
        _wire(result.sender),
        _wire(result.receiver),
        str(result.amount_sat),
        _fee(result.fee_msat),
        "true" if result.success else "false",
        result.failure_reason,
        ROUTE_SEPARATOR.join(_wire(node) for node in result.route),
        str(result.hops),
        str(result.attempts),
        f"{result.duration_ms:.1f}",
        result.description,
        result.kind,
        result.failure_detail,
    )


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Every complete row of a recorder file as a dict of strings (a torn last row is dropped).

    Raises ValueError for another header or a row with the wrong number of fields.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        text = handle.read()
    records = list(csv.reader(io.StringIO(text)))
    if text and not text.endswith("\n"):
        records.pop()
    if not records or tuple(records[0]) != HEADER:
        raise ValueError(f"{path}: not a lngym CSV (header {records[0] if records else None!r})")
    for number, row in enumerate(records[1:], start=2):
        if len(row) != len(HEADER):
            raise ValueError(f"{path}: record {number} has {len(row)} fields, expected {len(HEADER)}")
    return [dict(zip(HEADER, row)) for row in records[1:]]


def _encode(row: tuple[Any, ...]) -> bytes:
    """One CSV line (RFC 4180 quoting, CRLF like the csv module's default) as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    return buffer.getvalue().encode("utf-8")


def _wire(node: str) -> str:
    """Node names get the seed's ``lnd-`` prefix; unknown hops shown as public keys stay as they are."""
    return node if _PUBKEY.match(node) else wire_name(node)


def _fee(fee_msat: int) -> str:
    """Fee in sat without float noise: ``0``, ``1``, ``1.001``."""
    whole, rest = divmod(fee_msat, 1000)
    return str(whole) if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")


def _unappendable(path: Path) -> str | None:
    """Why rows must not be appended to ``path`` (another header, a torn row), or None."""
    try:
        with open(path, "rb") as handle:
            header = handle.readline()
            if not header:
                return None
            handle.seek(-1, os.SEEK_END)
            last = handle.read(1)
    except FileNotFoundError:
        return None
    if header.rstrip(b"\r\n") != _encode(HEADER).rstrip(b"\r\n"):
        return "has different columns"
    if last != b"\n":
        return "ends in a torn row"
    return None


def _fsync_dir(directory: Path) -> None:
    """Make a new file's directory entry durable too (only matters with ``fsync=True``)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
