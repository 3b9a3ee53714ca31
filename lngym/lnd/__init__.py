"""gRPC client for LND (lnrpc, routerrpc and the State service)."""

from lngym.lnd.client import LndClient

__all__ = ["LndClient"]
