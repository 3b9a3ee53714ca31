"""Network lifecycle commands: install, up, status, check, lncli, logs, restart, unlock, down, clean."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lngym.errors import LngymError, NetworkStateError
from lngym.install import install
from lngym.network import PROCESS_BACKENDS, ManagedNetwork, make, recorded_backend
from lngym.network.attach import register as register_attached
from lngym.network.check import run_check
from lngym.network.native.cluster import PASSWORD_ENV
from lngym.paths import default_home

console = Console()


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add the lifecycle subcommands to the ``lngym`` parser."""

    def add(name: str, run: Any, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[parent])
        sub.set_defaults(run=run)
        return sub

    sub = add("install", cmd_install, "build the pinned lnd, lncli, btcd and btcctl with Go")
    sub.add_argument("--force", action="store_true", help="rebuild even if present")
    add("images", cmd_images, "build the local Docker images (lngym-lnd, lngym-btcd) from the installed binaries")
    sub = add("up", cmd_up, "start btcd and the scenario's lnd nodes, funded, with channels")
    sub.add_argument("--scenario", default=None, help="scenario name in envs/ or a .toml path (default: seed)")
    sub.add_argument("--backend", choices=PROCESS_BACKENDS, default=None,
                     help="native: local processes (default); docker: containers")
    sub.add_argument("--attach", action="store_true",
                     help="docker: fund and connect the running containers of compose/docker-compose.yml "
                          "instead of creating containers")
    sub.add_argument("--tmpfs", action="store_true", help="keep node data in /dev/shm (faster, lost on reboot)")
    add_password_option(sub, "give the wallets this password (first line of FILE; default: "
                             f"${PASSWORD_ENV}, else password-less wallets)")
    sub = add("status", cmd_status, "show the running network's nodes and channels")
    sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
    add("check", cmd_check, "pay over every channel both ways and one multi-hop route")
    sub = add("lncli", cmd_lncli, "run lncli against a node, e.g. `lngym lncli alice getinfo`")
    sub.add_argument("node", help="node name (alice or lnd-alice)")
    sub.add_argument("args", nargs=argparse.REMAINDER, help="lncli arguments")
    sub = add("logs", cmd_logs, "print a node's log (btcd for the bitcoin node)")
    sub.add_argument("node")
    sub.add_argument("-n", "--lines", type=int, default=50, help="lines from the end (default 50)")
    sub.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    sub = add("restart", cmd_restart, "restart one lnd node and wait for its channels")
    sub.add_argument("node")
    add_password_option(sub, f"the wallet password, if the network has one (default: ${PASSWORD_ENV})")
    sub = add("unlock", cmd_unlock, "unlock the wallets of a network started with a wallet password")
    add_password_option(sub, f"the wallet password (default: ${PASSWORD_ENV}, else asked for)")
    sub = add("attach", cmd_attach, "register LND nodes lngym did not start (a SimLN nodes file) under --home")
    which = sub.add_mutually_exclusive_group(required=True)
    which.add_argument("nodes_file", metavar="NODES.json", nargs="?",
                       help='{"nodes": [{"id", "address", "macaroon", "cert"}], "bitcoin": {...}} (see README)')
    which.add_argument("--polar", metavar="DIR", help="a Polar network folder, e.g. ~/.polar/networks/1")
    sub.add_argument("--swap-server", metavar="ID",
                     help="the node (its id in the nodes file) that serves swaps, on the file's \"swap\" terms "
                          "or the defaults of a scenario's [swap]")
    add("down", cmd_down, "stop every process of the network (data is kept until clean)")
    add("clean", cmd_clean, "stop the network and delete its home directory")


def add_password_option(sub: argparse.ArgumentParser, help_text: str) -> None:
    """``--wallet-password-file``: a file, so the password is in no shell history or process list."""
    sub.add_argument("--wallet-password-file", metavar="FILE", type=Path, default=None, help=help_text)


def wallet_password(args: argparse.Namespace, ask: bool = False) -> str | None:
    """The wallet password from ``--wallet-password-file``, else $LNGYM_WALLET_PASSWORD, else
    (``ask``, on a terminal) typed in; None if there is none."""
    path: Path | None = vars(args).get("wallet_password_file")
    if path is not None:
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise LngymError(f"--wallet-password-file: cannot read {path}: {exc.strerror}") from None
        password = lines[0] if lines else ""
        if not password:
            raise LngymError(f"--wallet-password-file: {path} is empty; its first line is the password")
        return password
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if ask and sys.stdin.isatty():
        return getpass.getpass("wallet password: ")
    return None


def network_for(args: argparse.Namespace, scenario: str | None = None) -> ManagedNetwork:
    """The network under ``--home`` (or LNGYM_HOME, or the default), of the backend that runs
    there (``up --backend`` for a new one; native by default)."""
    home = args.home or default_home()
    recorded, wanted = recorded_backend(home), vars(args).get("backend")
    # ``make`` keeps the backend a home already holds; asking for the other process backend is an error
    # (an attached home answers to native: its nodes are "the network under home" too).
    if wanted in PROCESS_BACKENDS and recorded in PROCESS_BACKENDS and wanted != recorded:
        raise NetworkStateError(f"{home} holds a {recorded} network; `lngym --home {home} clean` it first, "
                                f"or use --backend {recorded}")
    options: dict[str, Any] = {"compose": True} if vars(args).get("attach") else {}
    if options and (wanted or recorded) != "docker":
        raise LngymError("--attach adopts the containers of compose/docker-compose.yml: use it with --backend docker")
    password = wallet_password(args)
    if password is not None and recorded != "attach":
        options["wallet_password"] = password
    network = make(wanted or "native", scenario, home=home, tmpfs=vars(args).get("tmpfs", False), **options)
    assert isinstance(network, ManagedNetwork)  # the native backend runs processes
    return network


def running_network(args: argparse.Namespace) -> ManagedNetwork:
    """The network under home, attached; a clear error if nothing runs there."""
    network = network_for(args)
    network.attach()
    return network


def cmd_install(args: argparse.Namespace) -> int:
    install(force=args.force)
    return 0


def cmd_images(args: argparse.Namespace) -> int:
    from lngym.network.docker.images import build_images

    tags = build_images(log=console.print)
    console.print(f"built {', '.join(tags)}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    network = network_for(args, args.scenario)
    if network.is_running():
        console.print(f"a network is already running in {network.home}; nothing changed "
                      "(`lngym status` shows it, `lngym down` stops it)")
        return 0
    started = time.monotonic()
    with console.status(f"starting {len(network.scenario.nodes)} lnd nodes and btcd…"):
        network.up()
    console.print(
        f"network [bold]{network.scenario.name}[/] is up in {network.home} "
        f"({time.monotonic() - started:.1f} s): {len(network.scenario.nodes)} nodes, "
        f"{len(network.scenario.channels)} channels"
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    network = running_network(args)
    nodes = network.nodes()
    snapshot = network.snapshot()
    if args.json:
        payload = {
            "home": str(network.home),
            "scenario": network.scenario.name,
            "nodes": [
                {"name": n.name, "pubkey": n.pubkey, "grpc": n.grpc, "synced": n.synced, "alive": n.alive,
                 "locked": n.locked}
                for n in nodes
            ],
            **snapshot.as_dict(),
        }
        print(json.dumps(payload, indent=2))
        return 0
    table = Table(title=f"nodes ({network.home})")
    for column in ("node", "pubkey", "grpc", "state"):
        table.add_column(column)
    for n in nodes:
        state = ("[green]synced[/]" if n.synced else "[red]down[/]" if not n.alive
                 else "[yellow]locked (`lngym unlock`)[/]" if n.locked else "[yellow]syncing[/]")
        table.add_row(n.name, n.pubkey[:20] + "…", n.grpc, state)
    console.print(table)
    console.print(balance_table(snapshot))
    return 0


def balance_table(snapshot: Any) -> Table:
    """Channels with a bar showing where the liquidity sits (shared with simulate)."""
    table = Table(title="channels")
    for column in ("#", "a", "balance a", "", "balance b", "b", "active"):
        table.add_column(column, justify="right" if column.startswith("balance") else "left")
    for c in snapshot.channels:
        filled = round(c.ratio_a * 16)
        bar = "[cyan]" + "█" * filled + "[/][magenta]" + "█" * (16 - filled) + "[/]"
        table.add_row(str(c.index), c.a, f"{c.balance_a_sat:,}", bar, f"{c.balance_b_sat:,}", c.b,
                      "yes" if c.active else "[red]no[/]")
    return table


def cmd_check(args: argparse.Namespace) -> int:
    network = running_network(args)
    failures = 0
    for step in run_check(network):
        mark = "[green]ok[/]  " if step.ok else "[red]FAIL[/]"
        console.print(f"{mark} {step.what}" + (f"  ({step.detail})" if step.detail else ""))
        failures += not step.ok
    if failures:
        console.print(f"[red]{failures} check(s) failed[/]")
        return 1
    console.print("[green]all checks passed[/]")
    return 0


def cmd_lncli(args: argparse.Namespace) -> int:
    network = running_network(args)
    argv = network.lncli_argv(args.node) + list(args.args)
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached: execv replaces this process


def cmd_logs(args: argparse.Namespace) -> int:
    network = network_for(args)
    if not network.has_state():
        raise NetworkStateError(f"no network in {network.home}; start one with `lngym up`")
    for line in network.log_lines(args.node, args.lines, args.follow):
        sys.stdout.write(line)
        sys.stdout.flush()
    return 0


def cmd_restart(args: argparse.Namespace) -> int:
    network = running_network(args)
    with console.status(f"restarting {args.node}…"):
        network.restart_node(args.node)
    console.print(f"{network.scenario.node(args.node)} restarted; its channels are active")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    network = network_for(args)
    if not network.is_running():
        raise NetworkStateError(f"no network is running in {network.home}; start one with `lngym up`")
    password = wallet_password(args, ask=True)
    if password is None:
        raise LngymError(f"unlock needs the wallet password: --wallet-password-file FILE or ${PASSWORD_ENV}")
    with console.status("unlocking the wallets…"):
        outcome = network.unlock(password)
    for name, what in outcome.items():
        console.print(f"{name}: {what}")
    return 1 if "not answering" in outcome.values() else 0


def cmd_attach(args: argparse.Namespace) -> int:
    home = args.home or default_home()
    with console.status("reading the nodes…"):
        registration = register_attached(args.polar or args.nodes_file, home, polar=bool(args.polar),
                                         swap_server=args.swap_server)
    scenario = registration["scenario"]
    swap = scenario.get("swap")
    console.print(f"attached {len(scenario['nodes'])} nodes ({', '.join(scenario['nodes'])}) and "
                  f"{len(scenario['channels'])} channels in {home}"
                  + (f"; {swap['server']} serves swaps" if swap else "")
                  + ("" if registration["bitcoin"] else "; no bitcoin entry: operations that need blocks refuse"))
    for skipped in registration["skipped_channels"]:
        console.print(f"left out channel {skipped}: a scenario has one channel per pair of nodes")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    network = network_for(args)
    if not network.is_running() and not network.has_strays():
        console.print(f"no network is running in {network.home}")
        return 0
    network.down()
    console.print(f"stopped the network in {network.home} (data kept; `lngym clean` removes it)")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    network = network_for(args)
    existed = network.home.exists()
    network.clean()
    console.print(f"removed {network.home}" if existed else f"nothing to clean in {network.home}")
    return 0
