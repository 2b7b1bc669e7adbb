"""Signed smart-wallet calls: the bodies of the relayer's `POST /submit`.

A Safe (signature type 2), a proxy wallet (type 1) or a deposit wallet (type 3) cannot send
its own transactions: its owner signs a wallet call and Polymarket's relayer executes it.
These functions build the bodies exactly as Polymarket's builder-relayer-client does
(reference/polymarket.md §5). Pure: no I/O, the caller supplies nonces and addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_utils import (
    function_signature_to_4byte_selector,
    keccak,
    to_bytes,
    to_canonical_address,
    to_checksum_address,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
CALL = 1  # ProxyWalletFactory's typeCode for a plain CALL (2 would be DELEGATECALL)
# The Safe marks an eth_sign signature by v + 4 (31/32), then strips the message prefix.
SAFE_ETH_SIGN_V_OFFSET = 4

SAFE_TX_TYPES = {
    "EIP712Domain": [
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "SafeTx": [
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"},
        {"name": "safeTxGas", "type": "uint256"},
        {"name": "baseGas", "type": "uint256"},
        {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"},
        {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}
BATCH_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Batch": [
        {"name": "wallet", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
        {"name": "calls", "type": "Call[]"},
    ],
    "Call": [
        {"name": "target", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
    ],
}
PROXY_SELECTOR = function_signature_to_4byte_selector("proxy((uint8,address,uint256,bytes)[])")


# --- Safe (type 2) -------------------------------------------------------------------------


def safe_tx_hash(*, chain_id: int, safe: str, to: str, data: str, nonce: int) -> bytes:
    """SafeWallet.getTransactionHash of a plain call (no value, no gas refund)."""
    message = {
        "to": to_checksum_address(to),
        "value": 0,
        "data": to_bytes(hexstr=data),
        "operation": 0,
        "safeTxGas": 0,
        "baseGas": 0,
        "gasPrice": 0,
        "gasToken": ZERO_ADDRESS,
        "refundReceiver": ZERO_ADDRESS,
        "nonce": nonce,
    }
    domain = {"chainId": chain_id, "verifyingContract": to_checksum_address(safe)}
    return typed_digest(_typed_message(SAFE_TX_TYPES, "SafeTx", domain, message))


def safe_request(
    *, private_key: str, chain_id: int, safe: str, to: str, data: str, nonce: int
) -> dict[str, Any]:
    """`/submit` body for one call from a Safe, signed eth_sign-style as the client does."""
    digest = safe_tx_hash(chain_id=chain_id, safe=safe, to=to, data=data, nonce=nonce)
    signed = Account.sign_message(encode_defunct(primitive=digest), private_key)
    return {
        "from": _signer(private_key),
        "to": to_checksum_address(to),
        "proxyWallet": to_checksum_address(safe),
        "data": _hex(data),
        "nonce": str(nonce),
        "signature": _pack(signed.r, signed.s, signed.v + SAFE_ETH_SIGN_V_OFFSET),
        "signatureParams": {
            "gasPrice": "0",
            "operation": "0",
            "safeTxnGas": "0",
            "baseGas": "0",
            "gasToken": ZERO_ADDRESS,
            "refundReceiver": ZERO_ADDRESS,
        },
        "type": "SAFE",
        "metadata": "",
    }


# --- proxy wallet (type 1) -----------------------------------------------------------------


def proxy_calldata(calls: Sequence[tuple[str, str]]) -> str:
    """ProxyWalletFactory.proxy(calls) with every call a plain CALL of value 0."""
    encoded = [(CALL, to_checksum_address(to), 0, to_bytes(hexstr=data)) for to, data in calls]
    return _hex(PROXY_SELECTOR + encode(["(uint8,address,uint256,bytes)[]"], [encoded]))


def proxy_struct_hash(
    *,
    sender: str,
    to: str,
    data: str,
    transaction_fee: int,
    gas_price: int,
    gas_limit: int,
    nonce: int,
    relay_hub: str,
    relay: str,
) -> bytes:
    """The relay hub's "rlx:" request hash (addresses 20 bytes, integers 32 bytes, packed)."""
    packed = b"".join(
        [
            b"rlx:",
            to_canonical_address(sender),
            to_canonical_address(to),
            to_bytes(hexstr=data),
            *(n.to_bytes(32, "big") for n in (transaction_fee, gas_price, gas_limit, nonce)),
            to_canonical_address(relay_hub),
            to_canonical_address(relay),
        ]
    )
    return keccak(packed)


def proxy_request(
    *,
    private_key: str,
    proxy_factory: str,
    relay_hub: str,
    relay: str,
    proxy_wallet: str,
    calls: list[tuple[str, str]],
    nonce: int,
    gas_limit: int,
) -> dict[str, Any]:
    """`/submit` body for a batch of calls from a proxy wallet, relayed through `relay`."""
    sender = _signer(private_key)
    data = proxy_calldata(calls)
    digest = proxy_struct_hash(
        sender=sender,
        to=proxy_factory,
        data=data,
        transaction_fee=0,
        gas_price=0,
        gas_limit=gas_limit,
        nonce=nonce,
        relay_hub=relay_hub,
        relay=relay,
    )
    signed = Account.sign_message(encode_defunct(primitive=digest), private_key)
    return {
        "from": sender,
        "to": to_checksum_address(proxy_factory),
        "proxyWallet": to_checksum_address(proxy_wallet),
        "data": data,
        "nonce": str(nonce),
        "signature": _pack(signed.r, signed.s, signed.v),
        "signatureParams": {
            "gasPrice": "0",
            "gasLimit": str(gas_limit),
            "relayerFee": "0",
            "relayHub": to_checksum_address(relay_hub),
            "relay": to_checksum_address(relay),
        },
        "type": "PROXY",
        "metadata": "",
    }


# --- deposit wallet (type 3) ---------------------------------------------------------------


def batch_message(
    *, chain_id: int, wallet: str, nonce: int, deadline: int, calls: Sequence[tuple[str, str]]
) -> SignableMessage:
    """The EIP-712 deposit-wallet Batch; its digest is DepositWallet.batchDigest."""
    domain = {
        "name": "DepositWallet",
        "version": "1",
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(wallet),
    }
    message = {
        "wallet": to_checksum_address(wallet),
        "nonce": nonce,
        "deadline": deadline,
        "calls": [
            {"target": to_checksum_address(target), "value": 0, "data": to_bytes(hexstr=data)}
            for target, data in calls
        ],
    }
    return _typed_message(BATCH_TYPES, "Batch", domain, message)


def deposit_wallet_request(
    *,
    private_key: str,
    chain_id: int,
    wallet: str,
    factory: str,
    nonce: int,
    deadline: int,
    calls: list[tuple[str, str]],
) -> dict[str, Any]:
    """`/submit` body (type WALLET) for a batch of calls from a deposit wallet."""
    message = batch_message(
        chain_id=chain_id, wallet=wallet, nonce=nonce, deadline=deadline, calls=calls
    )
    signed = Account.sign_message(message, private_key)
    return {
        "type": "WALLET",
        "from": _signer(private_key),
        "to": to_checksum_address(factory),
        "nonce": str(nonce),
        "signature": _pack(signed.r, signed.s, signed.v),
        "depositWalletParams": {
            "depositWallet": to_checksum_address(wallet),
            "deadline": str(deadline),
            "calls": [
                {"target": to_checksum_address(target), "value": "0", "data": _hex(data)}
                for target, data in calls
            ],
        },
    }


# --- helpers -------------------------------------------------------------------------------


def typed_digest(message: SignableMessage) -> bytes:
    """The 32 bytes an EIP-712 signature signs: keccak(0x19 0x01 ‖ domainSeparator ‖ hashStruct)."""
    return keccak(b"\x19" + message.version + message.header + message.body)


def _typed_message(
    types: dict[str, list[dict[str, str]]],
    primary: str,
    domain: dict[str, Any],
    message: dict[str, Any],
) -> SignableMessage:
    return encode_typed_data(
        full_message={"types": types, "primaryType": primary, "domain": domain, "message": message}
    )


def _signer(private_key: str) -> str:
    return str(Account.from_key(private_key).address)


def _pack(r: int, s: int, v: int) -> str:
    return "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])).hex()


def _hex(data: str | bytes) -> str:
    return "0x" + (data.hex() if isinstance(data, bytes) else data.removeprefix("0x").lower())
