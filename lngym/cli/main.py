"""The ``lngym`` command: argument parsing and one-line errors.

Each subcommand lives in a small module that registers its parser; this file
only wires them together and turns every error a user can cause — a bad flag,
an ``LngymError``, a file that cannot be read — into one line on stderr and a
non-zero exit, so users never see a traceback for a mistake they can fix.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from lngym import __version__
from lngym.cli import (
    bridge_cmds,
    demo_cmds,
    evaluate_cmds,
    network_cmds,
    report_cmds,
    scenario_cmds,
    simulate_cmds,
    train_cmds,
)
from lngym.errors import LngymError

#: Exit code of a usage error (as argparse uses), distinct from a failed command's 1.
USAGE_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``lngym up: --tmpfs: …``."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def global_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (``lngym --home H up`` = ``lngym up --home H``)."""
    parent = OneLineParser(add_help=False)
    parent.add_argument(
        "--home", default=argparse.SUPPRESS,
        help="directory of the network's state (default: $LNGYM_HOME or ~/.cache/lngym/network)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the README's CLI section)."""
    parent = global_options()
    parser = OneLineParser(
        prog="lngym",
        description="A live Lightning Network (LND on Bitcoin regtest) for liquidity research.",
        parents=[parent],
    )
    parser.add_argument("--version", action="version", version=f"lngym {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=OneLineParser)
    for module in (network_cmds, simulate_cmds, train_cmds, evaluate_cmds, demo_cmds, bridge_cmds, report_cmds,
                   scenario_cmds):
        module.register(commands, parent)
    return parser


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    SIGTERM (``kill``, a CI timeout) is handled as Ctrl-C, so a command that
    launched a network of its own stops it and rows already ended are written.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    parser = build_parser()
    args = parser.parse_args(argv)
    # Not a set_defaults(): parents share the --home action object, so a parser-level
    # default would reach every subcommand and override a --home given before it.
    args.home = vars(args).get("home")
    try:
        return int(args.run(args) or 0)
    except (LngymError, OSError) as exc:
        print(f"lngym {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"lngym {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
