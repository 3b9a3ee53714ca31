"""The native backend: btcd and lnd as local processes on loopback."""

from lngym.network.native.cluster import NativeCluster, temporary_home
from lngym.network.native.network import NativeNetwork

__all__ = ["NativeCluster", "NativeNetwork", "temporary_home"]
