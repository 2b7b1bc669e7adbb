"""The stream processor on the venue's documented message shapes: trades booked once whichever
of the stream and the poll sees them first, books kept from snapshots and deltas, a stop
crossed by a price change exits at once (and once), a tick change recorded."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from execution.fills import fills_record, own_fills
from execution.models import Fill, Market, Order, OrderPurpose, Position, StreamStatus
from execution.stream import StreamProcessor
from execution.venue.adapter import _venue_trade
from execution.venue.messages import messages_parse
from ltproject.domain import OrderType, Side, TradingMode
from tests.factories import MarketFactory, MarketTokenFactory, OrderFactory, StrategyFactory
from tests.venue import recorded as r

pytestmark = pytest.mark.django_db
D = Decimal
TOKEN = "1234567890"


def _trade_frame() -> dict[str, Any]:
    trade: dict[str, Any] = copy.deepcopy(r.WS_USER_TRADE_WIRE)
    trade["asset_id"] = trade["maker_orders"][0]["asset_id"] = TOKEN
    return trade


def _book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> dict[str, Any]:
    frame = copy.deepcopy(r.WS_MARKET_BOOK_WIRE)
    frame["asset_id"] = TOKEN
    frame["bids"] = [{"price": p, "size": s} for p, s in bids]
    frame["asks"] = [{"price": p, "size": s} for p, s in asks]
    return frame


def _price_change(price: str, size: str, side: str) -> dict[str, Any]:
    frame = copy.deepcopy(r.WS_MARKET_PRICE_CHANGE_WIRE)
    frame["price_changes"] = [
        {"asset_id": TOKEN, "price": price, "size": size, "side": side, "hash": "h",
         "best_bid": "", "best_ask": ""}
    ]  # fmt: skip
    return frame


@pytest.fixture
def held() -> Position:
    """A live position of 20 at 0.50 with a 10 % stop-loss (stop at 0.45)."""
    market = MarketFactory()
    MarketTokenFactory(market=market, token_id=TOKEN)
    strategy = StrategyFactory(mode=TradingMode.LIVE, risk_rules__stop_loss_pct=D(10))
    return Position.objects.create(
        strategy=strategy, market=market, token_id=TOKEN, mode=TradingMode.LIVE,
        size=D(20), avg_cost=D("0.5"), cost_basis=D(10),
    )  # fmt: skip


def test_a_trade_message_and_a_later_poll_of_it_book_one_fill() -> None:
    frame = _trade_frame()
    market = MarketFactory()
    MarketTokenFactory(market=market, token_id=TOKEN)
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    order = OrderFactory(
        strategy=strategy, market=market, token_id=TOKEN, side=Side.BUY, mode="live",
        status="live", price=D("0.52"), size=D(10), notional=D("5.2"),
        venue_order_id=frame["taker_order_id"],
    )  # fmt: skip
    processor = StreamProcessor()
    processor.handle(messages_parse(frame))
    assert Fill.objects.filter(order=order).count() == 1 and processor.stats.fills == 1
    processor.handle(messages_parse(frame))  # the same message again
    assert fills_record(own_fills(_venue_trade(frame), {order.venue_order_id: order.pk})) == 0
    assert Fill.objects.filter(order=order).count() == 1
    assert Position.objects.get(strategy=strategy).size == D(10)


def test_a_price_change_through_the_stop_sends_one_exit(
    held: Position, django_capture_on_commit_callbacks: Any
) -> None:
    processor = StreamProcessor()
    assert processor.holdings_reload() == {TOKEN}
    processor.handle(messages_parse(_book([("0.47", "100"), ("0.46", "50")], [("0.52", "80")])))
    assert not Order.objects.filter(position=held).exists()  # 0.47 is above the 0.45 stop
    with django_capture_on_commit_callbacks() as callbacks:
        processor.handle(messages_parse(_price_change("0.47", "0", "BUY")))  # 0.46 left
        processor.handle(messages_parse(_price_change("0.46", "0", "BUY")))  # nothing left
        processor.handle(messages_parse(_price_change("0.45", "30", "BUY")))  # at the stop
        processor.handle(messages_parse(_price_change("0.44", "30", "BUY")))  # still below
    (exit_order,) = Order.objects.filter(position=held)
    assert exit_order.purpose == OrderPurpose.STOP_LOSS
    assert (exit_order.side, exit_order.order_type, exit_order.price) == (
        Side.SELL, OrderType.FAK, D("0.45"),
    )  # fmt: skip
    assert exit_order.size == D(20) and len(callbacks) == 1  # sent once, after the commit
    assert processor.stats.exits == 1


def test_the_stop_exactly_at_the_threshold_and_one_tick_above(held: Position) -> None:
    processor = StreamProcessor()
    processor.holdings_reload()
    processor.handle(messages_parse(_book([("0.46", "100")], [("0.52", "80")])))
    assert not Order.objects.filter(position=held).exists()
    processor.handle(messages_parse(_price_change("0.46", "0", "BUY")))  # empty bids: no price
    processor.handle(messages_parse(_price_change("0.45", "10", "BUY")))
    assert Order.objects.filter(position=held, purpose=OrderPurpose.STOP_LOSS).count() == 1


def test_deltas_before_a_snapshot_wait_for_it(held: Position) -> None:
    processor = StreamProcessor()
    processor.holdings_reload()
    processor.handle(messages_parse(_price_change("0.10", "5", "BUY")))
    assert TOKEN not in processor.books and not Order.objects.filter(position=held).exists()


def test_a_tick_size_change_message_is_recorded_on_the_market(held: Position) -> None:
    frame = copy.deepcopy(r.WS_MARKET_TICK_SIZE_CHANGE_WIRE) | {"asset_id": TOKEN}
    processor = StreamProcessor()
    processor.handle(messages_parse(frame))
    assert Market.objects.get(positions=held).tick_size == D("0.001")
    assert processor.stats.tick_changes == 1


def test_the_fill_poll_slows_to_five_minutes_while_the_stream_is_current(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from execution import tasks

    polls: list[int] = []

    def poll() -> int:
        polls.append(1)
        return 0

    monkeypatch.setattr(tasks, "_trading_at_venue", lambda: True)
    monkeypatch.setattr(tasks, "fills_sync", poll)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        tasks.sync_fills()  # no stream: every minute
        clock.shift(timedelta(minutes=1))
        tasks.sync_fills()
        assert len(polls) == 2
        clock.shift(timedelta(minutes=1))
        StreamStatus.objects.create(channel="user", connected=True, updated_at=timezone.now())
        tasks.sync_fills()  # the stream is current: the last poll was a minute ago
        assert len(polls) == 2
        clock.shift(timedelta(minutes=4))  # exactly 5 minutes since the last poll
        StreamStatus.objects.filter(channel="user").update(updated_at=timezone.now())
        tasks.sync_fills()
        assert len(polls) == 3
        clock.shift(timedelta(seconds=31))  # the stream's row 31 s old: down, poll again
        tasks.sync_fills()
        assert len(polls) == 4


def test_a_held_tokens_mid_is_recorded_and_its_spread_fed_to_the_holders_breaker(
    held: Position,
) -> None:
    from execution.models import MidPrice
    from risk.models import Breaker, BreakerKind, RiskRules

    RiskRules.objects.filter(strategy=held.strategy).update(breaker_max_spread=D("0.04"))
    processor = StreamProcessor()
    processor.holdings_reload()
    # A spread of exactly 0.04: recorded, and at the limit the breaker stays closed.
    processor.handle(messages_parse(_book([("0.48", "100")], [("0.52", "80")])))
    assert MidPrice.objects.get(token_id=TOKEN).mid == D("0.5")
    assert not Breaker.objects.filter(
        strategy=held.strategy, kind=BreakerKind.SPREAD, state=Breaker.State.OPEN
    ).exists()
    processor._observed.clear()  # the next observation is due (every 10 s otherwise)
    # One unit past it: 0.0401 trips it.
    processor.handle(messages_parse(_book([("0.4799", "100")], [("0.52", "80")])))
    breaker = Breaker.objects.get(strategy=held.strategy, kind=BreakerKind.SPREAD)
    assert breaker.state == Breaker.State.OPEN and breaker.last_value == D("0.0401")
