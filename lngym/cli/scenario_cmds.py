"""``lngym scenario import`` and ``lngym scenario show``: scenarios from other tools' files.

``import`` turns a SimLN sim.json, an ``lncli describegraph`` JSON or a CLoTH
snapshot into a scenario TOML to edit and version; ``show`` summarises any
scenario file (those formats included, since ``load_scenario`` reads them too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from lngym import __version__


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``scenario import`` and ``scenario show`` to the ``lngym`` parser."""
    from lngym.imports import DEFAULT_SPLIT, FORMATS

    scenario = commands.add_parser(
        "scenario", parents=[parent], help="import a scenario from SimLN, lncli describegraph or CLoTH; show one",
        description="scenarios from other tools' files")
    actions = scenario.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub = actions.add_parser(
        "import", parents=[parent], help="write a scenario TOML from another tool's file",
        description="write a scenario TOML from a SimLN sim.json, `lncli describegraph` JSON or a CLoTH snapshot "
                    "(the format is found from the content unless --format says)")
    sub.set_defaults(run=cmd_import)
    sub.add_argument("file", metavar="FILE", help="the file (a CLoTH snapshot: its folder or one of its CSVs)")
    sub.add_argument("--format", choices=FORMATS, default=None, help="the file's format (default: from its content)")
    sub.add_argument("-o", "--out", metavar="OUT.toml", default=None, help="where to write (default: stdout)")
    sub.add_argument("--name", default=None, help="the scenario's name (default: the file's)")
    sub.add_argument("--split", type=float, default=DEFAULT_SPLIT,
                     help=f"each end's share where the file gives no balances (default {DEFAULT_SPLIT})")
    sub.add_argument("--around", metavar="PUBKEY", default=None,
                     help="keep only the nodes near this one (public key or alias), for big graphs")
    sub.add_argument("--depth", type=int, default=2, help="hops kept around --around (default 2)")
    sub = actions.add_parser("show", parents=[parent], help="print a scenario's nodes and channels in brief",
                             description="print a scenario's nodes and channels in brief (any format load reads)")
    sub.set_defaults(run=cmd_show)
    sub.add_argument("file", metavar="FILE", help="a scenario name, TOML or another tool's file")


def cmd_import(args: argparse.Namespace) -> int:
    from lngym.imports import import_scenario
    from lngym.imports.toml_out import dumps
    from lngym.scenario import scenario_from_dict

    table = import_scenario(args.file, args.format, split=args.split, around=args.around, depth=args.depth,
                            name=args.name)
    scenario = scenario_from_dict(table, source=args.file)  # refuse to write what would not load
    cut = f" --around {args.around} --depth {args.depth}" if args.around else ""
    text = dumps(table, header=f"Imported by lngym {__version__}: lngym scenario import {args.file}{cut}\n"
                               f"Balances: split {args.split} where the source gives none.")
    if args.out is None:
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(scenario.nodes)} nodes, {len(scenario.channels)} channels")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from lngym.scenario import load_scenario

    scenario = load_scenario(args.file)
    capacities = [c.capacity_sat for c in scenario.channels]
    degree: dict[str, int] = dict.fromkeys(scenario.nodes, 0)
    held: dict[str, int] = dict.fromkeys(scenario.nodes, 0)
    for channel in scenario.channels:
        for end in (channel.a, channel.b):
            degree[end] += 1
            held[end] += channel.capacity_sat
    print(f"{scenario.name}: {len(scenario.nodes)} nodes, {len(scenario.channels)} channels, "
          f"{sum(capacities):,} sat in total (median channel {statistics.median(capacities):,.0f} sat)")
    policy = scenario.policy
    print(f"policy: base {policy.base_fee_msat} msat, {policy.fee_rate_ppm} ppm, time lock {policy.time_lock_delta}"
          f" ({len(scenario.node_policies)} nodes with their own)")
    print(f"traffic: {scenario.traffic.get('model', 'default')}")
    biggest = sorted(scenario.nodes, key=lambda n: (-held[n], n))[:10]
    print("largest nodes: " + ", ".join(f"{n} ({degree[n]} ch, {held[n]:,} sat)" for n in biggest))
    return 0
