"""Polymarket's three signatures, verified the way the venue does.

- L1: an EIP-712 `ClobAuth` signature by the wallet creating or deriving its API key;
- L2: urlsafe-base64 HMAC-SHA256 over `timestamp + METHOD + path (no query) + raw body`;
- orders: the V2 EIP-712 `Order` against the standard or neg-risk exchange domain, plus the
  POLY_1271 (deposit wallet) wrapping of an ECDSA signature by the API key's EOA.

Digests are hashed by hand (fixed-width words) rather than through eth_abi: it is exact for
these static types and several times faster, which keeps the venue far from the bottleneck.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_keys import keys
from eth_keys.exceptions import BadSignature
from eth_utils import keccak

STANDARD_EXCHANGE = "0xE111180000d2663C0091e4f400237545B87B996B"
NEG_RISK_EXCHANGE = "0xe2222d279d744050d28e00520010520000310F59"
# Exchange V3 (EIP-712 domain "3"): the venue's version-3 orders; it has no neg-risk twin.
EXCHANGE_V3 = "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"

ORDER_TYPE = (
    "Order(uint256 salt,address maker,address signer,uint256 tokenId,"
    "uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,"
    "uint256 timestamp,bytes32 metadata,bytes32 builder)"
)
_ORDER_TYPEHASH = keccak(text=ORDER_TYPE)
_DOMAIN_TYPEHASH = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_AUTH_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId)")
_CLOB_AUTH_TYPEHASH = keccak(
    text="ClobAuth(address address,string timestamp,uint256 nonce,string message)"
)
_TYPED_DATA_SIGN_TYPEHASH = keccak(
    text="TypedDataSign(Order contents,string name,string version,uint256 chainId,"
    "address verifyingContract,bytes32 salt)" + ORDER_TYPE
)

INVALID_SIGNATURE = "invalid signature"
SIGNER_NOT_KEY_OWNER = "the order signer address has to be the address of the API KEY"
UNAUTHORIZED = "Unauthorized/Invalid api key"
INVALID_L1 = "Invalid L1 Request headers"


class AuthError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _u256(value: int) -> bytes:
    return int(value).to_bytes(32, "big")


def _address(value: str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"bad address {value}")
    return raw.rjust(32, b"\0")


def _bytes32(value: str) -> bytes:
    raw = bytes.fromhex(value.removeprefix("0x"))
    if len(raw) > 32:
        raise ValueError("bytes32 too long")
    return raw.rjust(32, b"\0")


def exchange_domain(chain_id: int, neg_risk: bool, version: str = "2") -> bytes:
    if version == "3":
        contract = EXCHANGE_V3
    else:
        contract = NEG_RISK_EXCHANGE if neg_risk else STANDARD_EXCHANGE
    return keccak(
        _DOMAIN_TYPEHASH
        + keccak(text="Polymarket CTF Exchange")
        + keccak(text=version)
        + _u256(chain_id)
        + _address(contract)
    )


def recover(digest: bytes, signature: bytes) -> str:
    """The lower-case address that produced a 65-byte r‖s‖v signature over `digest`."""
    if len(signature) != 65:
        raise AuthError(INVALID_SIGNATURE)
    v = signature[64]
    v = v - 27 if v >= 27 else v
    try:
        sig = keys.Signature(signature_bytes=signature[:64] + bytes([v]))
        public_key = sig.recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValueError) as exc:
        raise AuthError(INVALID_SIGNATURE) from exc
    return public_key.to_checksum_address().lower()


# -- orders -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SignedOrder:
    """The `order` object of POST /order, parsed."""

    salt: int
    maker: str
    signer: str
    token_id: str
    maker_amount: int
    taker_amount: int
    side: str
    expiration: int
    signature_type: int
    timestamp: int
    metadata: str
    builder: str
    signature: str

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> SignedOrder:
        side = str(raw["side"]).upper()
        if side not in ("BUY", "SELL"):
            raise ValueError("side must be BUY or SELL")
        return cls(
            salt=int(raw["salt"]),
            maker=str(raw["maker"]),
            signer=str(raw["signer"]),
            token_id=str(int(raw["tokenId"])),
            maker_amount=int(raw["makerAmount"]),
            taker_amount=int(raw["takerAmount"]),
            side=side,
            expiration=int(raw.get("expiration") or 0),
            signature_type=int(raw.get("signatureType") or 0),
            timestamp=int(raw["timestamp"]),
            metadata=str(raw.get("metadata") or "0x"),
            builder=str(raw.get("builder") or "0x"),
            signature=str(raw["signature"]),
        )

    def struct_hash(self) -> bytes:
        return keccak(
            _ORDER_TYPEHASH
            + _u256(self.salt)
            + _address(self.maker)
            + _address(self.signer)
            + _u256(int(self.token_id))
            + _u256(self.maker_amount)
            + _u256(self.taker_amount)
            + _u256(0 if self.side == "BUY" else 1)
            + _u256(self.signature_type)
            + _u256(self.timestamp)
            + _bytes32(self.metadata)
            + _bytes32(self.builder)
        )


def order_digest(order: SignedOrder, domain: bytes) -> bytes:
    """The EIP-712 digest, which is also the order's id ("order hash") on the venue."""
    return keccak(b"\x19\x01" + domain + order.struct_hash())


def verify_order(
    order: SignedOrder, *, chain_id: int, neg_risk: bool, key_owner: str, version: int = 2
) -> str:
    """Check the order's signature against the exchange of `version`; return its id (0x-hex
    digest). Raises AuthError."""
    domain = exchange_domain(chain_id, neg_risk, str(version))
    digest = order_digest(order, domain)
    try:
        signature = bytes.fromhex(order.signature.removeprefix("0x"))
    except ValueError as exc:
        raise AuthError(INVALID_SIGNATURE) from exc
    if order.signature_type == 3:
        _verify_poly_1271(order, signature, domain, chain_id, key_owner)
    else:
        _verify_ecdsa(order, signature, digest, key_owner)
    return "0x" + digest.hex()


def _verify_ecdsa(order: SignedOrder, signature: bytes, digest: bytes, key_owner: str) -> None:
    signer = order.signer.lower()
    if recover(digest, signature) != signer:
        raise AuthError(INVALID_SIGNATURE)
    if order.signature_type == 0 and order.maker.lower() != signer:
        raise AuthError(INVALID_SIGNATURE)  # an EOA order spends the signer's own funds
    if signer != key_owner.lower():
        raise AuthError(SIGNER_NOT_KEY_OWNER)


def _verify_poly_1271(
    order: SignedOrder, signature: bytes, domain: bytes, chain_id: int, key_owner: str
) -> None:
    """Deposit wallet (ERC-1271, Solady TypedDataSign): inner ECDSA by the wallet's EOA.

    Layout: inner sig (65) ‖ app domain separator (32) ‖ contents hash (32) ‖ contents type ‖
    uint16 length of the contents type.
    """
    if len(signature) < 65 + 64 + 2 or order.maker.lower() != order.signer.lower():
        raise AuthError(INVALID_SIGNATURE)
    inner, app_domain, contents = signature[:65], signature[65:97], signature[97:129]
    type_len = int.from_bytes(signature[-2:], "big")
    contents_type = signature[129:-2]
    struct_hash = order.struct_hash()
    if (
        app_domain != domain
        or contents != struct_hash
        or len(contents_type) != type_len
        or contents_type != ORDER_TYPE.encode()
    ):
        raise AuthError(INVALID_SIGNATURE)
    wrapped = keccak(
        _TYPED_DATA_SIGN_TYPEHASH
        + struct_hash
        + keccak(text="DepositWallet")
        + keccak(text="1")
        + _u256(chain_id)
        + _address(order.signer)
        + bytes(32)
    )
    if recover(keccak(b"\x19\x01" + domain + wrapped), inner) != key_owner.lower():
        raise AuthError(INVALID_SIGNATURE)


# -- L1 -----------------------------------------------------------------------------------
def clob_auth_digest(address: str, timestamp: str, nonce: int, chain_id: int) -> bytes:
    domain = keccak(
        _AUTH_DOMAIN_TYPEHASH + keccak(text="ClobAuthDomain") + keccak(text="1") + _u256(chain_id)
    )
    struct = keccak(
        _CLOB_AUTH_TYPEHASH
        + _address(address)
        + keccak(text=timestamp)
        + _u256(nonce)
        + keccak(text=CLOB_AUTH_MESSAGE)
    )
    return keccak(b"\x19\x01" + domain + struct)


def verify_l1(headers: Mapping[str, str], chain_id: int) -> tuple[str, int]:
    """The (address, nonce) an L1 request proves control of. Raises AuthError (401)."""
    address = headers.get("POLY_ADDRESS") or ""
    signature = headers.get("POLY_SIGNATURE") or ""
    timestamp = headers.get("POLY_TIMESTAMP") or ""
    try:
        nonce = int(headers.get("POLY_NONCE") or 0)
        digest = clob_auth_digest(address, timestamp, nonce, chain_id)
        recovered = recover(digest, bytes.fromhex(signature.removeprefix("0x")))
    except (ValueError, AuthError) as exc:
        raise AuthError(INVALID_L1) from exc
    if not timestamp or recovered != address.lower():
        raise AuthError(INVALID_L1)
    return address, nonce


# -- API keys and L2 ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ApiKey:
    key: str
    secret: str
    passphrase: str
    address: str

    def as_json(self) -> dict[str, str]:
        return {"apiKey": self.key, "secret": self.secret, "passphrase": self.passphrase}


class ApiKeys:
    """Credentials derived from (address, nonce) and a venue secret, so derive is stable."""

    def __init__(self, venue_secret: str) -> None:
        self._secret = venue_secret.encode()
        self._keys: dict[str, ApiKey] = {}

    def _mac(self, label: str, address: str, nonce: int) -> bytes:
        message = f"{label}:{address.lower()}:{nonce}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def issue(self, address: str, nonce: int) -> ApiKey:
        key = ApiKey(
            key=str(uuid.UUID(bytes=self._mac("key", address, nonce)[:16], version=4)),
            secret=base64.urlsafe_b64encode(self._mac("secret", address, nonce)).decode(),
            passphrase=self._mac("passphrase", address, nonce).hex(),
            address=address.lower(),
        )
        self._keys[key.key] = key
        return key

    def get(self, key: str) -> ApiKey | None:
        return self._keys.get(key)

    def of_address(self, address: str) -> list[ApiKey]:
        return [k for k in self._keys.values() if k.address == address.lower()]


def hmac_signature(secret: str, timestamp: str, method: str, path: str, body: str) -> str:
    message = f"{timestamp}{method}{path}{body}"
    digest = hmac.new(base64.urlsafe_b64decode(secret), message.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def verify_l2(
    keys_: ApiKeys, headers: Mapping[str, str], method: str, path: str, body: str
) -> ApiKey:
    """The API key an L2 request is signed with. Raises AuthError (401)."""
    key = keys_.get(headers.get("POLY_API_KEY") or "")
    signature = headers.get("POLY_SIGNATURE") or ""
    timestamp = headers.get("POLY_TIMESTAMP") or ""
    if (
        key is None
        or not signature
        or not timestamp
        or (headers.get("POLY_PASSPHRASE") or "") != key.passphrase
        or (headers.get("POLY_ADDRESS") or "").lower() != key.address
    ):
        raise AuthError(UNAUTHORIZED)
    expected = hmac_signature(key.secret, timestamp, method, path, body)
    if not hmac.compare_digest(expected, signature):
        raise AuthError(UNAUTHORIZED)
    return key
