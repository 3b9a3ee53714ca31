"""The ``lngym`` command: argument parsing and one-line errors.

Each subcommand lives in a small module that registers its parser; this file
only wires them together and turns ``LngymError`` into a message and exit 1,
so users never see a traceback for a mistake they can fix.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from lngym import __version__
from lngym.cli import bridge_cmds, network_cmds, report_cmds, simulate_cmds
from lngym.errors import LngymError


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the README's CLI section)."""
    parser = argparse.ArgumentParser(
        prog="lngym",
        description="A live Lightning Network (LND on Bitcoin regtest) for liquidity research.",
    )
    parser.add_argument("--version", action="version", version=f"lngym {__version__}")
    parser.add_argument(
        "--home",
        help="directory of the network's state (default: $LNGYM_HOME or ~/.cache/lngym/network)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    network_cmds.register(commands)
    simulate_cmds.register(commands)
    bridge_cmds.register(commands)
    report_cmds.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except LngymError as exc:
        print(f"lngym {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lngym {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
