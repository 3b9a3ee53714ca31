"""WebSocket bridge: the seed's real-time stream, and the env loop for agents in any language.

``lngym bridge`` serves an env (``EnvBackend``: ``reset``/``step`` over the
socket); ``lngym simulate --bridge`` serves a running simulation
(``SuggestionRelay``: the seed's ``transaction``/``channel_update`` out,
``rebalance_suggestion`` in). Both sit behind ``BridgeServer``; the messages
are documented in README.md and built in ``protocol``. ``--dashboard`` adds
a web page that draws the stream (``dashboard``).
"""

from lngym.bridge.protocol import PROTOCOL_VERSION
from lngym.bridge.publisher import Publisher
from lngym.bridge.server import (
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_HOST,
    DEFAULT_PORT,
    TOKEN_ENV,
    BridgeServer,
    BridgeSettings,
    check_bind,
)

__all__ = [
    "DEFAULT_DASHBOARD_PORT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "PROTOCOL_VERSION",
    "TOKEN_ENV",
    "BridgeServer",
    "BridgeSettings",
    "Publisher",
    "check_bind",
]
