"""The argument types the commands share: each refuses bad input in one line that says
what it expected, so `lngym X --flag junk` reads the same for every flag."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A count: 1 or more."""
    value = _number(text, int, "a positive whole number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text}")
    return value


def positive_float(text: str) -> float:
    """A finite quantity above 0 (a duration, a rate)."""
    value = _number(text, float, "a number above 0")
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text}")
    return value


def share(text: str) -> float:
    """A fraction from 0 to 1."""
    value = _number(text, float, "a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text}")
    return value


def port(text: str) -> int:
    """A TCP port; 0 lets the system pick one."""
    value = _number(text, int, "a port from 0 to 65535")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text}")
    return value


def _number(text: str, kind: type, expected: str):  # type: ignore[no-untyped-def]
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
