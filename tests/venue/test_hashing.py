"""The hand-packed order hash equals the client library's EIP-712 hash, on both exchanges."""

from __future__ import annotations

import pytest
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_utils.exchange_order_builder_v2 import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import OrderDataV2, order_to_json_v2
from py_clob_client_v2.order_utils.model.side import Side
from py_clob_client_v2.order_utils.model.signature_type_v2 import SignatureTypeV2
from py_clob_client_v2.signer import Signer

from execution.venue.hashing import order_hash
from sandbox.testing import TEST_ADDRESS, TEST_PRIVATE_KEY

CONFIG = get_contract_config(137)
SAFE = "0x" + "5a" * 20


@pytest.mark.parametrize("exchange", [CONFIG.exchange_v2, CONFIG.neg_risk_exchange_v2])
@pytest.mark.parametrize(
    ("side", "signature_type", "maker"),
    [
        (Side.BUY, SignatureTypeV2.EOA, TEST_ADDRESS),
        (Side.SELL, SignatureTypeV2.POLY_GNOSIS_SAFE, SAFE),
    ],
)
def test_order_hash_matches_the_client(
    exchange: str, side: Side, signature_type: SignatureTypeV2, maker: str
) -> None:
    builder = ExchangeOrderBuilderV2(exchange, 137, Signer(TEST_PRIVATE_KEY, 137))
    signed = builder.build_signed_order(
        OrderDataV2(
            maker=maker,
            signer=TEST_ADDRESS,
            tokenId=str(2**255 + 12345),
            makerAmount="5500000",
            takerAmount="10000000",
            side=side,
            signatureType=signature_type,
            metadata="0x" + "01" * 32,
        )
    )
    expected = builder.build_order_hash(builder.build_order_typed_data(signed))
    wire = order_to_json_v2(signed, "", "GTC")["order"]
    assert order_hash(wire, chain_id=137, exchange=exchange) == expected
