"""lngym's LND proto subset, compiled at import time by grpcio-tools.

``grpc.protos_and_services`` compiles the ``.proto`` files shipped in this
package on first import, so no generated code is kept in the repository. It
resolves proto paths against ``sys.path``, so the directory holding the
``lngym`` package is put there for the duration of the call (an editable
install does not necessarily list it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import grpc

_ROOT = str(Path(__file__).resolve().parents[3])


def _compile(proto: str) -> tuple:
    added = _ROOT not in sys.path
    if added:
        sys.path.append(_ROOT)
    try:
        return grpc.protos_and_services(f"lngym/lnd/protos/{proto}")
    finally:
        if added:
            sys.path.remove(_ROOT)


lightning_pb2, lightning_grpc = _compile("lightning.proto")
router_pb2, router_grpc = _compile("router.proto")
invoices_pb2, invoices_grpc = _compile("invoices.proto")
walletunlocker_pb2, walletunlocker_grpc = _compile("walletunlocker.proto")
