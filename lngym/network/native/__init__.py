"""The native backend: btcd and lnd as local processes on loopback."""

from lngym.network.native.network import NativeNetwork, temporary_home

__all__ = ["NativeNetwork", "temporary_home"]
