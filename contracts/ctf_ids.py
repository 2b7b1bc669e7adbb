"""ConditionalTokens ids computed off-chain (a port of gnosis CTHelpers).

conditionId  = keccak256(oracle ‖ questionId ‖ outcomeSlotCount)
collectionId = the (conditionId, indexSet) hash mapped onto alt_bn128, x with y's parity in bit 254
positionId   = uint(keccak256(collateralToken ‖ collectionId))   (= the CLOB token id)

Nested collections (a non-zero parent) need an elliptic-curve addition; Polymarket never uses
them, so this port refuses them.
"""

from __future__ import annotations

from eth_utils import keccak, to_bytes

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
B = 3


def condition_id(oracle: str, question_id: bytes, outcome_slot_count: int) -> bytes:
    return keccak(to_bytes(hexstr=oracle) + question_id + outcome_slot_count.to_bytes(32, "big"))


def collection_id(condition: bytes, index_set: int, parent: bytes = b"\x00" * 32) -> bytes:
    if parent != b"\x00" * 32:
        raise NotImplementedError("nested collections are not used by Polymarket")
    x = int.from_bytes(keccak(condition + index_set.to_bytes(32, "big")), "big")
    odd = x >> 255 != 0
    while True:
        x = (x + 1) % P
        yy = (x * x % P * x + B) % P
        y = pow(yy, (P + 1) // 4, P)
        if y * y % P == yy:
            break
    if (odd and y % 2 == 0) or (not odd and y % 2 == 1):
        y = P - y
    if y % 2 == 1:
        x ^= 1 << 254
    return x.to_bytes(32, "big")


def position_id(collateral: str, condition: bytes | str, index_set: int) -> int:
    if isinstance(condition, str):
        condition = to_bytes(hexstr=condition)
    collection = collection_id(condition, index_set)
    return int.from_bytes(keccak(to_bytes(hexstr=collateral) + collection), "big")
