"""The matching engine in-process: priority, order types, funds, settlement."""

from __future__ import annotations

import pytest

from sandbox.engine import (
    BALANCE_ERROR,
    FAK_ERROR,
    FOK_ERROR,
    POST_ONLY_ERROR,
    Exchange,
    OrderRejected,
    OrderStatus,
    TradeStatus,
)
from sandbox.units import UNIT
from tests.sandbox.helpers import engine_order

TOKEN = "111"


@pytest.fixture
def exchange() -> Exchange:
    ex = Exchange()
    for who in ("alice", "bob", "carol", "taker"):
        ex.credit(who, pusd=1_000 * UNIT, token_id=TOKEN, shares=1_000 * UNIT)
    return ex


def test_fills_best_price_first_then_oldest_order(exchange):
    first = engine_order("alice", TOKEN, "SELL", "0.50", 10)
    second = engine_order("bob", TOKEN, "SELL", "0.50", 10)
    better = engine_order("carol", TOKEN, "SELL", "0.49", 5)
    for order in (first, second, better):
        exchange.place(order, now=0)

    (trade,) = exchange.place(engine_order("taker", TOKEN, "BUY", "0.50", 12), now=1)

    assert [(leg.maker.owner, leg.price, leg.size) for leg in trade.legs] == [
        ("carol", 4900, 5 * UNIT),
        ("alice", 5000, 7 * UNIT),
    ]
    assert first.status is OrderStatus.LIVE and first.size_matched == 7 * UNIT
    assert second.size_matched == 0


def test_taker_trades_at_the_makers_price_and_pays_exactly(exchange):
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.40", 10), now=0)
    before = exchange.account("taker").pusd

    exchange.place(engine_order("taker", TOKEN, "BUY", "0.55", 10), now=0)

    assert before - exchange.account("taker").pusd == 4 * UNIT
    assert exchange.account("taker").shares[TOKEN] == 1_010 * UNIT


def test_unfillable_fok_is_killed_and_nothing_rests(exchange):
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.50", 10), now=0)
    fok = engine_order("taker", TOKEN, "BUY", "0.50", 11, "FOK")

    with pytest.raises(OrderRejected) as caught:
        exchange.place(fok, now=0)

    assert caught.value.message == FOK_ERROR and caught.value.killed
    assert fok.status is OrderStatus.UNMATCHED and fok.size_matched == 0
    assert exchange.book(TOKEN).best_bid() is None
    assert exchange.book(TOKEN).asks.depth() == [(5000, 10 * UNIT)]
    assert exchange.account("taker").reserved_pusd == 0


def test_fak_fills_what_it_can_and_kills_the_rest(exchange):
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.50", 10), now=0)
    fak = engine_order("taker", TOKEN, "BUY", "0.50", 25, "FAK")

    trades = exchange.place(fak, now=0)

    assert sum(t.size for t in trades) == 10 * UNIT
    assert fak.status is OrderStatus.MATCHED
    assert exchange.book(TOKEN).best_bid() is None


def test_fak_without_any_match_is_rejected(exchange):
    with pytest.raises(OrderRejected, match="FAK orders"):
        exchange.place(engine_order("taker", TOKEN, "BUY", "0.50", 5, "FAK"), now=0)
    assert FAK_ERROR.startswith("no orders found")


def test_post_only_order_that_crosses_is_rejected(exchange):
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.50", 10), now=0)
    with pytest.raises(OrderRejected, match=POST_ONLY_ERROR):
        exchange.place(engine_order("taker", TOKEN, "BUY", "0.50", 5, post_only=True), now=0)
    resting = engine_order("taker", TOKEN, "BUY", "0.49", 5, post_only=True)
    exchange.place(resting, now=0)
    assert resting.status is OrderStatus.LIVE


def test_orders_beyond_the_balance_are_rejected_counting_resting_orders():
    exchange = Exchange()
    exchange.credit("poor", pusd=10 * UNIT)
    exchange.place(engine_order("poor", TOKEN, "BUY", "0.50", 16), now=0)  # reserves 8 pUSD

    with pytest.raises(OrderRejected, match=BALANCE_ERROR):
        exchange.place(engine_order("poor", TOKEN, "BUY", "0.50", 5), now=0)
    with pytest.raises(OrderRejected, match=BALANCE_ERROR):
        exchange.place(engine_order("poor", TOKEN, "SELL", "0.50", 5), now=0)


def test_cancel_releases_the_reservation(exchange):
    order = engine_order("alice", TOKEN, "BUY", "0.50", 100)
    exchange.place(order, now=0)
    assert exchange.account("alice").reserved_pusd == 50 * UNIT

    assert exchange.cancel(order)
    assert exchange.account("alice").reserved_pusd == 0
    assert order.status is OrderStatus.CANCELED
    assert not exchange.cancel(order)


def test_gtd_orders_expire(exchange):
    order = engine_order("alice", TOKEN, "BUY", "0.50", 10, "GTD", expiration=100)
    exchange.place(order, now=0)
    assert exchange.expire(99) == []
    assert exchange.expire(100) == [order.id]
    assert order.status is OrderStatus.CANCELED_EXPIRED_ORDER


def test_trades_settle_matched_mined_confirmed(exchange):
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.50", 10), now=0)
    (trade,) = exchange.place(engine_order("taker", TOKEN, "BUY", "0.50", 10), now=0)
    seen = [trade.status]
    for t in range(1, 4):
        exchange.settle(t)
        seen.append(trade.status)
    assert seen == [
        TradeStatus.MATCHED,
        TradeStatus.MINED,
        TradeStatus.CONFIRMED,
        TradeStatus.CONFIRMED,
    ]


def test_a_failed_trade_is_voided(exchange):
    exchange.fail_next_trades = 1
    exchange.place(engine_order("alice", TOKEN, "SELL", "0.50", 10), now=0)
    (trade,) = exchange.place(engine_order("taker", TOKEN, "BUY", "0.50", 10), now=0)
    assert exchange.account("taker").pusd == 995 * UNIT

    exchange.settle(1)
    exchange.settle(2)

    assert trade.status is TradeStatus.FAILED
    assert exchange.account("taker").pusd == 1_000 * UNIT
    assert exchange.account("alice").shares[TOKEN] == 1_000 * UNIT
