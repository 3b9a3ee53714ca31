"""Regtest blocks whose coinbase pays a chosen script, submitted to btcd.

btcd can only ``generate`` to the ``--miningaddr`` it was started with and has
no ``generatetoaddress``, while lnd needs btcd running before its wallet (and so
its first address) exists. Rather than restarting btcd once the address is
known (and waiting for every lnd to reconnect), lngym mines the funding
blocks itself: a coinbase-only block needs no witness commitment, and regtest's
proof of work succeeds on about every second nonce. btcd itself mines the later
blocks (to a burn address), which carry the funding transactions.
"""

from __future__ import annotations

import hashlib
import struct
import time

from lngym.errors import NodeError
from lngym.network.native.btcd import Btcd

#: Regtest halves the 50 BTC subsidy every 150 blocks.
SUBSIDY_SAT = 50 * 100_000_000
HALVING_INTERVAL = 150
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_REGTEST_P2PKH_VERSION = 0x6F


def sha256d(data: bytes) -> bytes:
    """Bitcoin's double SHA-256."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def burn_address() -> str:
    """A valid regtest P2PKH address nobody holds a key for (hash160 of zeros)."""
    payload = bytes([_REGTEST_P2PKH_VERSION]) + bytes(20)
    raw = payload + sha256d(payload)[:4]
    number = int.from_bytes(raw, "big")
    encoded = ""
    while number:
        number, digit = divmod(number, 58)
        encoded = _BASE58[digit] + encoded
    leading_zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def witness_script(btcd: Btcd, address: str) -> bytes:
    """The output script of a segwit ``address``, decoded by btcd (no bech32 code here)."""
    info = btcd.rpc("validateaddress", address)
    if not info.get("isvalid") or not info.get("iswitness"):
        raise NodeError(f"btcd: {address} is not a segwit address btcd accepts", "btcd")
    version, program = info.get("witness_version", 0), bytes.fromhex(info["witness_program"])
    return bytes([0x50 + version if version else 0]) + _push(program)


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    return b"\xfd" + struct.pack("<H", n)


def _push(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _script_number(n: int) -> bytes:
    """BIP 34's minimal push of a positive block height (OP_1..OP_16 for small ones)."""
    if 1 <= n <= 16:
        return bytes([0x50 + n])
    return _push(n.to_bytes((n.bit_length() + 8) // 8, "little"))


def coinbase_tx(height: int, script: bytes) -> bytes:
    """A coinbase transaction (legacy serialisation) paying the block subsidy to ``script``."""
    script_sig = _script_number(height) + _push(b"lngym")
    value = SUBSIDY_SAT >> (height // HALVING_INTERVAL)
    return b"".join([
        struct.pack("<i", 1),
        _varint(1), bytes(32), b"\xff\xff\xff\xff", _varint(len(script_sig)), script_sig, b"\xff\xff\xff\xff",
        _varint(1), struct.pack("<q", value), _varint(len(script)), script,
        struct.pack("<I", 0),
    ])


def mine_to(btcd: Btcd, address: str, blocks: int) -> None:
    """Append ``blocks`` coinbase-only blocks paying ``address`` to btcd's chain."""
    script = witness_script(btcd, address)
    tip_hash = btcd.rpc("getbestblockhash")
    tip = btcd.rpc("getblockheader", tip_hash, True)
    height, bits, block_time = tip["height"], int(tip["bits"], 16), max(int(time.time()), tip["time"] + 1)
    target = (bits & 0xFFFFFF) << (8 * ((bits >> 24) - 3))
    for _ in range(blocks):
        height += 1
        block_time += 1
        tx = coinbase_tx(height, script)
        prefix = struct.pack("<i", 0x20000000) + bytes.fromhex(tip_hash)[::-1] + sha256d(tx)
        prefix += struct.pack("<II", block_time, bits)
        nonce = 0
        while int.from_bytes(sha256d(prefix + struct.pack("<I", nonce)), "little") > target:
            nonce += 1
        header = prefix + struct.pack("<I", nonce)
        rejected = btcd.rpc("submitblock", (header + _varint(1) + tx).hex())
        if rejected:
            raise NodeError(f"btcd: submitblock rejected block {height}: {rejected}", "btcd")
        tip_hash = sha256d(header)[::-1].hex()
