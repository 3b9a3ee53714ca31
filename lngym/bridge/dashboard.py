"""The dashboard: one web page, served next to the bridge, that draws its WebSocket stream.

The page is plain HTML, CSS and JavaScript shipped in ``lngym/bridge/static``
(no build step). It is assembled once into a single response, with the CSS and
script inline, so the only request that needs the bridge token is the page's
own: a browser would not add ``?token=`` to a stylesheet's URL. The script
reads the token from the page's address and presents it to the WebSocket.

It is served by a second ``websockets`` server on its own port whose
``process_request`` answers every request with plain HTTP, so no other HTTP
stack runs in the bridge. The page's Content-Security-Policy allows exactly
its own inline script and style (by hash) and WebSocket connections.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from importlib import resources

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

#: Paths that return the page; anything else is 404.
PAGE_PATHS = ("/", "/index.html")


def _static(name: str) -> str:
    return resources.files("lngym.bridge").joinpath("static", name).read_text(encoding="utf-8")


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def build_page(websocket_port: int) -> tuple[bytes, str]:
    """The page with its CSS, script and settings inline, and the CSP that admits exactly those."""
    css, script = _static("dashboard.css"), _static("dashboard.js")
    settings = json.dumps({"websocket_port": websocket_port}).replace("<", "\\u003c")
    page = (_static("dashboard.html")
            .replace("/*lngym:css*/", css)
            .replace("/*lngym:config*/", settings)
            .replace("/*lngym:js*/", script))
    policy = (f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(css)}; connect-src ws: wss:; "
              "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return page.encode(), policy


class Dashboard:
    """Answers HTTP requests for the page; the bridge's token, if any, must come with them."""

    def __init__(self, websocket_port: int, authorized: Callable[[Request], bool]) -> None:
        self._page, self._policy = build_page(websocket_port)
        self._authorized = authorized

    def server(self, host: str, port: int) -> AbstractAsyncContextManager[Server]:
        """The HTTP server, an async context manager that listens while entered."""
        return serve(_never_upgraded, host, port, process_request=self.respond, compression=None)

    def respond(self, connection: ServerConnection, request: Request) -> Response:
        """The page, 401 without the token, or 404 for any other path."""
        path = request.path.split("?", 1)[0]
        if path not in PAGE_PATHS:
            return connection.respond(HTTPStatus.NOT_FOUND, "not found; the dashboard is at /\n")
        if not self._authorized(request):
            return connection.respond(HTTPStatus.UNAUTHORIZED,
                                      "missing or wrong bridge token: open the address `lngym` printed, "
                                      "which ends in ?token=...\n")
        headers = Headers({
            "Content-Type": "text/html; charset=utf-8",
            "Content-Length": str(len(self._page)),
            "Content-Security-Policy": self._policy,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Connection": "close",
        })
        return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, self._page)


async def _never_upgraded(connection: ServerConnection) -> None:
    """Every request is answered in ``respond``, so no connection ever gets here; close it if one does."""
    await connection.close()
