"""Where lngym keeps binaries and network homes, and how to override it.

State never lives in the working tree: a network's home defaults to the user's
cache directory so that running lngym inside a git checkout leaves it clean.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lngym.errors import BinaryMissingError


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/lngym`` or ``~/.cache/lngym``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lngym"


def bin_dir() -> Path:
    """Directory ``lngym install`` builds into: ``LNGYM_BIN`` or ``~/.cache/lngym/bin``."""
    return Path(os.environ.get("LNGYM_BIN") or cache_dir() / "bin")


def default_home() -> Path:
    """The network home used when neither ``--home`` nor ``LNGYM_HOME`` is given."""
    return Path(os.environ.get("LNGYM_HOME") or cache_dir() / "network")


def find_binary(name: str) -> Path:
    """Locate lnd, lncli, btcd or btcctl in ``LNGYM_BIN`` first, then on PATH."""
    candidate = bin_dir() / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    raise BinaryMissingError(
        f"{name} not found in {bin_dir()} or on PATH; run `lngym install` to build it"
    )
