"""``lngym report``: plots and an HTML index from a ``lngym simulate`` (or per-step) CSV."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``report`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "report", parents=[parent], help="plot a simulate CSV: success rate, volume and fees, balances, failure reasons",
        description="turn a `lngym simulate` CSV (or a per-step CSV with balance_<channel> columns) into PNGs "
                    "and a one-page HTML index")
    sub.set_defaults(run=cmd_report)
    sub.add_argument("csv", metavar="CSV", help="the CSV to report on")
    sub.add_argument("--out", metavar="DIR", default=None,
                     help="directory for the PNGs and index.html (default: beside the CSV, <name>-report)")


def cmd_report(args: argparse.Namespace) -> int:
    from lngym.report import write_report

    written = write_report(args.csv, args.out)
    for path in written:
        print(path)
    return 0
