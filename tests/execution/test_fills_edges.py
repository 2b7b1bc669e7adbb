"""A voided fill (its trade ended FAILED) undone exactly: the budget it spent comes back,
the position it moved is the one put back, to the unit, and a sell that took more than the
position held gives back only what it took."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from execution.fills import OwnFill, fill_record
from execution.models import Fill, Order, OrderPurpose, Position, PositionStatus
from ltproject.domain import Side, TradingMode
from ltproject.money import quantize_price
from risk.models import BudgetReservation, BudgetWindow
from tests.factories import MarketFactory, OrderFactory, PositionFactory
from tests.risk.helpers import market_pair, order_of, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
AT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
FEES = {"rate": "0.02", "exponent": "1", "taker_only": True}


def _own(order: Order, **fields: object) -> OwnFill:
    values: dict[str, object] = {
        "order_id": order.pk,
        "venue_trade_id": "trade-1",
        "status": "MATCHED",
        "side": order.side,
        "trader_side": Fill.TraderSide.TAKER,
        "size": D(10),
        "price": D("0.50"),
        "match_time": AT,
        "legs": (),
    }
    return OwnFill(**{**values, **fields})  # type: ignore[arg-type]


def _buy(**fields: object) -> Order:
    values: dict[str, object] = {"market": MarketFactory(fee_params=FEES), "size": D(20),
                                 "price": D("0.55"), "notional": D(11)}  # fmt: skip
    return OrderFactory(**{**values, **fields})


def _position(order: Order) -> Position:
    return Position.objects.get(strategy=order.strategy, token_id=order.token_id, mode=order.mode)


def test_a_voided_buy_gives_its_spend_and_fee_back_to_the_budget(books) -> None:
    strategy = strategy_with(budget_daily=D(100))
    _, yes, _ = market_pair(books, fee_params=FEES)
    order = order_of(strategy, yes, books, price=D("0.55"))  # reserved at its limit
    fill_record(_own(order, size=order.size, price=D("0.50")))  # all of it, for less
    fill = Fill.objects.get(order=order)
    assert fill.fee > 0
    cost = fill.notional + fill.fee
    (window,) = BudgetWindow.objects.filter(strategy=strategy)
    assert window.spent == cost and window.reserved == 0
    assert fill_record(_own(order, size=order.size, price=D("0.50"), status="FAILED")) is True
    window.refresh_from_db()
    assert (window.spent, window.reserved) == (D(0), D(0))  # all of it back, fee included
    assert BudgetReservation.objects.get(order=order).spent == 0


def test_voiding_one_of_two_buys_leaves_exactly_the_other_buys_cost() -> None:
    order = _buy()
    # Three shares on two legs: their VWAP is rounded (0.516667), their pUSD is not (1.55).
    legs = ((D("0.51"), D(1)), (D("0.52"), D(2)))
    fill_record(_own(order, size=D(3), price=D("0.516667"), legs=legs))
    fill_record(_own(order, venue_trade_id="trade-2", size=D(7), price=D("0.50")))
    first, second = (
        Fill.objects.get(venue_trade_id="trade-1"),
        Fill.objects.get(venue_trade_id="trade-2"),
    )
    assert first.notional == D("1.55") and first.fee > 0
    assert fill_record(_own(order, size=D(3), legs=legs, status="FAILED")) is True
    position = _position(order)
    assert position.size == D(7)
    assert position.cost_basis == second.notional + second.fee
    assert position.avg_cost == quantize_price(position.cost_basis / D(7))


def test_voiding_a_sell_larger_than_the_position_gives_back_only_the_shares_it_took() -> None:
    buy = _buy(size=D(10))
    fill_record(_own(buy))  # 10 at 0.50, fee included in the cost
    position = _position(buy)
    cost_basis = position.cost_basis
    sell = OrderFactory(
        strategy=buy.strategy, market=buy.market, token_id=buy.token_id, mode=buy.mode,
        side=Side.SELL, purpose=OrderPurpose.EXIT_SIGNAL, size=D(12), price=D("0.70"),
        notional=D("8.4"),
    )  # fmt: skip
    fill_record(_own(sell, venue_trade_id="trade-2", size=D(12), price=D("0.70")))
    position.refresh_from_db()
    assert (position.size, position.status) == (D(0), PositionStatus.CLOSED)  # 10 of the 12
    assert Fill.objects.get(order=sell).position_shares == D(10)
    fill_record(_own(sell, venue_trade_id="trade-2", size=D(12), price=D("0.70"), status="FAILED"))
    position.refresh_from_db()
    assert (position.size, position.status) == (D(10), PositionStatus.OPEN)
    assert (position.cost_basis, position.realised_pnl) == (cost_basis, D(0))


def test_a_voided_fill_is_undone_on_its_own_position_only() -> None:
    order = _buy(size=D(10))
    fill_record(_own(order))
    mine = _position(order)
    # Opened after it, so first in "newest first": another strategy's position on the token,
    # the same strategy's on another token and in the other mode.
    others = [
        PositionFactory(token_id=order.token_id, mode=order.mode),
        PositionFactory(strategy=order.strategy, mode=order.mode),
        PositionFactory(strategy=order.strategy, token_id=order.token_id,
                        mode=TradingMode.LIVE if order.mode == TradingMode.PAPER
                        else TradingMode.PAPER),
    ]  # fmt: skip
    fill_record(_own(order, status="FAILED"))
    mine.refresh_from_db()
    assert (mine.size, mine.cost_basis) == (D(0), D(0))
    for other in others:
        other.refresh_from_db()
        assert (other.size, other.cost_basis) == (D(10), D(5))
