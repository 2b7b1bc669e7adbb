"""How a venue trade becomes LT's fills, leg by leg (execution/fills.py, no database): the
taker's legs at the prices it got, one fill per maker order summed over its legs, the other
outcome's legs priced from the taker's side, and each fill's VWAP and notional."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from execution.fills import OwnFill, maker_side, own_fills, taker_legs, vwap
from execution.models import Fill
from execution.venue.types import MakerFill, VenueTrade
from ltproject.domain import Side

D = Decimal
AT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def _leg(order: str, shares: str, price: str, token: str = "YES", side: str = "") -> MakerFill:
    return MakerFill(order, "0xmaker", D(shares), D(price), token, side)


def _trade(*legs: MakerFill, size: str = "15", price: str = "0.60", **fields) -> VenueTrade:
    values = {
        "trade_id": "trade-1",
        "status": "MATCHED",
        "taker_order_id": "taker",
        "token_id": "YES",
        "condition_id": "0xc",
        "side": Side.BUY,
        "trader_side": "TAKER",
        "price": D(price),
        "size": D(size),
        "fee_rate_bps": D(0),
        "match_time": AT,
        "transaction_hash": "0xabc",
        "maker_orders": legs,
        "raw": {},
    }
    return VenueTrade(**{**values, **fields})


def test_a_trade_is_one_fill_for_the_taker_and_one_per_maker_order_of_lts() -> None:
    trade = _trade(
        _leg("maker-a", "5", "0.50", side="SELL"),
        _leg("maker-a", "5", "0.52", side="SELL"),  # the same order again: one fill of both
        _leg("maker-b", "5", "0.45", token="NO", side="BUY"),  # the other outcome
        _leg("someone", "3", "0.40", side="SELL"),  # not LT's
        _leg("maker-c", "0", "0.50", side="SELL"),  # matched nothing
        size="18",
    )
    ids = {"taker": 1, "maker-a": 2, "maker-b": 3, "maker-c": 4}
    fills = {f.order_id: f for f in own_fills(trade, ids)}
    assert sorted(fills) == [1, 2, 3]
    taker, maker_a, maker_b = fills[1], fills[2], fills[3]
    # The taker got 0.50, 0.52 and 0.40 on YES, and 1 − 0.45 through the NO buyer.
    assert taker.legs == (
        (D("0.50"), D(5)),
        (D("0.52"), D(5)),
        (D("0.55"), D(5)),
        (D("0.40"), D(3)),
    )
    assert (taker.side, taker.trader_side) == (Side.BUY, Fill.TraderSide.TAKER)
    assert taker.size == D(18) and taker.price == D("0.502778")  # 9.05 / 18
    assert (maker_a.side, maker_a.trader_side, maker_a.size, maker_a.price) == (
        Side.SELL,
        Fill.TraderSide.MAKER,
        D(10),
        D("0.51"),
    )
    assert maker_a.legs == ((D("0.50"), D(5)), (D("0.52"), D(5)))
    assert (maker_b.side, maker_b.size, maker_b.price) == (Side.BUY, D(5), D("0.45"))
    for fill in fills.values():
        assert (fill.venue_trade_id, fill.status, fill.match_time) == ("trade-1", "MATCHED", AT)
        assert (fill.transaction_hash, fill.fee_rate_bps, fill.is_paper) == ("0xabc", None, False)


def test_a_trade_not_of_lts_orders_is_no_fill() -> None:
    assert own_fills(_trade(_leg("maker-a", "5", "0.50")), {"other": 9}) == []


def test_the_trades_fee_rate_and_a_missing_match_time() -> None:
    trade = _trade(_leg("m", "15", "0.50"), fee_rate_bps=D(25), match_time=None)
    (fill,) = own_fills(trade, {"taker": 1})
    assert fill.fee_rate_bps == D(25)
    assert fill.match_time is not None  # recorded when seen


def test_taker_legs() -> None:
    # Legs that add up to the trade's size are the taker's, at the prices it got.
    both = _trade(_leg("a", "10", "0.50"), _leg("b", "5", "0.40", token="NO"), size="15")
    assert taker_legs(both) == [(D("0.50"), D(10)), (D("0.60"), D(5))]
    # No legs (an older shape): the trade's own price and size.
    assert taker_legs(_trade(size="7", price="0.33")) == [(D("0.33"), D(7))]
    assert taker_legs(_trade(_leg("a", "0", "0.50"), size="7", price="0.33")) == [(D("0.33"), D(7))]
    # Legs that do not add up: the trade's size at their VWAP.
    short = _trade(_leg("a", "4", "0.50"), _leg("b", "4", "0.60"), size="10")
    assert taker_legs(short) == [(D("0.55"), D(10))]
    # A trade of size 0 (as sent) keeps its legs.
    assert taker_legs(_trade(_leg("a", "4", "0.50"), size="0")) == [(D("0.50"), D(4))]


@pytest.mark.parametrize(
    ("leg_token", "leg_side", "taker_side", "expected"),
    [
        ("YES", "SELL", Side.BUY, Side.SELL),  # as the leg says
        ("YES", "BUY", Side.BUY, Side.BUY),
        ("YES", "", Side.BUY, Side.SELL),  # same token: opposite the taker
        ("YES", "", Side.SELL, Side.BUY),
        ("NO", "", Side.BUY, Side.BUY),  # the other token: as the taker
        ("NO", "", Side.SELL, Side.SELL),
        ("", "", Side.SELL, Side.BUY),  # no token sent: taken as the same token
    ],
)
def test_the_makers_side(leg_token, leg_side, taker_side, expected) -> None:
    trade = _trade(side=taker_side)
    assert maker_side(trade, _leg("m", "1", "0.5", token=leg_token, side=leg_side)) == expected


def test_a_leg_without_a_token_is_priced_as_on_the_takers_token() -> None:
    assert taker_legs(_trade(_leg("a", "15", "0.30", token=""))) == [(D("0.30"), D(15))]
    assert taker_legs(_trade(_leg("a", "15", "0.30"), token_id="")) == [(D("0.30"), D(15))]


def test_vwap_rounds_half_to_even_at_six_places_and_is_zero_without_shares() -> None:
    assert vwap([]) == D(0)
    assert vwap([(D("0.1000005"), D(1))]) == D("0.100000")
    assert vwap([(D("0.1000015"), D(1))]) == D("0.100002")
    assert vwap([(D("0.50"), D(1)), (D("0.20"), D(2))]) == D("0.300000")


def test_a_fills_notional_is_its_legs_or_its_size_at_its_price() -> None:
    plain = OwnFill(1, "t", "MATCHED", Side.BUY, "TAKER", D("3"), D("0.3333333"), AT)
    assert plain.notional == D("1.000000")
    legged = OwnFill(
        1, "t", "MATCHED", Side.BUY, "TAKER", D(3), D("0.5"), AT,
        legs=((D("0.4000005"), D(1)), (D("0.6"), D(2))),
    )  # fmt: skip
    assert legged.notional == D("1.600000")  # 1.6000005, half to even


def test_legs_under_one_share_count() -> None:
    trade = _trade(_leg("maker-a", "0.5", "0.50", side="SELL"), size="0.5")
    fills = {f.order_id: f for f in own_fills(trade, {"taker": 1, "maker-a": 2})}
    assert fills[2].size == D("0.5") and fills[1].size == D("0.5")
    assert taker_legs(trade) == [(D("0.50"), D("0.5"))]
    # Legs that do not add up to a fractional trade size: the size at their VWAP.
    assert taker_legs(_trade(_leg("a", "0.25", "0.40"), size="0.5")) == [(D("0.40"), D("0.5"))]
