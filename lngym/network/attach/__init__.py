"""The attach backend: lngym's interface over LND nodes someone else runs (Polar, Warnet, a compose stack).

``lngym attach NODES.json`` registers them under a home (``registry.py``);
``AttachNetwork`` drives them over gRPC and never stops, restarts, rebuilds or
deletes a node it did not start.
"""

from lngym.network.attach.network import AttachNetwork
from lngym.network.attach.registry import is_attached, register

__all__ = ["AttachNetwork", "is_attached", "register"]
