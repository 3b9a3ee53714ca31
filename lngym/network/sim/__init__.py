"""The ``sim`` backend: an in-process, LND-like model of channels, fees, reserves and routing."""

from lngym.network.sim.network import Sim

__all__ = ["Sim"]
