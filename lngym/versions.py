"""The pinned versions of the Go programs lngym runs, and how they are built: the one place to change them.

``lngym install`` builds exactly these from their Go modules. lnd's go.mod has
``replace`` directives that only apply inside lnd's own module, so the wrapper
module that builds it must repeat them (``LND_REPLACES``); check them against
the go.mod of a new lnd version when bumping it, and ``LND_BUILD_TAGS`` against
its ``make/release_flags.mk``.
"""

from __future__ import annotations

from typing import NamedTuple

LND_MODULE = "github.com/lightningnetwork/lnd"
LND_VERSION = "v0.21.2-beta"
LND_GO_DIRECTIVE = "1.25.10"
LND_REPLACES = {
    "github.com/ulikunitz/xz": "github.com/ulikunitz/xz v0.5.11",
    "github.com/gogo/protobuf": "github.com/gogo/protobuf v1.3.2",
    "google.golang.org/protobuf": "github.com/lightninglabs/protobuf-go-hex-display v1.33.0-hex-display",
}
# The RELEASE_TAGS of lnd's make/release_flags.mk at LND_VERSION, so lngym runs the
# lnd users run: without them lnd has no invoicesrpc (hold invoices), walletrpc,
# signrpc, ... sub-servers, and lncli none of their commands. Left out: the release's
# kvdb_postgres, kvdb_etcd and kvdb_sqlite, which only add database backends lngym
# does not use (its nodes keep bbolt) and cost ~10 CPU-minutes more to build
# (etcd, pgx and the pure-Go SQLite), more than the RPC tags themselves.
LND_BUILD_TAGS = (
    "autopilotrpc",
    "signrpc",
    "walletrpc",
    "chainrpc",
    "invoicesrpc",
    "watchtowerrpc",
    "neutrinorpc",
    "monitoring",
    "peersrpc",
)

# btcd v0.26 activates segwit on regtest from block 1, so no BIP9 mining dance.
BTCD_MODULE = "github.com/btcsuite/btcd"
BTCD_VERSION = "v0.26.2"
BTCD_GO_DIRECTIVE = "1.25.0"


class Build(NamedTuple):
    """How one binary is built: from which module and package, at which version, with which tags."""

    module: str
    package: str
    version: str
    tags: tuple[str, ...] = ()

    def manifest_entry(self) -> dict[str, object]:
        """What the install manifest records, so a build with other tags is not taken for this one."""
        return {"version": self.version, "tags": sorted(self.tags)}


#: binary name -> how it is built
BINARIES = {
    "lnd": Build(LND_MODULE, f"{LND_MODULE}/cmd/lnd", LND_VERSION, LND_BUILD_TAGS),
    "lncli": Build(LND_MODULE, f"{LND_MODULE}/cmd/lncli", LND_VERSION, LND_BUILD_TAGS),
    "btcd": Build(BTCD_MODULE, BTCD_MODULE, BTCD_VERSION),
    "btcctl": Build(BTCD_MODULE, f"{BTCD_MODULE}/cmd/btcctl", BTCD_VERSION),
}
