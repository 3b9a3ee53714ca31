"""gRPC client for LND (lnrpc, routerrpc, invoicesrpc and the State service)."""

from lngym.lnd.client import LndClient

__all__ = ["LndClient"]
