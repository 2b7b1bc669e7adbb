"""What a relayed wallet call did on-chain, read from its transaction and its receipt's events.

A receipt's status does not say it. GSN v1's RelayHub, which carries every proxy-wallet call
(signature type 1), never reverts for the call it relays: a request it refuses (wrong
signature, a nonce already used) ends with `CanRelayFailed(reason)` and the nonce untouched; a
call it runs uses the nonce up and ends with `TransactionRelayed(status)`, status 0 only when
the call succeeded. Either way the receipt says success. A Safe marks the call it executed
with `ExecutionSuccess(safeTxHash)`. So a relayed call counts as done only when those events
say that this very signed call succeeded.

Event and enum values are GSN v1's IRelayHub and Safe 1.3's, as deployed on Polygon. Pure: the
caller reads the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from hexbytes import HexBytes

TRANSACTION_RELAYED = keccak(
    text="TransactionRelayed(address,address,address,bytes4,uint8,uint256)"
)
CAN_RELAY_FAILED = keccak(text="CanRelayFailed(address,address,address,bytes4,uint256)")
EXECUTION_SUCCESS = keccak(text="ExecutionSuccess(bytes32,uint256)")
EXECUTION_FAILURE = keccak(text="ExecutionFailure(bytes32,uint256)")
RELAY_CALL = function_signature_to_4byte_selector(
    "relayCall(address,address,bytes,uint256,uint256,uint256,uint256,bytes,bytes)"
)
RELAY_CALL_ARGS = [
    "address",
    "address",
    "bytes",
    "uint256",
    "uint256",
    "uint256",
    "uint256",
    "bytes",
    "bytes",
]
# IRelayHub.RelayCallStatus (TransactionRelayed) and PreconditionCheck (CanRelayFailed); a
# CanRelayFailed reason above 10 is the recipient's own refusal code.
RELAY_CALL_STATUS = {
    1: "RelayedCallFailed",
    2: "PreRelayedFailed",
    3: "PostRelayedFailed",
    4: "RecipientBalanceChanged",
}
PRECONDITION = {
    1: "WrongSignature",
    2: "WrongNonce",
    3: "AcceptRelayedCallReverted",
    4: "InvalidRecipientStatusCode",
}

Log = dict[str, Any]


def proxy_call_failure(
    *, sent: tuple[str, str] | None, logs: Sequence[Log], hub: str, request: dict[str, Any]
) -> str | None:
    """None when the relay hub ran this signed proxy call and it succeeded; else why not.

    `sent` is the mined transaction's (to, input): it must be the hub's relayCall carrying
    this request's signature, so the hub's event in the receipt is about this call and not
    about another one of the same owner.
    """
    mismatch = _not_this_request(sent, hub=hub, request=request)
    if mismatch:
        return mismatch
    events = [
        log
        for log in logs
        if _same_address(log["address"], hub)
        and len(log["topics"]) == 4
        and HexBytes(log["topics"][0]) in (TRANSACTION_RELAYED, CAN_RELAY_FAILED)
        and _topic_address(log["topics"][2]) == to_checksum_address(request["from"])
    ]
    if len(events) != 1:
        return f"the relay hub reported {len(events)} outcomes for this call, not one"
    (event,) = events
    words = HexBytes(event["data"])
    code = int.from_bytes(words[32:64], "big")
    if HexBytes(event["topics"][0]) == CAN_RELAY_FAILED:
        name = PRECONDITION.get(code, f"the wallet factory's code {code}")
        return f"the relay hub refused the call ({name}); its nonce was not used"
    if code != 0:
        name = RELAY_CALL_STATUS.get(code, f"status {code}")
        return f"the relay hub ran the call and it failed ({name}); its nonce is used up"
    return None


def safe_call_failure(*, logs: Sequence[Log], safe: str, safe_tx_hash: bytes) -> str | None:
    """None when the Safe executed this signed transaction; else why not."""
    for log in logs:
        if not _same_address(log["address"], safe) or not log["topics"]:
            continue
        topic = HexBytes(log["topics"][0])
        if topic not in (EXECUTION_SUCCESS, EXECUTION_FAILURE):
            continue
        # Safe 1.3 logs the hash as data; later versions index it.
        logged = (
            HexBytes(log["topics"][1]) if len(log["topics"]) > 1 else HexBytes(log["data"])[:32]
        )
        if bytes(logged) != safe_tx_hash:
            continue
        return None if topic == EXECUTION_SUCCESS else "the Safe ran the call and it failed"
    return "the relayer's transaction did not execute this Safe transaction"


def _not_this_request(
    sent: tuple[str, str] | None, *, hub: str, request: dict[str, Any]
) -> str | None:
    if sent is None:
        return "the node does not know the relayer's transaction"
    to, data = sent
    raw = HexBytes(data)
    if not to or not _same_address(to, hub) or raw[:4] != RELAY_CALL:
        return f"the relayer's transaction is not a relayCall to the relay hub {hub}"
    sender, _to, _data, _fee, _price, _limit, nonce, signature, _approval = decode(
        RELAY_CALL_ARGS, raw[4:]
    )
    ours = (
        _same_address(sender, request["from"])
        and nonce == int(request["nonce"])
        and bytes(signature) == bytes(HexBytes(request["signature"]))
    )
    return None if ours else "the relayer's transaction carries another signed call"


def _same_address(a: str, b: str) -> bool:
    return bool(to_checksum_address(a) == to_checksum_address(b))


def _topic_address(topic: Any) -> str:
    return str(to_checksum_address(HexBytes(topic)[12:]))
