"""Paging of /data/trades: 1,000 trades come back through next_cursor until "LTE="."""

from __future__ import annotations

from py_clob_client_v2.clob_types import TradeParams

from sandbox.engine import Order, OrderType, Side
from sandbox.units import UNIT


def test_a_thousand_trades_come_back_through_paging(sandbox_venue, clob, btc):
    venue = sandbox_venue.venue
    me = sandbox_venue.account.address
    seller = sandbox_venue.other_account.address
    token = btc.yes.token_id
    venue.fund(seller, token_id=token, shares=20_000 * UNIT)
    venue.submit(
        Order(
            id="0x" + "5e" * 32,
            owner="seller",
            maker=seller,
            token_id=token,
            side=Side.SELL,
            price=100,
            size=10_000 * UNIT,
        )
    )  # sweeps the crowd bids, then rests at 0.01: every BUY below fills against it
    for n in range(1_000):
        venue.submit(
            Order(
                id=f"0x{n:064x}",
                owner=clob.creds.api_key,
                maker=me,
                token_id=token,
                side=Side.BUY,
                price=100,
                size=5 * UNIT,
                order_type=OrderType.FAK,
            )
        )

    first = clob.get_trades_paginated()
    trades = clob.get_trades()

    assert first["count"] == 500 and first["next_cursor"] not in ("LTE=", None)
    assert len(trades) == 1_000
    assert len({t["id"] for t in trades}) == 1_000
    assert all(t["trader_side"] == "TAKER" for t in trades)
    assert clob.get_trades(TradeParams(id=trades[-1]["id"]))[0]["id"] == trades[-1]["id"]
    assert len(clob.get_trades(TradeParams(maker_address=me))) == 1_000
