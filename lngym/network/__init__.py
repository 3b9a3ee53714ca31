"""The Network interface and its backends (native processes, Docker, simulation)."""

from lngym.network.base import (
    ChannelState,
    Network,
    NodeInfo,
    PaymentResult,
    Snapshot,
)

__all__ = ["ChannelState", "Network", "NodeInfo", "PaymentResult", "Snapshot"]
