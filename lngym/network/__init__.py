"""The Network interface and its backends (native processes, Docker, simulation)."""

from lngym.network.base import (
    ChannelState,
    Network,
    NodeInfo,
    PaymentRequest,
    PaymentResult,
    RebalanceSuggestion,
    Snapshot,
)

__all__ = ["ChannelState", "Network", "NodeInfo", "PaymentRequest", "PaymentResult", "RebalanceSuggestion", "Snapshot"]
