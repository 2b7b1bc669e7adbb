"""An order's EIP-712 signature, made on the digest `hashing.order_digest` packs.

The client library signs through eth_account's generic typed-data encoder, which costs more
than the rest of the send path together. The digest is the same bytes either way, and
libsecp256k1 (coincurve) signs deterministically (RFC 6979, low s), so the signature is the
one eth_account would make.
"""

from __future__ import annotations

from coincurve import PrivateKey

# Ethereum signatures carry the recovery id as v = 27 + recid.
_V_OFFSET = 27


class DigestSigner:
    """Signs 32-byte digests with one key, as r ‖ s ‖ v in 0x-hex."""

    def __init__(self, private_key: str) -> None:
        self._key = PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))

    def sign(self, digest: bytes) -> str:
        signature = self._key.sign_recoverable(digest, hasher=None)
        return "0x" + signature[:64].hex() + f"{signature[64] + _V_OFFSET:02x}"
