"""The WebSocket server: connections, the token, the one controller, and every reply.

Any number of clients may connect; each gets ``hello`` first and then every
broadcast. The first client whose ``reset``, ``step`` or
``rebalance_suggestion`` is accepted becomes the controller until it
disconnects; the same messages from anyone else get an ``error``. Every frame
is validated before it can act, and every frame that cannot be taken is
answered with an ``error`` — the connection and the server stay up. With a
``dashboard_port`` the dashboard page (``lngym.bridge.dashboard``) is served
on that port of the same host, behind the same token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response

from lngym.bridge.dashboard import Dashboard
from lngym.bridge.protocol import (
    HARD_FRAME_LIMIT,
    MAX_MESSAGE_BYTES,
    encode,
    error_message,
    hello_message,
)
from lngym.bridge.publisher import DEFAULT_QUEUE_SIZE, ClientChannel, Publisher
from lngym.bridge.validation import (
    ProtocolError,
    Request,
    SpacesRequest,
    SubscribeRequest,
    Validator,
    parse_frame,
)
from lngym.errors import LngymError
from lngym.network.base import NodeInfo
from lngym.scenario import Scenario

log = logging.getLogger("lngym.bridge")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6789
#: The dashboard's default port: the bridge's default plus one.
DEFAULT_DASHBOARD_PORT = DEFAULT_PORT + 1
TOKEN_ENV = "LNGYM_BRIDGE_TOKEN"


class Backend(Protocol):
    """What the server serves: an env (``EnvBackend``) or a running simulation (``SuggestionRelay``)."""

    mode: str
    scenario: Scenario
    validator: Validator
    node_infos: list[NodeInfo]

    def spaces(self) -> dict[str, Any] | None:
        """Observation and action spaces as JSON, or None without an env."""

    def settings(self) -> dict[str, Any]:
        """Mode-specific fields of ``hello``."""

    async def handle(self, request: Request, client: ClientChannel) -> dict[str, Any]:
        """Carry out an accepted request and return the reply; ProtocolError if it cannot be taken."""


@dataclass(frozen=True)
class BridgeSettings:
    """Where to listen, who may connect, and the limits that protect the loop."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    queue_size: int = DEFAULT_QUEUE_SIZE
    max_message_bytes: int = MAX_MESSAGE_BYTES
    #: Serve the dashboard on this port (0 picks a free one); None serves none.
    dashboard_port: int | None = None


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to expose the bridge beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise LngymError(
            f"refusing to listen on {host} without a token: anyone who can reach it could drive the "
            "network; pass --token (or set LNGYM_BRIDGE_TOKEN), or bind 127.0.0.1"
        )


class BridgeServer:
    """One backend served on one address."""

    def __init__(self, backend: Backend, publisher: Publisher, settings: BridgeSettings) -> None:
        check_bind(settings.host, settings.token)
        self.backend = backend
        self.publisher = publisher
        self.settings = settings
        self.controller: ClientChannel | None = None
        self.port: int | None = None
        self.dashboard_port: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    async def serve(self, stop: asyncio.Future[None], on_ready: Callable[[int], None] | None = None) -> None:
        """Listen until ``stop`` resolves; ``on_ready`` gets the bound port (useful with port 0).

        The dashboard, if asked for, listens before ``on_ready`` too (``dashboard_port`` is then set).
        """
        self.publisher.bind(asyncio.get_running_loop())
        async with contextlib.AsyncExitStack() as stack:
            server = await stack.enter_async_context(serve(
                self._connection, self.settings.host, self.settings.port,
                process_request=self._authorize, compression=None,
                max_size=max(HARD_FRAME_LIMIT, self.settings.max_message_bytes + 1), max_queue=4,
            ))
            self.port = _bound_port(server)
            if self.settings.dashboard_port is not None:
                page = Dashboard(self.port, self.authorized)
                http = await stack.enter_async_context(page.server(self.settings.host, self.settings.dashboard_port))
                self.dashboard_port = _bound_port(http)
            if on_ready is not None:
                on_ready(self.port)
            await stop

    def run(self, on_ready: Callable[[int], None] | None = None) -> None:
        """Serve in this thread until SIGINT or SIGTERM."""

        async def main() -> None:
            stop: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            for sig in (signal.SIGINT, signal.SIGTERM):
                asyncio.get_running_loop().add_signal_handler(sig, _resolve, stop)
            await self.serve(stop, on_ready)

        asyncio.run(main())

    def start_in_thread(self) -> ServerThread:
        """Serve from a background thread (``lngym simulate --bridge``, tests); returns once listening."""
        thread = ServerThread(self)
        thread.start()
        return thread

    # -- connections --------------------------------------------------------------------------
    def authorized(self, request: HttpRequest) -> bool:
        """Whether a request carries the token (``Authorization: Bearer`` or ``?token=``), if one is set."""
        token = self.settings.token
        if not token:
            return True
        offered = _offered_token(request.headers, request.path)
        return offered is not None and hmac.compare_digest(offered.encode(), token.encode())

    def _authorize(self, connection: ServerConnection, request: HttpRequest) -> Response | None:
        """With a token set, the handshake must carry it."""
        if self.authorized(request):
            return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "missing or wrong bridge token\n")

    async def _connection(self, connection: ServerConnection) -> None:
        """One client from hello to disconnect: its writer task, its requests, its control."""
        client = ClientChannel(connection, self.settings.queue_size)
        client.reply(encode(self._hello()))
        self.publisher.clients.add(client)
        writer = asyncio.create_task(client.run())
        try:
            async for frame in connection:
                await self._take(client, frame)
                await client.wait_room()
        except ConnectionClosed:
            pass
        finally:
            self.publisher.clients.discard(client)
            if self.controller is client:
                self.controller = None
            client.close()
            await writer

    def _hello(self) -> dict[str, Any]:
        """Topology, spaces and limits as this client finds them on arrival."""
        settings = {
            "controller_connected": self.controller is not None,
            "max_message_bytes": self.settings.max_message_bytes,
            "queue_size": self.settings.queue_size,
            **self.backend.settings(),
        }
        return hello_message(self.backend.mode, self.backend.scenario, self.backend.node_infos,
                             settings, self.backend.spaces())

    async def _take(self, client: ClientChannel, frame: str | bytes) -> None:
        """Validate one frame, act on it if allowed, and queue exactly one reply."""
        ident: Any = None
        try:
            data = parse_frame(frame, self.settings.max_message_bytes)
            request = self.backend.validator.request(data)
            ident = request.id
            if isinstance(request, (SpacesRequest, SubscribeRequest)):
                reply = self._open_request(client, request)
            else:
                reply = await self._controlled(client, request)
            text = encode(reply)
        except ProtocolError as exc:
            text = encode(error_message(exc.code, exc.reason, exc.request_id))
        except Exception as exc:  # the backend failed (e.g. an LND node died): say so, keep serving
            log.exception("bridge: request failed")
            text = encode(error_message("backend_error", f"{type(exc).__name__}: {exc}"[:500], ident))
        client.reply(text)

    def _open_request(self, client: ClientChannel, request: SpacesRequest | SubscribeRequest) -> dict[str, Any]:
        """Requests anyone may send: they change nothing but the sender's own subscription."""
        if isinstance(request, SubscribeRequest):
            if request.events:
                self.publisher.clients.add(client)
            else:
                self.publisher.clients.discard(client)
            reply = {"type": "subscribed", "events": request.events}
            if request.env_steps is not None:
                client.env_steps = request.env_steps
                reply["env_steps"] = request.env_steps
        else:
            reply = {"type": "spaces", **(self.backend.spaces() or {"observation_space": None, "action_space": None})}
        if request.id is not None:
            reply["id"] = request.id
        return reply

    async def _controlled(self, client: ClientChannel, request: Request) -> dict[str, Any]:
        """Run a request that needs control; the claim is undone if the request is refused."""
        if self.controller is not None and self.controller is not client:
            raise ProtocolError("not_controller", "another client controls this bridge; observers may only send spaces and subscribe",
                                request.id)
        claimed = self.controller is None
        self.controller = client
        try:
            return await self.backend.handle(request, client)
        except ProtocolError as exc:
            if claimed:
                self.controller = None
            exc.request_id = request.id
            raise


class ServerThread(threading.Thread):
    """A bridge served from its own event loop in a daemon thread."""

    def __init__(self, server: BridgeServer) -> None:
        super().__init__(name="lngym-bridge", daemon=True)
        self.server = server
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_future: asyncio.Future[None] | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop_future = self._loop.create_future()
            await self.server.serve(self._stop_future, lambda _port: self._ready.set())

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001  (reported to the thread that waits in start())
            self._error = exc
            self._ready.set()

    def start(self) -> None:
        """Start and wait until the socket listens (or raise why it could not)."""
        super().start()
        self._ready.wait()
        if self._error is not None:
            raise LngymError(f"bridge could not listen on {self.server.settings.host}:{self.server.settings.port}: "
                             f"{self._error}") from self._error

    @property
    def port(self) -> int:
        """The port actually bound."""
        assert self.server.port is not None
        return self.server.port

    def stop(self) -> None:
        """Close every connection and the socket, and wait for the thread."""
        loop, future = self._loop, self._stop_future
        if loop is not None and future is not None and not loop.is_closed():
            loop.call_soon_threadsafe(_resolve, future)
        self.join(timeout=10)


def _resolve(future: asyncio.Future[None]) -> None:
    """Resolve a stop future once, however many times stop is asked for."""
    if not future.done():
        future.set_result(None)


def _offered_token(headers: Headers, path: str) -> str | None:
    authorization = headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        return authorization[len("Bearer "):].strip()
    values = parse_qs(urlsplit(path).query).get("token")
    return values[0] if values else None


def _bound_port(server: Server) -> int:
    return int(next(iter(server.sockets)).getsockname()[1])

