"""Fan-out to many clients without letting any of them slow the others down.

Each client has its own outbound queue and writer task. Broadcasts (``transaction``,
``channel_update``) are encoded once, to UTF-8 bytes sent as text frames, and
offered to every queue; a queue that is
full drops the message and counts it, and the next message that reaches that
client carries ``"dropped": n``. Replies to a client's own requests are never
dropped; instead the server stops reading from a client whose replies pile up,
so a client that sends without reading only ever stalls itself.

``env_step`` is the one opt-in broadcast: only clients that asked for it
(``subscribe`` with ``"env_steps": true``, as the dashboard does) get it, and it
carries no ``seq``, so everyone else's sequence has no gaps it could not explain.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from lngym.bridge.protocol import ENV_STEP, encode

#: Broadcast messages a client may have waiting before new ones are dropped for it.
DEFAULT_QUEUE_SIZE = 1024
#: Unsent replies after which the server waits before reading that client's next message.
REPLY_BACKLOG = 64


class ClientChannel:
    """One connected client's outbound side: a bounded queue drained by its own writer."""

    def __init__(self, connection: ServerConnection, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.connection = connection
        self.queue_size = queue_size
        self.dropped_total = 0
        #: Whether this client asked for ``env_step`` broadcasts.
        self.env_steps = False
        self._items: deque[tuple[bytes, int, bool]] = deque()
        self._broadcasts = 0
        self._dropped = 0
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._closed = False

    @property
    def name(self) -> str:
        """``host:port`` of the peer, for logs and errors."""
        peer = self.connection.remote_address
        return f"{peer[0]}:{peer[1]}" if peer else "?"

    def offer(self, data: bytes) -> None:
        """Queue a broadcast, or drop and count it when this client is too far behind."""
        if self._broadcasts >= self.queue_size:
            self._dropped += 1
            self.dropped_total += 1
            return
        self._broadcasts += 1
        self._push(data, broadcast=True)

    def reply(self, data: bytes) -> None:
        """Queue a reply to this client's own request; replies are never dropped."""
        self._push(data, broadcast=False)

    def _push(self, data: bytes, broadcast: bool) -> None:
        if self._closed:
            return
        self._items.append((data, self._dropped, broadcast))
        self._dropped = 0
        self._ready.set()

    async def wait_room(self) -> None:
        """Wait while this client's unsent replies exceed ``REPLY_BACKLOG`` (backpressure)."""
        while len(self._items) > REPLY_BACKLOG and not self._closed:
            self._room.clear()
            await self._room.wait()

    async def run(self) -> None:
        """Send queued messages in order until the connection closes."""
        try:
            while not self._closed:
                if not self._items:
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                data, dropped, broadcast = self._items.popleft()
                if broadcast:
                    self._broadcasts -= 1
                if dropped:
                    data = b'{"dropped":%d,%s' % (dropped, data[1:])
                await self.connection.send(data, text=True)
                self._room.set()
        except ConnectionClosed:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop queueing; wake anyone waiting so handlers can finish."""
        self._closed = True
        self._ready.set()
        self._room.set()


class Publisher:
    """The set of connected clients and the broadcast sequence number they all share."""

    def __init__(self) -> None:
        self.clients: set[ClientChannel] = set()
        self.seq = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the server's loop so other threads can publish into it."""
        self._loop = loop
        self._loop_thread = threading.get_ident()

    @property
    def listening(self) -> bool:
        """Whether anyone would receive a broadcast (building one is skipped otherwise)."""
        return bool(self.clients)

    def broadcast(self, message: dict[str, Any]) -> None:
        """Number, encode once and queue ``message`` for every client (loop thread only)."""
        if message["type"] == ENV_STEP:
            data = encode(message)
            for client in self.clients:
                if client.env_steps:
                    client.offer(data)
            return
        self.seq += 1
        message["seq"] = self.seq
        data = encode(message)
        for client in self.clients:
            client.offer(data)

    def publish(self, message: dict[str, Any]) -> None:
        """``broadcast`` from any thread: the env worker and the simulation call this."""
        if self._loop is None or self._loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self.broadcast(message)
        else:
            self._loop.call_soon_threadsafe(self.broadcast, message)

    def publish_many(self, messages: list[dict[str, Any]]) -> None:
        """Several broadcasts, in order, with one hand-over to the loop (cheaper from a worker thread)."""
        if self._loop is None or self._loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._broadcast_all(messages)
        else:
            self._loop.call_soon_threadsafe(self._broadcast_all, messages)

    def _broadcast_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.broadcast(message)

    def send_to(self, client: ClientChannel, message: dict[str, Any]) -> None:
        """A reply to one client from any thread (a suggestion's result, applied later)."""
        if self._loop is None or self._loop.is_closed():
            return
        data = encode(message)
        if threading.get_ident() == self._loop_thread:
            client.reply(data)
        else:
            self._loop.call_soon_threadsafe(client.reply, data)
