"""One fill recorded and advanced (execution/fills.py): what the row keeps, what the order
becomes, the trade's statuses moving only forward, a replay changing nothing, a failed trade
voided, and the slippage a fill is measured at."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from execution.fills import OwnFill, fill_record, fills_record, slippage_bps
from execution.models import Fill, Order, OrderPurpose, OrderStatus, Position
from ltproject.domain import Side
from tests.factories import MarketFactory, OrderFactory

pytestmark = pytest.mark.django_db

D = Decimal
AT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def _own(order: Order, **fields: object) -> OwnFill:
    values: dict[str, object] = {
        "order_id": order.pk,
        "venue_trade_id": "trade-1",
        "status": "MATCHED",
        "side": Side.SELL,  # as a complementary leg may say: the order's side is kept
        "trader_side": Fill.TraderSide.TAKER,
        "size": D(10),
        "price": D("0.50"),
        "match_time": AT,
        "transaction_hash": "",
        "legs": ((D("0.50"), D(4)), (D("0.50"), D(6))),
    }
    return OwnFill(**{**values, **fields})  # type: ignore[arg-type]


def _order(**fields: object) -> Order:
    market = MarketFactory(fee_params={"rate": "0.02", "exponent": "1", "taker_only": True})
    values: dict[str, object] = {"market": market, "size": D(20), "price": D("0.55"),
                                 "notional": D(11)}  # fmt: skip
    return OrderFactory(**{**values, **fields})


def test_a_new_fill_keeps_the_trade_and_moves_the_order() -> None:
    order = _order()
    assert fill_record(_own(order)) is True
    fill = Fill.objects.get()
    assert (fill.side, fill.trader_side, fill.status) == (Side.BUY, "TAKER", "MATCHED")
    assert (fill.price, fill.size, fill.notional) == (D("0.50"), D(10), D("5.000000"))
    assert fill.legs == [["0.50", "4"], ["0.50", "6"]]
    assert fill.fee == D("0.05000")  # 2 % × 0.5 × 0.5 per share, on 10 shares
    assert (fill.match_time, fill.voided_at, fill.is_paper) == (AT, None, False)
    order.refresh_from_db()
    assert (order.size_matched, order.avg_fill_price, order.first_fill_at) == (
        D(10),
        D("0.500000"),
        AT,
    )
    assert order.status == OrderStatus.INTENT and order.completed_at is None
    position = Position.objects.get(strategy=order.strategy, token_id=order.token_id)
    assert position.size == D(10)
    # The rest of the order, at another price: the order is complete at its VWAP.
    second = _own(order, venue_trade_id="trade-2", price=D("0.60"), legs=(),
                  match_time=datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # fmt: skip
    assert fill_record(second) is True
    order.refresh_from_db()
    assert (order.size_matched, order.avg_fill_price, order.first_fill_at) == (
        D(20),
        D("0.550000"),
        AT,
    )
    assert order.status == OrderStatus.MATCHED and order.completed_at is not None


def test_a_makers_fill_pays_no_fee_on_a_taker_only_market() -> None:
    order = _order()
    fill_record(_own(order, trader_side=Fill.TraderSide.MAKER))
    assert Fill.objects.get().fee == D(0)


def test_statuses_only_move_forward_and_a_replay_changes_nothing() -> None:
    order = _order()
    assert fills_record([_own(order), _own(order)]) == 1  # the replay: nothing
    assert fill_record(_own(order, status="MINED", transaction_hash="0xa")) is True
    assert fill_record(_own(order, status="MATCHED")) is False  # older, arriving late
    assert fill_record(_own(order, status="RETRYING")) is False
    assert fill_record(_own(order, status="MINED", transaction_hash="0xa")) is False
    assert fill_record(_own(order, status="MINED", transaction_hash="0xb")) is True
    assert Fill.objects.get().transaction_hash == "0xb"
    assert fill_record(_own(order, status="CONFIRMED")) is True
    fill = Fill.objects.get()
    assert (fill.status, fill.transaction_hash) == ("CONFIRMED", "0xb")  # kept without one
    assert fill_record(_own(order, status="MINED")) is False
    order.refresh_from_db()
    assert order.size_matched == D(10)  # applied once


def test_an_unknown_status_is_taken_as_matched() -> None:
    order = _order()
    fill_record(_own(order, status="SOMETHING_NEW"))
    assert Fill.objects.get().status == "MATCHED"


def test_a_failed_trade_voids_its_fill_and_undoes_it() -> None:
    order = _order(size=D(10))
    fill_record(_own(order))
    order.refresh_from_db()
    assert order.status == OrderStatus.MATCHED
    assert fill_record(_own(order, status="FAILED")) is True
    fill = Fill.objects.get()
    assert fill.status == "FAILED" and fill.voided_at is not None
    order.refresh_from_db()
    assert (order.size_matched, order.status) == (D(0), OrderStatus.CANCELLED)
    position = Position.objects.get(strategy=order.strategy, token_id=order.token_id)
    assert position.size == D(0)
    assert fill_record(_own(order, status="CONFIRMED")) is False  # voided for good


def test_a_trade_first_seen_failed_is_kept_voided_and_never_applied() -> None:
    order = _order()
    assert fill_record(_own(order, status="FAILED")) is True
    assert Fill.objects.get().voided_at is not None
    order.refresh_from_db()
    assert order.size_matched == D(0) and order.avg_fill_price is None
    assert not Position.objects.exists()


@pytest.mark.parametrize(
    ("side", "price", "bps"),
    [(Side.BUY, "0.51", "200.00"), (Side.BUY, "0.49", "-200.00"), (Side.SELL, "0.49", "200.00"),
     (Side.SELL, "0.505", "-100.00"), (Side.BUY, "0.50003", "0.60")],
)  # fmt: skip
def test_slippage_is_how_much_worse_than_the_reference_in_bps(side, price, bps) -> None:
    order = Order(side=side, reference_price=D("0.50"))
    assert slippage_bps(order, D(price)) == D(bps)


def test_a_failed_sell_gives_the_shares_back_and_takes_the_pnl_back() -> None:
    buy = _order(size=D(10))
    fill_record(_own(buy))  # 10 at 0.50
    position = Position.objects.get(strategy=buy.strategy, token_id=buy.token_id)
    sell = OrderFactory(
        strategy=buy.strategy, market=buy.market, token_id=buy.token_id, mode=buy.mode,
        side=Side.SELL, purpose=OrderPurpose.EXIT_SIGNAL, size=D(4), price=D("0.70"),
        notional=D("2.8"),
    )  # fmt: skip
    fill_record(_own(sell, venue_trade_id="trade-2", size=D(4), price=D("0.70"), legs=()))
    sold = Fill.objects.get(order=sell)
    position.refresh_from_db()
    assert position.size == D(6) and position.realised_pnl > 0
    assert (sold.position_shares, sold.realised_pnl) == (D(4), position.realised_pnl)
    assert fill_record(_own(sell, venue_trade_id="trade-2", status="FAILED")) is True
    position.refresh_from_db()
    assert (position.size, position.realised_pnl) == (D(10), D(0))
    assert position.cost_basis == D("5.05")  # 10 at 0.50 and the buy's fee
    sell.refresh_from_db()
    assert (sell.size_matched, sell.status) == (D(0), OrderStatus.CANCELLED)
