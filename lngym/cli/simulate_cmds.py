"""``lngym simulate`` (the seed's simulate_network.py) and ``lngym rebalance`` (its
rebalance-channels.sh), rendered with rich."""

from __future__ import annotations

import argparse
import math
import threading
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from lngym.cli import bridge_cmds
from lngym.cli.arguments import positive_float, positive_int
from lngym.cli.network_cmds import balance_table, running_network
from lngym.errors import SettingError
from lngym.network import BACKENDS, Network, make
from lngym.policies import BASELINES, BaselineRebalancer, make_policy
from lngym.recorder import DEFAULT_PATH, CsvRecorder
from lngym.simulation import Simulation, SimulationConfig
from lngym.stats import StatsSummary

console = Console()


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``simulate`` and ``rebalance`` to the ``lngym`` parser."""
    sub = commands.add_parser("simulate", help="send the scenario's seeded payment workload", parents=[parent],
                              description="send the scenario's seeded payment workload and log it to CSV")
    sub.set_defaults(run=cmd_simulate)
    add_backend_args(sub)
    limit = sub.add_mutually_exclusive_group()
    limit.add_argument("--payments", type=positive_int, help="stop after N payments")
    limit.add_argument("--duration", type=positive_float, help="stop after S seconds")
    sub.add_argument("--speed", type=_speed, default=None,
                     help="run the workload's clock X times faster; 'max' sends as fast as the network goes "
                          "(default: 1 on live nodes, max on the sim backend)")
    sub.add_argument("--rate", type=positive_float, default=None,
                     help="send R payments per second instead of at the workload's own arrivals")
    sub.add_argument("--concurrency", type=positive_int, default=4, help="payments in flight (default 4)")
    sub.add_argument("--rebalance-every", type=int, default=0, metavar="N",
                     help="run the policy (--policy) every N payments; 0 disables it (default)")
    sub.add_argument("--policy", choices=BASELINES, default="circular",
                     help="what runs every --rebalance-every payments: none, circular (the baseline "
                          "rebalancer, default), autoloop (swaps by thresholds), combined (both)")
    sub.add_argument("--block-every", type=int, default=None, metavar="N",
                     help="with a [swap] server, mine a block every N payments (default: every "
                          "--rebalance-every payments)")
    sub.add_argument("--csv", default=DEFAULT_PATH, help=f"CSV log (default {DEFAULT_PATH})")
    sub.add_argument("--seed", type=int, default=None, help="workload seed (default: the scenario's)")
    sub.add_argument("--bridge", action="store_true",
                     help="publish the run over WebSocket and apply the rebalance suggestions clients send")
    bridge_cmds.add_server_args(sub, suggestions=True)

    sub = commands.add_parser("rebalance", help="baseline rebalancer: move every channel toward a target split",
                              parents=[parent])
    sub.set_defaults(run=cmd_rebalance)
    add_backend_args(sub)
    sub.add_argument("--target", type=float, default=0.5, help="desired share on the a side (default 0.5)")
    sub.add_argument("--threshold", type=float, default=0.2, help="only channels further off than this (default 0.2)")
    sub.add_argument("--max-fee-ppm", type=int, default=1000, help="fee cap per rebalance, ppm of its amount")
    sub.add_argument("--dry-run", action="store_true", help="print the plan without paying")
    sub.add_argument("--csv", default=None, help="also log the rebalances to this CSV")


def add_backend_args(parser: argparse.ArgumentParser) -> None:
    """``--backend`` and ``--scenario``: live nodes under home, or the twin built from a scenario."""
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="native, docker, attach: the network under home (default: whichever runs or is attached there); "
                             "sim: the in-process twin of --scenario, no LND needed")
    parser.add_argument("--scenario", default=None,
                        help="sim backend: scenario name in envs/ or a .toml path (default: seed)")


def network_of(args: argparse.Namespace) -> Network:
    """The network a simulate or rebalance run works on, started."""
    if args.backend != "sim":  # the nodes under home, of whichever backend runs (or is attached) there
        if args.scenario is not None:
            raise SettingError("--scenario applies to --backend sim; live nodes run the scenario they were started with")
        return running_network(args)
    network = make(args.backend, args.scenario)
    network.start()
    return network


def _speed(text: str) -> float:
    return math.inf if text == "max" else positive_float(text)


def stats_table(summary: StatsSummary) -> Table:
    """The running figures of a simulation."""
    table = Table(title="payments", show_header=False)
    rate = "–" if summary.success_rate is None else f"{summary.success_rate:.1%}"
    recent = "–" if summary.recent_success_rate is None else f"{summary.recent_success_rate:.1%}"
    rows = [
        ("payments", f"{summary.payments:,} ({summary.successes:,} ok)"),
        ("success rate", f"{rate} overall, {recent} recent"),
        ("volume", f"{summary.volume_sat:,} sat"),
        ("fees", f"{summary.fees_sat:,.3f} sat"),
        ("rebalances + swaps", f"{summary.rebalances} ({summary.rebalance_successes} ok, "
                       f"{summary.rebalance_fees_sat:,.3f} sat fees)"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.rebalance_every < 0:
        raise SettingError("--rebalance-every must be 0 or more")
    network = network_of(args)
    config = SimulationConfig(payments=args.payments, duration_s=args.duration, rate=args.rate, speed=args.speed,
                              concurrency=args.concurrency, rebalance_every=args.rebalance_every,
                              seed=args.seed, block_every=args.block_every)
    relay, bridge = None, None
    if args.bridge:
        relay, bridge = bridge_cmds.start_simulation_bridge(args, network)
        console.print(f"bridge: {bridge_cmds.url(args.host, bridge.port)} "
                      f"(suggestions below confidence {args.min_confidence:g} are ignored)")
        if bridge.server.dashboard_port is not None:
            console.print(f"dashboard: {bridge_cmds.dashboard_url(bridge.server.settings, bridge.server.dashboard_port)}",
                          soft_wrap=True)
    try:
        _run_simulation(args, network, config, relay)
    finally:
        if bridge is not None:
            bridge.stop()
    return 0


def _run_simulation(args: argparse.Namespace, network: Network, config: SimulationConfig, relay: Any) -> None:
    """Run with live statistics until done or Ctrl-C; every finished row is in the CSV."""
    with CsvRecorder(args.csv) as recorder:
        if recorder.notice:
            console.print(f"[yellow]{recorder.notice}[/]")
        simulation = Simulation(network, config, recorder=recorder, policy=make_policy(args.policy))
        if relay is not None:
            relay.attach(simulation)
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn())
        total = args.payments if args.payments else args.duration
        task = progress.add_task("payments" if args.payments else "seconds", total=total)
        worker = threading.Thread(target=simulation.run, daemon=True)
        try:
            with Live(console=console, refresh_per_second=4, transient=True) as live:
                worker.start()
                while worker.is_alive():
                    worker.join(0.25)
                    done = simulation.sent if args.payments else progress.tasks[0].elapsed or 0
                    progress.update(task, completed=min(done, total) if total else done)
                    view = [stats_table(simulation.stats.summary())]
                    if simulation.last_snapshot is not None:
                        view.append(balance_table(simulation.last_snapshot))
                    live.update(Group(*view, progress) if total else Group(*view))
        except KeyboardInterrupt:
            simulation.stop()
            worker.join()
            console.print("[yellow]stopped; every finished payment is in the CSV[/]")
    if simulation.last_snapshot is not None:
        console.print(balance_table(simulation.last_snapshot))
    console.print(stats_table(simulation.stats.summary()))
    console.print(f"rows written to {recorder.path}")


def cmd_rebalance(args: argparse.Namespace) -> int:
    network = network_of(args)
    policy = BaselineRebalancer(target=args.target, threshold=args.threshold, max_fee_ppm=args.max_fee_ppm)
    before = network.snapshot()
    suggestions = policy.suggest(before, network.scenario)
    console.print(balance_table(before))
    if not suggestions:
        console.print(f"every channel is within {args.threshold:.0%} of {args.target:.0%}; nothing to do")
        return 0
    recorder = CsvRecorder(args.csv) if args.csv else None
    failures = 0
    for suggestion in suggestions:
        plan = f"{suggestion.from_node} -> {suggestion.to_node}: {suggestion.amount_sat:,} sat"
        if args.dry_run:
            console.print(f"would move {plan}")
            continue
        result = network.rebalance(suggestion.from_node, suggestion.to_node, suggestion.amount_sat,
                                   policy.max_fee_sat(suggestion))
        if recorder is not None:
            recorder.record(result)
        failures += not result.success
        outcome = (f"[green]ok[/], fee {result.fee_sat:.3f} sat via {'->'.join(result.route)}"
                   if result.success else f"[red]failed[/]: {result.failure_reason}")
        console.print(f"moved {plan}: {outcome}")
    if recorder is not None:
        recorder.close()
    if not args.dry_run:
        console.print(balance_table(network.snapshot()))
    return 1 if failures else 0
