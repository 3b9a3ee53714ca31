"""Helpers for the bridge tests: real servers on 127.0.0.1 (port 0) and a blocking client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.sync.client import ClientConnection, connect

from lngym.bridge import BridgeServer, BridgeSettings, Publisher
from lngym.bridge.env_backend import EnvBackend
from lngym.bridge.relay import SuggestionRelay
from lngym.network.base import Network
from lngym.simulation import Simulation, SimulationConfig

BROADCASTS = ("transaction", "channel_update")


@dataclass
class Served:
    """A running bridge: its URL and the backend behind it."""

    url: str
    backend: Any
    server: BridgeServer
    extras: dict[str, Any] = field(default_factory=dict)


@contextmanager
def env_bridge(env_id: str = "LightningSim-v0", *, queue_size: int = 1024, token: str | None = None,
               threaded: bool | None = None, **env_kwargs: Any) -> Iterator[Served]:
    """``lngym bridge`` in a thread of this process."""
    publisher = Publisher()
    backend = EnvBackend(env_id, publisher, threaded=threaded, **env_kwargs)
    backend.prepare()
    server = BridgeServer(backend, publisher, BridgeSettings(port=0, token=token, queue_size=queue_size))
    thread = server.start_in_thread()
    try:
        yield Served(f"ws://127.0.0.1:{thread.port}", backend, server)
    finally:
        thread.stop()
        backend.close()


@contextmanager
def relay_bridge(network: Network, config: SimulationConfig | None = None,
                 min_confidence: float = 0.5) -> Iterator[Served]:
    """``lngym simulate --bridge`` without the terminal: a relay attached to a Simulation (not yet run)."""
    publisher = Publisher()
    relay = SuggestionRelay(network, publisher, min_confidence=min_confidence)
    simulation = Simulation(network, config or SimulationConfig(payments=10, concurrency=1, seed=1))
    relay.attach(simulation)
    server = BridgeServer(relay, publisher, BridgeSettings(port=0))
    thread = server.start_in_thread()
    try:
        yield Served(f"ws://127.0.0.1:{thread.port}", relay, server, {"simulation": simulation})
    finally:
        thread.stop()


class Client:
    """A blocking client that separates replies from broadcasts."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self._stack = ExitStack()
        self.ws: ClientConnection = self._stack.enter_context(connect(url, compression=None, open_timeout=10, **kwargs))
        self.broadcasts: list[dict[str, Any]] = []
        self.hello = self.next_reply()

    def send(self, message: Any) -> None:
        self.ws.send(message if isinstance(message, (str, bytes)) else json.dumps(message))

    def next_reply(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next message that is not a broadcast (broadcasts are kept in ``broadcasts``)."""
        while True:
            message = json.loads(self.ws.recv(timeout=timeout))
            if message["type"] in BROADCASTS:
                self.broadcasts.append(message)
            else:
                return message

    def request(self, message: Any) -> dict[str, Any]:
        self.send(message)
        return self.next_reply()

    def close(self) -> None:
        self._stack.close()


def run_in_thread(target: Any) -> threading.Thread:
    """Start ``target`` in a daemon thread (a Simulation run, for example)."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread
