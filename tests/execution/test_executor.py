"""The executor and fill sync against the sandbox venue, over HTTP with the real client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from execution.executor import order_submit
from execution.models import (
    Fill,
    Order,
    OrderPurpose,
    OrderStatus,
    Position,
    PositionStatus,
    TradeStatus,
)
from execution.stops import EXIT_BOOKING_GRACE, stops_cycle
from execution.sync import fills_sync
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side, TradingMode
from redemption.models import Redemption, RedemptionAllocation, RedemptionKind
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_intent_becomes_exactly_one_resting_venue_order(live_venue: SandboxHandle) -> None:
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.LIVE
    assert order.signed_order and order.venue_order_id == order.signed_order["order_hash"]
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]
    # Submitting again (a duplicate task delivery) sends nothing new.
    assert order_submit(order_id=order.pk).status == OrderStatus.LIVE
    assert len(live_venue.orders()) == 1


def test_marketable_fak_fills_and_the_position_follows(live_venue: SandboxHandle) -> None:
    book = get_venue().book(live_venue.market("btc-above-150k-2026").yes.token_id)
    assert book.best_ask is not None
    order = live_intent(live_venue, order_type=OrderType.FAK, price=book.best_ask, size=D(10))
    assert order_submit(order_id=order.pk).status == OrderStatus.MATCHED
    # The match's trades are recorded at once (a sync task queued by the ack; inline here),
    # not at the next minute's sync: the next signal's risk checks see the position.
    order.refresh_from_db()
    assert order.size_matched == D(10) and order.avg_fill_price == book.best_ask
    position = Position.objects.get(strategy=order.strategy, token_id=order.token_id)
    assert (position.size, position.avg_cost, position.status) == (
        D(10),
        book.best_ask,
        PositionStatus.OPEN,
    )
    assert fills_sync() == 0  # replaying the feed records nothing twice


def test_trade_statuses_advance_to_confirmed(live_venue: SandboxHandle) -> None:
    book = get_venue().book(live_venue.market("btc-above-150k-2026").yes.token_id)
    order = live_intent(live_venue, order_type=OrderType.FAK, price=book.best_ask, size=D(5))
    order_submit(order_id=order.pk)
    fills_sync()
    assert set(Fill.objects.values_list("status", flat=True)) == {TradeStatus.MATCHED}
    live_venue.step(3)
    fills_sync()
    assert set(Fill.objects.values_list("status", flat=True)) == {TradeStatus.CONFIRMED}


def test_failed_trade_is_voided_and_the_position_undone(live_venue: SandboxHandle) -> None:
    book = get_venue().book(live_venue.market("btc-above-150k-2026").yes.token_id)
    live_venue.faults.trade_failed(10)
    order = live_intent(live_venue, order_type=OrderType.FAK, price=book.best_ask, size=D(5))
    order_submit(order_id=order.pk)
    fills_sync()
    live_venue.step(3)
    fills_sync()
    fills = list(Fill.objects.filter(order=order))
    assert fills and all(f.voided_at is not None for f in fills)
    order.refresh_from_db()
    assert order.size_matched == 0
    assert Position.objects.get(token_id=order.token_id).size == 0


def test_rejected_order_records_the_venues_reason(live_venue: SandboxHandle) -> None:
    order = order_submit(order_id=live_intent(live_venue, size=D(2), notional=D("0.4")).pk)
    assert order.status == OrderStatus.REJECTED
    assert order.error_code == "below_min_size" and "minimum" in order.error_message
    assert live_venue.orders() == []


def test_accept_then_stall_is_resolved_by_hash_without_a_second_order(
    live_venue: SandboxHandle, settings: SettingsWrapper
) -> None:
    from execution.venue import adapter

    order = live_intent(live_venue)
    get_venue()  # connect before the stall so only the POST stalls
    adapter.configure_transport(https=False, timeout_s=0.5)
    live_venue.faults.stall("/order", seconds=1.5)
    result = order_submit(order_id=order.pk)
    assert result.status == OrderStatus.LIVE
    assert [o["id"] for o in live_venue.orders()] == [result.venue_order_id]


def test_paper_order_fills_by_walking_the_real_book(live_venue: SandboxHandle) -> None:
    token = live_venue.market("btc-above-150k-2026").yes.token_id
    book = get_venue().book(token)
    assert book.best_ask is not None
    order = live_intent(
        live_venue,
        strategy=StrategyFactory(mode=TradingMode.PAPER),
        mode=TradingMode.PAPER,
        order_type=OrderType.FAK,
        price=book.best_ask,
        size=D(10),
    )
    result = order_submit(order_id=order.pk)
    assert result.status == OrderStatus.MATCHED and result.size_matched == D(10)
    assert all(f.is_paper for f in result.fills.all())
    assert live_venue.orders() == []  # paper sends nothing to the venue
    position = Position.objects.get(strategy=order.strategy, mode=TradingMode.PAPER)
    assert position.size == D(10)


def test_paper_fok_that_cannot_fill_is_killed(live_venue: SandboxHandle) -> None:
    order = live_intent(
        live_venue,
        strategy=StrategyFactory(mode=TradingMode.PAPER),
        mode=TradingMode.PAPER,
        order_type=OrderType.FOK,
        price=D("0.02"),
        size=D(10),
    )
    result = order_submit(order_id=order.pk)
    assert result.status == OrderStatus.CANCELLED and not result.fills.exists()


def _filled_position(sandbox: SandboxHandle, size: Decimal = Decimal(20)) -> Position:
    token = sandbox.market("btc-above-150k-2026").yes.token_id
    ask = get_venue().book(token).best_ask
    order = live_intent(sandbox, order_type=OrderType.FAK, price=ask, size=size)
    order_submit(order_id=order.pk)
    fills_sync()
    return Position.objects.get(strategy=order.strategy, token_id=token)


def _gap_to(sandbox: SandboxHandle, price: float) -> None:
    market = sandbox.market("btc-above-150k-2026")
    sandbox.venue.crowd.fair[market.condition_id] = price
    sandbox.step(1)


def test_stop_loss_gapped_through_exits_once_at_the_best_bid(
    live_venue: SandboxHandle, django_capture_on_commit_callbacks: Any
) -> None:
    position = _filled_position(live_venue)
    rules = position.strategy.risk_rules
    rules.stop_loss_pct = D(20)
    rules.save()
    _gap_to(live_venue, 0.10)
    bid = get_venue().book(position.token_id).best_bid
    assert bid is not None and bid < position.avg_cost * D("0.8")
    with django_capture_on_commit_callbacks(execute=True):
        exits = stops_cycle()
        assert stops_cycle() == []  # one exit per trigger, however often the monitor runs
    assert [(e.purpose, e.side, e.order_type, e.price) for e in exits] == [
        (OrderPurpose.STOP_LOSS, Side.SELL, OrderType.FAK, bid)
    ]
    exit_order = Order.objects.get(pk=exits[0].pk)
    assert exit_order.status in (OrderStatus.MATCHED, OrderStatus.CANCELLED)
    resting = [o for o in live_venue.orders() if o["status"] == "LIVE"]
    assert resting == []  # nothing left resting below the market
    fills_sync()
    position.refresh_from_db()
    assert position.realised_pnl < 0


def test_a_matched_exit_not_yet_booked_is_still_in_flight(
    live_venue: SandboxHandle, django_capture_on_commit_callbacks: Any
) -> None:
    """The venue answered the stop's sell "matched"; its fills are booked a moment later (the
    stream, the fill sync). Meanwhile the position still shows the shares: a second monitor
    pass must not sell them again (the venue refuses it for want of shares, with an alert on
    every pass)."""
    position = _filled_position(live_venue)
    rules = position.strategy.risk_rules
    rules.stop_loss_pct = D(20)
    rules.save()
    _gap_to(live_venue, 0.10)
    with django_capture_on_commit_callbacks(execute=False):
        (exit_order,) = stops_cycle()
    # As the POST's answer leaves it, before its trade is booked.
    Order.objects.filter(pk=exit_order.pk).update(status=OrderStatus.MATCHED)
    with django_capture_on_commit_callbacks(execute=False):
        assert stops_cycle() == []
        # Unbooked one second within the grace: still in flight...
        Order.objects.filter(pk=exit_order.pk).update(
            updated_at=timezone.now() - EXIT_BOOKING_GRACE + timedelta(seconds=1)
        )
        assert stops_cycle() == []
        # ...one second past it (a trade the venue failed): the stop acts again.
        Order.objects.filter(pk=exit_order.pk).update(
            updated_at=timezone.now() - EXIT_BOOKING_GRACE - timedelta(seconds=1)
        )
        assert [e.purpose for e in stops_cycle()] == [OrderPurpose.STOP_LOSS]


def test_take_profit_exits_when_the_bid_reaches_the_target(
    live_venue: SandboxHandle, django_capture_on_commit_callbacks: Any
) -> None:
    position = _filled_position(live_venue)
    rules = position.strategy.risk_rules
    rules.take_profit_pct = D(50)
    rules.save()
    assert stops_cycle() == []
    _gap_to(live_venue, 0.80)
    with django_capture_on_commit_callbacks(execute=True):
        exits = stops_cycle()
    assert [e.purpose for e in exits] == [OrderPurpose.TAKE_PROFIT]
    fills_sync()
    position.refresh_from_db()
    assert position.status == PositionStatus.CLOSED and position.realised_pnl > 0


def test_slippage_beyond_the_limit_trips_the_breaker_and_stops_entries(
    live_venue: SandboxHandle,
) -> None:
    from risk.models import Breaker, BreakerKind

    token = live_venue.market("btc-above-150k-2026").yes.token_id
    ask = get_venue().book(token).best_ask
    assert ask is not None
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    rules = strategy.risk_rules
    rules.breaker_max_slippage_bps = 50
    rules.save()
    # The FT price was well under the ask: the fill is ~10 % worse than the reference.
    reference = (ask * D("0.9")).quantize(D("0.01"))
    order = live_intent(
        live_venue,
        strategy=strategy,
        order_type=OrderType.FAK,
        price=ask,
        size=D(5),
        reference_price=reference,
    )
    order_submit(order_id=order.pk)
    fills_sync()
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.SLIPPAGE)
    assert breaker.state == Breaker.State.OPEN
    assert breaker.last_value is not None and breaker.last_value > 50
    latency = Breaker.objects.filter(strategy=strategy, kind=BreakerKind.LATENCY)
    assert not latency.exists()  # no latency threshold set: nothing to trip


def test_sweep_sends_intents_left_behind_and_running_it_twice_changes_nothing(
    live_venue: SandboxHandle,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from execution.tasks import sweep_orders

    order = live_intent(live_venue)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert sweep_orders() == 1
    assert sweep_orders() == 0
    assert len(live_venue.orders()) == 1


def test_heartbeat_is_sent_only_while_live_orders_rest(live_venue: SandboxHandle) -> None:
    from execution.heartbeat import heartbeat_once

    assert heartbeat_once() is False
    order_submit(order_id=live_intent(live_venue).pk)
    assert heartbeat_once() is True


def test_no_stop_exit_sells_shares_an_open_merge_is_moving(live_venue: SandboxHandle) -> None:
    position = _filled_position(live_venue)
    rules = position.strategy.risk_rules
    rules.stop_loss_pct = D(20)
    rules.save()
    merge = Redemption.objects.create(
        kind=RedemptionKind.MERGE,
        wallet_address="0x" + "1" * 40,
        condition_id="0x" + "2" * 64,
        route="collateral_adapter",
    )
    RedemptionAllocation.objects.create(
        redemption=merge, position=position, strategy=position.strategy, shares=position.size
    )
    _gap_to(live_venue, 0.10)
    assert stops_cycle() == []  # the merge owns the shares until it is booked
    Redemption.objects.filter(pk=merge.pk).update(state="confirmed")
    assert [e.purpose for e in stops_cycle()] == [OrderPurpose.STOP_LOSS]
