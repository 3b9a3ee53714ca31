"""Cost per CSV row of the recorder with and without fsync.

    .venv/bin/python benchmarks/recorder.py [--rows N] [--dir DIR]

Writes N rows with ``CsvRecorder(fsync=False)`` (one unbuffered os.write per
row: survives SIGKILL) and with ``fsync=True`` (also survives power loss) into
DIR (default: the current directory, where the CSV normally lives), and prints
microseconds per row for each, so the default can be judged against the
milliseconds a payment takes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from lngym.network.base import PaymentResult
from lngym.recorder import CsvRecorder

SAMPLE = PaymentResult(
    sender="alice",
    receiver="carol",
    amount_sat=5_000,
    success=True,
    fee_msat=1_001,
    route=("alice", "bob", "carol"),
    attempts=1,
    duration_ms=42.5,
    description="Coffee purchase",
)


def per_row_us(directory: Path, rows: int, fsync: bool) -> list[float]:
    """Microseconds of each ``record`` call for ``rows`` rows in a fresh file."""
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        with CsvRecorder(Path(scratch) / "bench.csv", fsync=fsync) as recorder:
            timings = []
            for _ in range(rows):
                start = time.perf_counter()
                recorder.record(SAMPLE)
                timings.append((time.perf_counter() - start) * 1e6)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--dir", type=Path, default=Path.cwd())
    args = parser.parse_args()
    for fsync in (False, True):
        timings = per_row_us(args.dir, args.rows, fsync)
        p99 = statistics.quantiles(timings, n=100)[98]
        print(
            f"fsync={str(fsync):5}  rows={args.rows}  median {statistics.median(timings):8.1f} us/row"
            f"  mean {statistics.fmean(timings):8.1f}  p99 {p99:8.1f}  in {args.dir}"
        )


if __name__ == "__main__":
    main()
