"""Scenario node names for nodes that other tools know by public key and alias.

Scenario names must be short lowercase identifiers (``lngym.scenario``), while
SimLN, lncli and mainnet graphs name nodes by a 66-hex public key and a free
alias. Imports turn aliases into names a user can type, and payment activity
that names nodes by public key is resolved through the same table — also by an
attach backend, which learns the public keys only from the running nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: The longest node name ``lngym.scenario`` accepts.
MAX_NAME = 32
_NOT_NAME = re.compile(r"[^a-z0-9_]+")


def _sanitised(alias: str) -> str:
    """An alias as a name: lowercase, runs of other characters as one ``_``, starting with a letter."""
    name = _NOT_NAME.sub("_", alias.lower()).strip("_")
    if name and not name[0].isalpha():
        name = "n_" + name
    return name[:MAX_NAME].rstrip("_")


def short_key(pubkey: str) -> str:
    """A name from a public key when there is no usable alias (``n02a1b2c3d4e5``)."""
    return "n" + pubkey.lower()[:12]


def node_names(nodes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Unique scenario names for ``(key, alias)`` pairs, in order: the alias, else a short key.

    A repeated name gets ``_2``, ``_3``… so two nodes that both call themselves
    ``lnd`` stay apart, and the result is the same for the same input.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for key, alias in nodes:
        base = _sanitised(alias) or short_key(key)
        name, n = base, 1
        while name in taken:
            n += 1
            suffix = f"_{n}"
            name = base[: MAX_NAME - len(suffix)] + suffix
        taken.add(name)
        names[key] = name
    return names


def resolve_node(value: str, names_by_key: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The scenario name of a node given by public key, alias or name; None if none matches.

    ``names_by_key`` maps public keys to names (from an import, or from the
    public keys a running network reports); ``aliases`` maps lowercased aliases
    to names. Names themselves (``alice``, ``lnd-alice``) also resolve.
    """
    if value.lower() in names_by_key:
        return names_by_key[value.lower()]
    if value in names_by_key:
        return names_by_key[value]
    lowered = value.lower()
    if aliases and lowered in aliases:
        return aliases[lowered]
    bare = lowered.removeprefix("lnd-")
    return bare if bare in set(names_by_key.values()) else None
