"""Exceptions lngym raises on purpose.

Every error a user can cause (bad input, missing binaries, a node that is down)
is an ``LngymError`` whose message says what happened and what to do, so the CLI
can print it as one line and exit non-zero instead of showing a traceback.
Errors of a Network call start with the call's name (``pay: unknown node 'zed'
…``), so the same bad call reads the same on every backend.
"""


class LngymError(Exception):
    """Base class: a failure with a message meant for the user."""


class ScenarioError(LngymError):
    """A scenario file is malformed; the message names the file and field."""


class BinaryMissingError(LngymError):
    """lnd, lncli, btcd or btcctl is not installed where lngym looks."""


class NodeError(LngymError):
    """A node process failed or an RPC to it failed; ``node`` names it.

    ``unreachable`` tells a node that did not answer (down, or past the
    deadline) from one that answered with a refusal.
    """

    def __init__(self, message: str, node: str = "", unreachable: bool = False) -> None:
        super().__init__(message)
        self.node = node
        self.unreachable = unreachable


class NetworkStateError(LngymError):
    """The network is not in a state that allows the operation (e.g. not running)."""


class NotRunningError(NetworkStateError):
    """A call that needs a started network came before ``start()`` or after ``stop()``."""


class UnsupportedError(LngymError):
    """The backend cannot do this at all (e.g. restart a node of the in-process twin)."""


class UnknownNodeError(LngymError):
    """A node name that the scenario does not define."""


class NoChannelError(LngymError):
    """Two nodes that have no channel between them, where a call needs one."""


class InvalidAmountError(LngymError):
    """An amount or fee cap that is not a whole number within the channel's limits."""


class InsufficientFundsError(LngymError):
    """A node lacks the funds (on-chain or in its channels) that a call needs."""


class InvalidPaymentError(LngymError):
    """A payment that cannot be asked for at all, such as a node paying itself."""


class SettingError(LngymError, ValueError):
    """A setting (a policy's threshold, a run's pace) outside what it can be."""


class CsvFormatError(LngymError):
    """A CSV that is not one lngym wrote (another header, a truncated row); the message names the line."""


class DockerError(LngymError):
    """The docker backend cannot reach Docker (SDK missing, dockerd down) or Docker refused a call."""
