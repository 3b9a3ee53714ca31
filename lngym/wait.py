"""One waiting helper for every readiness check, so timeouts say what they waited for.

``LNGYM_TIMEOUT_FACTOR`` scales every timeout at once (useful on slow CI machines),
as Bitcoin Core's functional tests do with their timeout factor: the waits here
and, through ``scaled``, every RPC deadline of the LND client.
"""

from __future__ import annotations

import os
import time
from typing import Callable, TypeVar

from lngym.errors import LngymError

T = TypeVar("T")

#: Multiplier applied to every timeout lngym waits with.
TIMEOUT_FACTOR = float(os.environ.get("LNGYM_TIMEOUT_FACTOR", "1"))


def scaled(seconds: float) -> float:
    """``seconds`` stretched by ``LNGYM_TIMEOUT_FACTOR``: a slow machine slows waits and RPCs alike."""
    return seconds * TIMEOUT_FACTOR


class WaitTimeout(LngymError):
    """A condition did not become true in time."""


def wait_until(
    predicate: Callable[[], T],
    timeout: float,
    what: str,
    alive: Callable[[], None] | None = None,
    interval: float = 0.05,
) -> T:
    """Poll ``predicate`` until it returns something truthy and return that.

    ``alive`` is called on every loop and should raise if a process we depend on
    has died, so a crash surfaces at once with its cause instead of as a timeout.
    Exceptions from ``predicate`` count as "not yet"; the last one is reported.
    """
    deadline = time.monotonic() + scaled(timeout)
    last_error: Exception | None = None
    while True:
        if alive is not None:
            alive()
        try:
            result = predicate()
            if result:
                return result
        except LngymError as exc:
            last_error = exc
        except Exception as exc:  # noqa: BLE001 - any failure of a poll means "not yet"
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f"; last error: {last_error}" if last_error else ""
            raise WaitTimeout(f"timed out after {scaled(timeout):.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def stopped_within(is_running: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll until ``is_running()`` is false; whether that happened within ``timeout`` seconds.

    Not scaled and never raising: a daemon asked to stop gets this long before the
    caller escalates (a kill), which must happen on time even on a slow machine.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running():
            return True
        time.sleep(interval)
    return not is_running()
