"""The sandbox venue's answers, field by field, against Polymarket's documented payloads
(tests/venue/recorded.py): every field the venue sends and the sandbox omits is listed here
with the reason it may be omitted, and the list holds nothing else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.venue import OrderRequest, VenueAdapter
from ltproject.domain import OrderType, Side
from sandbox.testing import SandboxHandle
from tests.venue import recorded as r

D = Decimal

# Fields of a documented payload the sandbox does not send, and why LT need not care.
JUSTIFIED: dict[str, dict[str, str]] = {
    "book": {},
    "clob_market_info": {
        "mbf": "maker base fee: V1 fee field, fees are in `fd` since CLOB V2",
        "tbf": "taker base fee: as `mbf`",
    },
    "order": {},
    "trade": {},
    "maker_leg": {},
    "order_ack": {},
}


def _missing(kind: str, documented: dict[str, Any], ours: dict[str, Any]) -> set[str]:
    """Documented fields the sandbox omits without a reason (and a reason only where the
    sandbox does omit the field)."""
    omitted = set(documented) - set(ours)
    justified = set(JUSTIFIED[kind]) & set(documented)
    assert justified <= omitted, f"{kind}: {justified - omitted} are sent now: drop the reason"
    return omitted - justified


@pytest.fixture
def traded(sandbox_venue: SandboxHandle) -> tuple[VenueAdapter, dict[str, Any], str]:
    """An account that took liquidity (a trade with maker legs) and rests an order."""
    adapter = VenueAdapter(
        host=sandbox_venue.url, chain_id=137, private_key=sandbox_venue.account.private_key
    )
    adapter.connect()
    token = sandbox_venue.market("btc-above-150k-2026").yes.token_id
    take = OrderRequest(
        token_id=token, side=Side.BUY, price=D("0.60"), size=D(50), order_type=OrderType.FAK
    )
    answer = adapter._post_json("/order", adapter._payload(adapter.sign_order(take)))
    rest = OrderRequest(token_id=token, side=Side.BUY, price=D("0.05"), size=D(10))
    adapter.post_order(adapter.sign_order(rest))
    return adapter, answer, token


def test_the_book_has_every_documented_field(sandbox_venue: SandboxHandle) -> None:
    token = sandbox_venue.market("btc-above-150k-2026").yes.token_id
    adapter = VenueAdapter(host=sandbox_venue.url, chain_id=137)
    ours = adapter._client.get_order_book(token)
    ours = ours if isinstance(ours, dict) else ours.__dict__
    assert _missing("book", r.GET_BOOK_RESPONSE, ours) == set()


def test_clob_market_info_has_every_documented_field(sandbox_venue: SandboxHandle) -> None:
    condition = sandbox_venue.market("btc-above-150k-2026").condition_id
    adapter = VenueAdapter(host=sandbox_venue.url, chain_id=137)
    ours = adapter._client.get_clob_market_info(condition)
    documented: dict[str, Any] = r.GET_CLOB_MARKET_INFO_FROM_SCHEMA_EXAMPLES
    assert _missing("clob_market_info", documented, ours) == set()
    assert set(documented["fd"]) <= set(ours["fd"])  # r, e and `to`


def test_orders_trades_and_answers_have_every_documented_field(
    traded: tuple[VenueAdapter, dict[str, Any], str],
) -> None:
    adapter, answer, _ = traded
    assert _missing("order_ack", r.POST_ORDER_RESPONSE_MATCHED, answer) == set()
    (order,) = adapter._client.get_open_orders()
    assert _missing("order", r.GET_ORDER_RESPONSE, order) == set()
    trades = adapter._client.get_trades_paginated(None)["trades"]
    trade = next(t for t in trades if t["maker_orders"])
    listed: list[dict[str, Any]] = r.GET_TRADES_RESPONSE["data"]  # type: ignore[assignment]
    for documented in (*listed, r.WS_USER_TRADE_ASYNCAPI):
        channel_only = {"event_type", "type", "timestamp", "trade_owner", "matchtime"}
        assert _missing("trade", documented, trade) - channel_only == set()
    for leg in trade["maker_orders"]:
        for documented in (
            r.WS_USER_TRADE_ASYNCAPI,
            r.WS_USER_TRADE_WIRE,
            r.WS_USER_TRADE_DOCS_PAGE,
        ):
            documented_leg: dict[str, Any] = documented["maker_orders"][0]  # type: ignore[index]
            assert _missing("maker_leg", documented_leg, leg) == set()
