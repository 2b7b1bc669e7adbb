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

from execution.venue import OrderRejected, RejectReason
from execution.venue.adapter import VenueAdapter
from execution.venue.types import OrderRequest, SignedOrder
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


@pytest.mark.parametrize(("signature_type", "funder"), [(0, ""), (2, SAFE)])
@pytest.mark.parametrize(
    ("side", "tick", "price", "size"),
    [(Side.BUY, "0.01", "0.37", "20"), (Side.SELL, "0.001", "0.961", "7.5")],
)
def test_exchange_v3_order_equals_the_clients(
    monkeypatch: pytest.MonkeyPatch,
    signature_type: int,
    funder: str,
    side: Side,
    tick: str,
    price: str,
    size: str,
) -> None:
    """A protocol-V2 market's order (Exchange V3, EIP-712 domain "3") is the client's own
    `version=3` order, byte for byte, and hashes as its V3 builder does; never the V2 one."""
    monkeypatch.setattr(random, "random", lambda: 0.123456789)
    monkeypatch.setattr(time, "time_ns", lambda: NOW_NS)
    adapter = VenueAdapter(
        host="http://127.0.0.1:9",
        chain_id=137,
        private_key=TEST_PRIVATE_KEY,
        signature_type=signature_type,
        funder=funder,
    )
    token = str(2**254 + 777)
    request = OrderRequest(token_id=token, side=side, price=D(price), size=D(size))
    signed = adapter.sign_order(request, tick_size=D(tick), neg_risk=False, exchange_version=3)

    client = adapter._client
    monkeypatch.setattr(client, "get_tick_size", lambda _token: tick)
    theirs = client.create_order(
        OrderArgsV2(token_id=token, price=float(price), size=float(size), side=str(side)),
        PartialCreateOrderOptions(tick_size=tick, neg_risk=False, version=3),
    )
    assert signed.order == order_to_json_v2(theirs, "", "GTC")["order"]
    assert signed.exchange_version == 3
    config = get_contract_config(137)
    v3 = ExchangeOrderBuilderV2(config.exchange_v3, 137, client.signer, domain_version="3")
    assert signed.order_hash == v3.build_order_hash(v3.build_order_typed_data(theirs))
    v2 = ExchangeOrderBuilderV2(config.exchange_v2, 137, client.signer)
    assert signed.order_hash != v2.build_order_hash(v2.build_order_typed_data(theirs))
    assert SignedOrder.from_json(signed.to_json()) == signed


def test_a_version_lt_does_not_sign_for_is_refused_before_any_signature() -> None:
    adapter = VenueAdapter(host="http://127.0.0.1:9", chain_id=137, private_key=TEST_PRIVATE_KEY)
    request = OrderRequest(token_id="1", side=Side.BUY, price=D("0.5"), size=D(10))
    with pytest.raises(OrderRejected) as refused:
        adapter.sign_order(request, tick_size=D("0.01"), neg_risk=False, exchange_version=4)
    assert refused.value.reason == RejectReason.VERSION_MISMATCH
