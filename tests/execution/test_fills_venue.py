"""Venue trades booked as the venue means them: a taker at the VWAP of its maker legs, a maker
order once per trade however many legs it has, complementary matches on LT's own token and
side, and the venue's fee in cost basis, budgets and realised P&L."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.fills import fills_record, own_fills
from execution.models import Fill, MarketToken, Position
from execution.venue.adapter import _venue_trade
from ltproject.domain import Side, TradingMode
from ltproject.fees import FeeSchedule
from risk.models import Breaker, BreakerKind
from tests.factories import MarketFactory, MarketTokenFactory, OrderFactory, StrategyFactory

pytestmark = pytest.mark.django_db
D = Decimal
YES, NO = "1001", "1002"
FEES = FeeSchedule(rate=D("0.02"), exponent=D(1))


def _trade(**fields: Any) -> dict[str, Any]:
    """A /data/trades object in the venue's shape (strings for numbers)."""
    trade = {
        "id": "trade-1",
        "taker_order_id": "0xtaker",
        "market": "0xcondition",
        "asset_id": YES,
        "side": "BUY",
        "size": "30",
        "fee_rate_bps": "0",
        "price": "0.55",
        "status": "MATCHED",
        "match_time": "1790000000",
        "last_update": "1790000000",
        "outcome": "Yes",
        "bucket_index": 0,
        "owner": "owner",
        "maker_address": "0xmaker",
        "transaction_hash": "0x" + "ab" * 32,
        "trader_side": "TAKER",
        "maker_orders": [],
    }
    return trade | fields


def _leg(order_id: str, amount: str, price: str, **fields: str) -> dict[str, str]:
    leg = {
        "order_id": order_id,
        "owner": "someone",
        "maker_address": "0xmaker",
        "matched_amount": amount,
        "price": price,
        "fee_rate_bps": "0",
        "asset_id": YES,
        "outcome": "Yes",
        "side": "SELL",
    }
    return leg | fields


def _order(*, fees: FeeSchedule | None = None, side: str = Side.BUY, token: str = YES, **kw: Any):
    known = MarketToken.objects.filter(token_id=token).select_related("market").first()
    market = known.market if known else MarketFactory(fee_params=fees.as_params() if fees else {})
    if known is None:
        MarketTokenFactory(market=market, token_id=token)
    strategy = StrategyFactory(
        mode=TradingMode.LIVE, risk_rules__breaker_max_slippage_bps=kw.pop("max_slippage", None)
    )
    return OrderFactory(
        strategy=strategy,
        market=market,
        token_id=token,
        side=side,
        mode=TradingMode.LIVE,
        status="live",
        **kw,
    )


SWEEP = _trade(
    maker_orders=[
        _leg("0xm1", "10", "0.50"),
        _leg("0xm2", "10", "0.51"),
        _leg("0xm3", "10", "0.52"),
    ]
)


def test_a_taker_sweep_across_three_levels_is_booked_at_its_vwap_with_three_legs() -> None:
    order = _order(
        price=D("0.55"), size=D(30), notional=D("16.5"), reference_price=D("0.50"),
        venue_order_id="0xtaker", max_slippage=D(250),
    )  # fmt: skip
    (fill,) = own_fills(_venue_trade(SWEEP), {"0xtaker": order.pk})
    assert (fill.price, fill.size, fill.notional) == (D("0.51"), D(30), D("15.30"))
    assert fill.legs == ((D("0.50"), D(10)), (D("0.51"), D(10)), (D("0.52"), D(10)))
    fills_record([fill])
    row = Fill.objects.get(order=order)
    assert (row.price, row.notional, len(row.legs)) == (D("0.51"), D("15.30"), 3)
    # The breaker saw the real 200 bps (0.51 against FT's 0.50), not the limit's 1,000 bps,
    # so a 250 bps limit holds; booked at the limit it would have tripped.
    assert not Breaker.objects.filter(
        strategy=order.strategy, kind=BreakerKind.SLIPPAGE, state=Breaker.State.OPEN
    ).exists()


def test_the_slippage_breaker_trips_one_bps_past_its_limit_on_the_vwap() -> None:
    order = _order(
        price=D("0.55"), size=D(30), notional=D("16.5"), reference_price=D("0.50"),
        venue_order_id="0xtaker", max_slippage=D(199),
    )  # fmt: skip
    fills_record(own_fills(_venue_trade(SWEEP), {"0xtaker": order.pk}))
    breaker = Breaker.objects.get(strategy=order.strategy, kind=BreakerKind.SLIPPAGE)
    assert (breaker.last_value, breaker.state) == (D(200), Breaker.State.OPEN)


def test_a_maker_order_in_several_legs_of_one_trade_is_one_fill_of_their_sum() -> None:
    order = _order(
        side=Side.SELL, price=D("0.50"), size=D(30), notional=D(15), venue_order_id="0xm"
    )
    Position.objects.create(
        strategy=order.strategy, token_id=YES, mode=TradingMode.LIVE, size=D(30),
        avg_cost=D("0.4"), cost_basis=D(12),
    )  # fmt: skip
    trade = _trade(maker_orders=[_leg("0xm", "12", "0.50"), _leg("0xm", "8", "0.50")])
    fills = own_fills(_venue_trade(trade), {"0xm": order.pk})
    assert [(f.size, f.price, f.trader_side) for f in fills] == [(D(20), D("0.5"), "MAKER")]
    assert fills_record(fills) == 1
    order.refresh_from_db()
    assert order.size_matched == D(20)
    assert fills_record(own_fills(_venue_trade(trade), {"0xm": order.pk})) == 0  # a replay


def test_a_yes_buyer_matched_with_a_no_buyer_is_booked_on_each_ones_token_and_side() -> None:
    """A mint: the taker buys YES at 1 − q from a maker buying NO at q (legs carry NO)."""
    taker = _order(price=D("0.60"), size=D(10), notional=D(6), venue_order_id="0xyes")
    maker = _order(token=NO, price=D("0.45"), size=D(10), notional=D("4.5"), venue_order_id="0xno")
    leg = _leg("0xno", "10", "0.45", asset_id=NO, outcome="No", side="")  # a leg without side
    trade = _venue_trade(
        _trade(taker_order_id="0xyes", size="10", price="0.60", maker_orders=[leg])
    )
    ids = {"0xyes": taker.pk, "0xno": maker.pk}
    fills = {f.order_id: f for f in own_fills(trade, ids)}
    assert (fills[taker.pk].side, fills[taker.pk].price) == (Side.BUY, D("0.55"))
    assert (fills[maker.pk].side, fills[maker.pk].price) == (Side.BUY, D("0.45"))
    fills_record(fills.values())
    yes = Position.objects.get(strategy=taker.strategy, token_id=YES)
    no = Position.objects.get(strategy=maker.strategy, token_id=NO)
    assert (yes.size, yes.cost_basis) == (D(10), D("5.5"))
    assert (no.size, no.cost_basis) == (D(10), D("4.5"))


def test_a_merge_leg_books_both_sells_on_their_own_tokens() -> None:
    taker = _order(side=Side.SELL, price=D("0.40"), size=D(5), notional=D(2), venue_order_id="0xa")
    leg = _leg("0xb", "5", "0.55", asset_id=NO, outcome="No", side="SELL")
    trade = _venue_trade(
        _trade(taker_order_id="0xa", side="SELL", size="5", price="0.40", maker_orders=[leg])
    )
    (fill,) = own_fills(trade, {"0xa": taker.pk})
    assert (fill.side, fill.price) == (Side.SELL, D("0.45"))  # 1 − 0.55: better than 0.40


def test_the_taker_pays_the_markets_fee_and_the_maker_none() -> None:
    taker = _order(fees=FEES, price=D("0.55"), size=D(30), notional=D("16.5"),
                   venue_order_id="0xtaker")  # fmt: skip
    fills_record(own_fills(_venue_trade(SWEEP), {"0xtaker": taker.pk}))
    fill = Fill.objects.get(order=taker)
    # Leg by leg: 10 × 0.02 × p(1 − p) at 0.50, 0.51 and 0.52.
    assert fill.fee == D("0.05") + D("0.04998") + D("0.04992")
    position = Position.objects.get(strategy=taker.strategy)
    assert position.cost_basis == D("15.30") + fill.fee
    maker = _order(fees=FEES, side=Side.SELL, price=D("0.50"), size=D(10), notional=D(5),
                   venue_order_id="0xm1")  # fmt: skip
    Position.objects.create(strategy=maker.strategy, token_id=YES, mode=TradingMode.LIVE,
                            size=D(10), avg_cost=D("0.4"), cost_basis=D(4))  # fmt: skip
    fills_record(own_fills(_venue_trade(SWEEP), {"0xm1": maker.pk}))
    assert Fill.objects.get(order=maker).fee == 0


def test_a_trade_that_reports_its_rate_is_charged_at_that_rate() -> None:
    taker = _order(fees=FEES, price=D("0.55"), size=D(10), notional=D("5.5"),
                   venue_order_id="0xtaker")  # fmt: skip
    trade = _trade(size="10", fee_rate_bps="100", maker_orders=[_leg("0xm1", "10", "0.50")])
    fills_record(own_fills(_venue_trade(trade), {"0xtaker": taker.pk}))
    assert Fill.objects.get(order=taker).fee == D("0.025")  # 10 × 0.01 × 0.25


def test_a_round_trip_realises_proceeds_minus_cost_minus_fees_to_the_unit() -> None:
    buy = _order(fees=FEES, price=D("0.37"), size=D("33.33"), notional=D("12.3321"),
                 venue_order_id="0xbuy")  # fmt: skip
    legs = [_leg("0xq", "20", "0.36"), _leg("0xr", "13.33", "0.37")]
    bought = _trade(
        id="t-buy", taker_order_id="0xbuy", size="33.33", price="0.37", maker_orders=legs
    )
    fills_record(own_fills(_venue_trade(bought), {"0xbuy": buy.pk}))
    sell = OrderFactory(
        strategy=buy.strategy,
        market=buy.market,
        token_id=YES,
        side=Side.SELL,
        mode=TradingMode.LIVE,
        status="live",
        price=D("0.61"),
        size=D("33.33"),
        notional=D("20.3313"),
        venue_order_id="0xsell",
        purpose="exit_signal",
    )
    taken = [_leg("0xs", "33.33", "0.63", side="BUY")]
    sold = _trade(
        id="t-sell", taker_order_id="0xsell", side="SELL", size="33.33", price="0.61",
        maker_orders=taken,
    )  # fmt: skip
    fills_record(own_fills(_venue_trade(sold), {"0xsell": sell.pk}))
    cost = D("20") * D("0.36") + D("13.33") * D("0.37")
    buy_fee = FEES.fee(D(20), D("0.36")) + FEES.fee(D("13.33"), D("0.37"))
    proceeds, sell_fee = D("33.33") * D("0.63"), FEES.fee(D("33.33"), D("0.63"))
    position = Position.objects.get(strategy=buy.strategy, token_id=YES)
    assert position.size == 0 and position.cost_basis == 0
    assert position.realised_pnl == proceeds - cost - buy_fee - sell_fee
    assert sum(f.fee for f in Fill.objects.filter(order__strategy=buy.strategy)) == (
        buy_fee + sell_fee
    )


def test_one_venue_trade_filling_two_of_lts_orders_is_two_fills_each_booked_once() -> None:
    """LT's taker BUY crosses LT's own resting SELL (another strategy's) in one trade: one
    venue trade id, two orders, two fills; the key is the pair, not the trade id alone."""
    taker = _order(price=D("0.55"), size=D(10), notional=D("5.5"), venue_order_id="0xtaker")
    maker = _order(side=Side.SELL, price=D("0.50"), size=D(10), notional=D(5),
                   venue_order_id="0xm1")  # fmt: skip
    Position.objects.create(
        strategy=maker.strategy, token_id=YES, mode=TradingMode.LIVE, size=D(10),
        avg_cost=D("0.4"), cost_basis=D(4),
    )  # fmt: skip
    trade = _venue_trade(_trade(size="10", maker_orders=[_leg("0xm1", "10", "0.50")]))
    ids = {"0xtaker": taker.pk, "0xm1": maker.pk}
    assert fills_record(own_fills(trade, ids)) == 2
    assert sorted(Fill.objects.values_list("order_id", "venue_trade_id")) == sorted(
        [(taker.pk, "trade-1"), (maker.pk, "trade-1")]
    )
    assert fills_record(own_fills(trade, ids)) == 0  # the same trade again: nothing new
    assert Fill.objects.count() == 2
