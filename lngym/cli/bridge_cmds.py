"""``lngym bridge`` (an env over WebSocket) and the server half of ``lngym simulate --bridge``."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any
from urllib.parse import quote

from lngym.bridge import (
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_HOST,
    DEFAULT_PORT,
    TOKEN_ENV,
    BridgeServer,
    BridgeSettings,
    Publisher,
    check_bind,
)
from lngym.bridge.publisher import DEFAULT_QUEUE_SIZE
from lngym.bridge.server import ServerThread
from lngym.cli.arguments import port, share
from lngym.envs.registration import ENV_IDS
from lngym.errors import SettingError
from lngym.network.base import Network

#: Env settings with their own flag; any other goes through ``--set KEY=VALUE``.
ENV_FLAGS = ("payments_per_step", "max_episode_steps", "fee_weight", "action_type", "observation_type", "csv")


def register(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Add ``bridge`` to the ``lngym`` parser."""
    sub = commands.add_parser(
        "bridge", parents=[parent],
        help="serve a Gymnasium env over WebSocket (reset/step for agents in any language)",
        description="serve a Gymnasium env over WebSocket: hello, spaces, reset, step; "
                    "transaction and channel_update to every client")
    sub.set_defaults(run=cmd_bridge)
    sub.add_argument("--env", choices=sorted(ENV_IDS), default="LightningSim-v0", help="env id (default LightningSim-v0)")
    sub.add_argument("--scenario", default=None, help="scenario name in envs/ or a .toml path (default: seed)")
    sub.add_argument("--payments-per-step", type=int, help="payments sent per step")
    sub.add_argument("--max-episode-steps", type=int, help="steps before an episode is truncated")
    sub.add_argument("--fee-weight", type=float, help="reward penalty per unit of rebalancing fee/volume")
    sub.add_argument("--action-type", choices=("discrete", "continuous"), help="Discrete or Box actions")
    sub.add_argument("--observation-type", choices=("balances", "dict"), help="balance vector or Dict")
    sub.add_argument("--csv", help="record every payment and rebalance to this CSV")
    sub.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="any other env setting, VALUE as JSON (e.g. --set 'fractions=[0.1,0.3]')")
    add_server_args(sub)


def add_server_args(parser: argparse.ArgumentParser, suggestions: bool = False) -> None:
    """Address, token and limits of the WebSocket server (shared with ``simulate --bridge``)."""
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}; others need a token)")
    parser.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks one)")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV) or None,
                        help=f"clients must present this token (default ${TOKEN_ENV})")
    parser.add_argument("--queue-size", type=int, default=DEFAULT_QUEUE_SIZE,
                        help=f"broadcasts a slow client may have waiting before they are dropped (default {DEFAULT_QUEUE_SIZE})")
    parser.add_argument("--dashboard", action="store_true",
                        help="also serve a web page that draws the stream live (same host, its own port, same token)")
    parser.add_argument("--dashboard-port", type=port, default=None, metavar="P",
                        help=f"the dashboard's port (default {DEFAULT_DASHBOARD_PORT}, or a free one with --port 0)")
    if suggestions:
        parser.add_argument("--min-confidence", type=share, default=0.5,
                            help="rebalance suggestions below this confidence are ignored (default 0.5)")


def settings_from(args: argparse.Namespace) -> BridgeSettings:
    """Server settings from the parsed flags; refuses a public address without a token at once."""
    check_bind(args.host, args.token)
    dashboard_port = None
    if args.dashboard:
        dashboard_port = args.dashboard_port
        if dashboard_port is None:
            dashboard_port = 0 if args.port == 0 else DEFAULT_DASHBOARD_PORT
    elif args.dashboard_port is not None:
        raise SystemExit("lngym: --dashboard-port needs --dashboard")
    return BridgeSettings(host=args.host, port=args.port, token=args.token, queue_size=max(1, args.queue_size),
                          dashboard_port=dashboard_port)


def env_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The env's keyword arguments: scenario, the named flags that were given, then ``--set``."""
    kwargs: dict[str, Any] = {}
    if args.scenario:
        kwargs["scenario"] = args.scenario
    home = args.home or os.environ.get("LNGYM_HOME")
    if args.env == "LightningTestnet-v0" and home:
        kwargs["home"] = home  # attach to that network; without a home the env starts its own
    for key in ENV_FLAGS:
        value = vars(args)[key]
        if value is not None:
            kwargs[key] = value
    for item in args.set:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise SettingError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            kwargs[key.replace("-", "_")] = json.loads(raw)
        except json.JSONDecodeError:
            kwargs[key.replace("-", "_")] = raw
    return kwargs


def url(host: str, port: int, scheme: str = "ws") -> str:
    """The address clients connect to."""
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def dashboard_url(settings: BridgeSettings, port: int) -> str:
    """The page's address, with the token (the page hands it on to the WebSocket)."""
    query = f"?token={quote(settings.token, safe='')}" if settings.token else ""
    return f"{url(settings.host, port, 'http')}/{query}"


def announce(server: BridgeServer, what: str) -> None:
    """Print where the bridge (and its dashboard) listen, once they do."""
    assert server.port is not None
    print(f"lngym bridge: serving {what} on {url(server.settings.host, server.port)} (Ctrl-C stops)", flush=True)
    if server.dashboard_port is not None:
        print(f"lngym bridge: dashboard on {dashboard_url(server.settings, server.dashboard_port)}", flush=True)


def cmd_bridge(args: argparse.Namespace) -> int:
    from lngym.bridge.env_backend import EnvBackend

    settings = settings_from(args)
    publisher = Publisher()
    backend = EnvBackend(args.env, publisher, **env_kwargs(args))
    print(f"lngym bridge: starting {args.env} (scenario {backend.scenario.name})…", flush=True)
    try:
        backend.prepare()
        server = BridgeServer(backend, publisher, settings)
        server.run(on_ready=lambda _port: announce(server, args.env))
    finally:
        backend.close()
    return 0


def start_simulation_bridge(args: argparse.Namespace, network: Network) -> tuple[Any, ServerThread]:
    """A bridge for ``lngym simulate --bridge``: the relay (the Simulation's hooks) and its server thread."""
    from lngym.bridge.relay import SuggestionRelay

    settings = settings_from(args)
    publisher = Publisher()
    relay = SuggestionRelay(network, publisher, min_confidence=args.min_confidence)
    thread = BridgeServer(relay, publisher, settings).start_in_thread()
    return relay, thread
