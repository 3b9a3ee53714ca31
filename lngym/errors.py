"""Exceptions lngym raises on purpose.

Every error a user can cause (bad input, missing binaries, a node that is down)
is an ``LngymError`` whose message says what happened and what to do, so the CLI
can print it as one line and exit non-zero instead of showing a traceback.
"""


class LngymError(Exception):
    """Base class: a failure with a message meant for the user."""


class ScenarioError(LngymError):
    """A scenario file is malformed; the message names the file and field."""


class BinaryMissingError(LngymError):
    """lnd, lncli, btcd or btcctl is not installed where lngym looks."""


class NodeError(LngymError):
    """A node process failed or an RPC to it failed; the message names the node."""


class NetworkStateError(LngymError):
    """The network is not in a state that allows the operation (e.g. not running)."""


class UnknownNodeError(LngymError):
    """A node name that the scenario does not define."""


class InvalidAmountError(LngymError):
    """An amount that is not a positive integer within the channel's limits."""


class CsvFormatError(LngymError):
    """A CSV that is not one lngym wrote (another header, a truncated row); the message names the line."""
