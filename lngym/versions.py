"""The pinned versions of the Go programs lngym runs: the one place to change them.

``lngym install`` builds exactly these from their Go modules. lnd's go.mod has
``replace`` directives that only apply inside lnd's own module, so the wrapper
module that builds it must repeat them (``LND_REPLACES``); check them against
the go.mod of a new lnd version when bumping it.
"""

LND_MODULE = "github.com/lightningnetwork/lnd"
LND_VERSION = "v0.21.2-beta"
LND_GO_DIRECTIVE = "1.25.10"
LND_REPLACES = {
    "github.com/ulikunitz/xz": "github.com/ulikunitz/xz v0.5.11",
    "github.com/gogo/protobuf": "github.com/gogo/protobuf v1.3.2",
    "google.golang.org/protobuf": "github.com/lightninglabs/protobuf-go-hex-display v1.33.0-hex-display",
}

# btcd v0.26 activates segwit on regtest from block 1, so no BIP9 mining dance.
BTCD_MODULE = "github.com/btcsuite/btcd"
BTCD_VERSION = "v0.26.2"
BTCD_GO_DIRECTIVE = "1.25.0"

#: binary name -> (module, package path to build, version)
BINARIES = {
    "lnd": (LND_MODULE, f"{LND_MODULE}/cmd/lnd", LND_VERSION),
    "lncli": (LND_MODULE, f"{LND_MODULE}/cmd/lncli", LND_VERSION),
    "btcd": (BTCD_MODULE, BTCD_MODULE, BTCD_VERSION),
    "btcctl": (BTCD_MODULE, f"{BTCD_MODULE}/cmd/btcctl", BTCD_VERSION),
}
