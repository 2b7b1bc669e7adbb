"""Orders signed by the adapter are, byte for byte, the ones the client library would build."""

from __future__ import annotations

import random
import time
from decimal import Decimal

import pytest
from py_clob_client_v2.clob_types import OrderArgsV2, PartialCreateOrderOptions
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_utils.exchange_order_builder_v2 import ExchangeOrderBuilderV2
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

from execution.venue.adapter import VenueAdapter
from execution.venue.types import OrderRequest
from ltproject.domain import OrderType, Side
from sandbox.testing import TEST_PRIVATE_KEY

D = Decimal
SAFE = "0x" + "5a" * 20
NOW_NS = 1_790_000_000_123_456_789


@pytest.mark.parametrize("neg_risk", [False, True])
@pytest.mark.parametrize(("signature_type", "funder"), [(0, ""), (1, "0x" + "6b" * 20), (2, SAFE)])
@pytest.mark.parametrize(
    ("side", "tick", "price", "size"),
    [
        (Side.BUY, "0.01", "0.05", "20"),
        (Side.SELL, "0.001", "0.123", "7.77"),
        (Side.BUY, "0.0025", "0.5025", "13.13"),
        (Side.SELL, "0.1", "0.9", "5"),
        (Side.BUY, "0.0001", "0.0001", "123.45"),
        (Side.SELL, "0.005", "0.995", "3.33"),
    ],
)
def test_signed_order_equals_the_clients(
    monkeypatch: pytest.MonkeyPatch,
    neg_risk: bool,
    signature_type: int,
    funder: str,
    side: Side,
    tick: str,
    price: str,
    size: str,
) -> None:
    # Both builders draw the salt from random.random() and the timestamp from the clock.
    monkeypatch.setattr(random, "random", lambda: 0.123456789)
    monkeypatch.setattr(time, "time_ns", lambda: NOW_NS)
    adapter = VenueAdapter(
        host="http://127.0.0.1:9",  # nothing listens: no request may be needed
        chain_id=137,
        private_key=TEST_PRIVATE_KEY,
        signature_type=signature_type,
        funder=funder,
    )
    token = str(2**255 + 12345)
    request = OrderRequest(
        token_id=token,
        side=side,
        price=D(price),
        size=D(size),
        order_type=OrderType.GTC,
        expiration=0,
        post_only=False,
    )
    # The market's tick as the database stores it (six places).
    stored_tick = D(tick).quantize(D("0.000001"))
    signed = adapter.sign_order(request, tick_size=stored_tick, neg_risk=neg_risk)

    client = adapter._client
    monkeypatch.setattr(client, "get_tick_size", lambda _token: tick)
    monkeypatch.setattr(client, "get_version", lambda: 2)
    theirs = client.create_order(
        OrderArgsV2(token_id=token, price=float(price), size=float(size), side=str(side)),
        PartialCreateOrderOptions(tick_size=tick, neg_risk=neg_risk),
    )
    assert signed.order == order_to_json_v2(theirs, "", "GTC")["order"]
    config = get_contract_config(137)
    exchange = config.neg_risk_exchange_v2 if neg_risk else config.exchange_v2
    builder = ExchangeOrderBuilderV2(exchange, 137, client.signer)
    assert signed.order_hash == builder.build_order_hash(builder.build_order_typed_data(theirs))
