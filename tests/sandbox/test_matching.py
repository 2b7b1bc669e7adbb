"""One trade per taker match with all its maker legs; mint and merge across a market's tokens."""

from __future__ import annotations

import pytest

from sandbox.engine import (
    FOK_ERROR,
    POST_ONLY_ERROR,
    Exchange,
    MatchType,
    OrderRejected,
    OrderStatus,
    Side,
    TradeStatus,
)
from sandbox.units import UNIT
from tests.sandbox.helpers import engine_order

YES, NO = "101", "102"
PEOPLE = ("alice", "bob", "carol", "taker")


@pytest.fixture
def exchange() -> Exchange:
    ex = Exchange()
    ex.pair(YES, NO)
    for who in PEOPLE:
        ex.credit(who, pusd=1_000 * UNIT)
        ex.credit(who, token_id=YES, shares=1_000 * UNIT)
        ex.credit(who, token_id=NO, shares=1_000 * UNIT)
    return ex


def _place(ex: Exchange, who: str, token: str, side: str, price: str, size: float, **kw):
    return ex.place(engine_order(who, token, side, price, size, **kw), now=0)


def test_a_taker_match_is_one_trade_with_a_leg_per_maker(exchange):
    a = engine_order("alice", YES, "SELL", "0.40", 5)
    b = engine_order("bob", YES, "SELL", "0.42", 5)
    for order in (a, b):
        exchange.place(order, now=0)

    (trade,) = exchange.place(engine_order("taker", YES, "BUY", "0.45", 8), now=1)

    assert (trade.price, trade.size, trade.side, trade.token_id) == (4500, 8 * UNIT, Side.BUY, YES)
    assert [(leg.maker, leg.price, leg.size, leg.kind) for leg in trade.legs] == [
        (a, 4000, 5 * UNIT, MatchType.COMPLEMENTARY),
        (b, 4200, 3 * UNIT, MatchType.COMPLEMENTARY),
    ]
    assert a.trade_ids == b.trade_ids == [trade.id] == trade.taker.trade_ids
    assert exchange.account("taker").pusd == 1_000 * UNIT - 3_260_000  # 5 x 0.40 + 3 x 0.42


def test_mint_a_yes_buyer_meets_a_no_buyer_when_prices_sum_to_one(exchange):
    no_bid = engine_order("alice", NO, "BUY", "0.45", 10)
    exchange.place(no_bid, now=0)

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.60", 10)

    (leg,) = trade.legs
    assert leg.kind is MatchType.MINT and (leg.token_id, leg.side) == (NO, Side.BUY)
    assert (leg.price, leg.taker_price, trade.price) == (4500, 5500, 6000)
    taker, maker = exchange.account("taker"), exchange.account("alice")
    assert taker.pusd == 1_000 * UNIT - 5_500_000  # 1 - q a share: price improvement
    assert maker.pusd == 1_000 * UNIT - 4_500_000
    assert taker.shares[YES] == maker.shares[NO] == 1_010 * UNIT
    assert maker.reserved_pusd == 0 and no_bid.status is OrderStatus.MATCHED


def test_mint_happens_exactly_at_a_sum_of_one_and_not_a_unit_below(exchange):
    _place(exchange, "alice", NO, "BUY", "0.3999", 10)
    with pytest.raises(OrderRejected, match="FAK"):  # 0.60 + 0.3999 < 1: nothing to meet
        _place(exchange, "taker", YES, "BUY", "0.60", 10, order_type="FAK")

    _place(exchange, "bob", NO, "BUY", "0.40", 10)
    (trade,) = _place(exchange, "carol", YES, "BUY", "0.60", 10)
    assert [(leg.maker.owner, leg.taker_price) for leg in trade.legs] == [("bob", 6000)]


def test_merge_two_sellers_are_paid_when_prices_sum_to_at_most_one(exchange):
    _place(exchange, "alice", NO, "SELL", "0.6001", 10)
    with pytest.raises(OrderRejected, match="FAK"):  # 0.40 + 0.6001 > 1: nothing to meet
        _place(exchange, "taker", YES, "SELL", "0.40", 10, order_type="FAK")

    _place(exchange, "bob", NO, "SELL", "0.55", 10)
    (trade,) = _place(exchange, "carol", YES, "SELL", "0.45", 10)

    (leg,) = trade.legs
    assert leg.kind is MatchType.MERGE and (leg.maker.owner, leg.side) == ("bob", Side.SELL)
    carol, bob = exchange.account("carol"), exchange.account("bob")
    assert carol.pusd == 1_000 * UNIT + 4_500_000  # 1 - 0.55, the price it asked
    assert bob.pusd == 1_000 * UNIT + 5_500_000
    assert carol.shares[YES] == bob.shares[NO] == 990 * UNIT
    assert bob.reserved_shares[NO] == 0


def test_a_taker_walks_both_books_best_price_first(exchange):
    _place(exchange, "alice", YES, "SELL", "0.52", 5)
    _place(exchange, "bob", NO, "BUY", "0.49", 5)  # a YES buyer pays 0.51
    _place(exchange, "carol", NO, "BUY", "0.47", 5)  # 0.53: beyond the limit

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.52", 20, order_type="FAK")

    assert [(leg.maker.owner, leg.taker_price, leg.token_id) for leg in trade.legs] == [
        ("bob", 5100, NO),
        ("alice", 5200, YES),
    ]
    assert trade.size == 10 * UNIT and trade.price == 5200


def test_equal_prices_go_by_time_priority_across_the_two_books(exchange):
    _place(exchange, "alice", NO, "BUY", "0.50", 5)  # rested first
    _place(exchange, "bob", YES, "SELL", "0.50", 5)

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.50", 10)

    assert [leg.maker.owner for leg in trade.legs] == ["alice", "bob"]


def test_post_only_and_fok_count_the_complement(exchange):
    _place(exchange, "alice", NO, "BUY", "0.45", 10)
    with pytest.raises(OrderRejected, match=POST_ONLY_ERROR):
        _place(exchange, "taker", YES, "BUY", "0.55", 5, post_only=True)
    with pytest.raises(OrderRejected, match=FOK_ERROR.split(".")[0]):
        _place(exchange, "taker", YES, "BUY", "0.55", 11, order_type="FOK")

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.55", 10, order_type="FOK")
    assert trade.legs[0].kind is MatchType.MINT


def test_a_failed_trade_voids_every_leg(exchange):
    _place(exchange, "alice", YES, "SELL", "0.50", 5)
    _place(exchange, "bob", NO, "BUY", "0.50", 5)
    exchange.fail_next_trades = 1
    before = {who: (a.pusd, dict(a.shares)) for who, a in exchange.accounts.items()}

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.50", 10)
    assert len(trade.legs) == 2
    for t in (1, 2):
        exchange.settle(t)

    assert trade.status is TradeStatus.FAILED
    assert {who: (a.pusd, dict(a.shares)) for who, a in exchange.accounts.items()} == before


def test_split_legs_report_one_maker_twice(exchange):
    _place(exchange, "alice", YES, "SELL", "0.50", 5)
    exchange.split_next_trades = 1

    (trade,) = _place(exchange, "taker", YES, "BUY", "0.50", 5)
    _place(exchange, "bob", YES, "SELL", "0.50", 5)
    (later,) = _place(exchange, "taker", YES, "BUY", "0.50", 5)

    assert [(leg.maker.owner, leg.size) for leg in trade.legs] == [
        ("alice", 2_500_000),
        ("alice", 2_500_000),
    ]
    assert trade.legs[0].maker.trade_ids == [trade.id]  # one trade id, however many legs
    assert [leg.maker.owner for leg in later.legs] == ["bob"]


def test_unpaired_tokens_never_mint(exchange):
    lonely = Exchange()
    for who in ("alice", "taker"):
        lonely.credit(who, pusd=100 * UNIT)
    lonely.place(engine_order("alice", NO, "BUY", "0.60", 10), now=0)
    assert lonely.place(engine_order("taker", YES, "BUY", "0.60", 10), now=0) == []
