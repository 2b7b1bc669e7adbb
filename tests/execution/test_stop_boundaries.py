"""The stop monitor's marks, peaks and exits against the sandbox venue, at their edges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from execution.executor import order_submit
from execution.models import Order, OrderPurpose, OrderStatus, Position, PositionStatus
from execution.stops import exit_send, stops_cycle
from execution.sync import fills_sync
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side
from redemption.models import Redemption, RedemptionAllocation, RedemptionKind
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent
from tests.factories import OrderFactory, PositionFactory

pytestmark = pytest.mark.django_db
D = Decimal
MARKET = "btc-above-150k-2026"


def _filled_position(sandbox: SandboxHandle, size: Decimal = Decimal(20)) -> Position:
    token = sandbox.market(MARKET).yes.token_id
    ask = get_venue().book(token).best_ask
    order = live_intent(sandbox, order_type=OrderType.FAK, price=ask, size=size)
    order_submit(order_id=order.pk)
    fills_sync()
    return Position.objects.get(strategy=order.strategy, token_id=token)


def _move_to(sandbox: SandboxHandle, price: float) -> None:
    market = sandbox.market(MARKET)
    sandbox.venue.crowd.fair[market.condition_id] = price
    sandbox.step(1)


def test_a_cycle_marks_at_the_mid_and_the_peak_only_rises(live_venue: SandboxHandle) -> None:
    position = _filled_position(live_venue)
    assert stops_cycle() == []  # no exit rule: marks only
    position.refresh_from_db()
    first = get_venue().book(position.token_id).mid
    assert first is not None and position.mark_price == first and position.peak_price == first
    assert position.marked_at is not None

    _move_to(live_venue, 0.10)
    assert stops_cycle() == []
    position.refresh_from_db()
    lower = get_venue().book(position.token_id).mid
    assert lower is not None and lower < first
    assert (position.mark_price, position.peak_price) == (lower, first)  # the peak stays

    _move_to(live_venue, 0.80)
    assert stops_cycle() == []
    position.refresh_from_db()
    higher = get_venue().book(position.token_id).mid
    assert higher is not None and higher > first
    assert (position.mark_price, position.peak_price) == (higher, higher)


def test_only_open_positions_holding_shares_are_marked(live_venue: SandboxHandle) -> None:
    held = _filled_position(live_venue)
    common = {"market": held.market, "token_id": held.token_id, "mode": held.mode}
    closed = PositionFactory(status=PositionStatus.CLOSED, size=D(10), **common)
    empty = PositionFactory(size=D(0), cost_basis=D(0), **common)
    dust = PositionFactory(size=D("0.5"), cost_basis=D("0.25"), **common)
    assert stops_cycle() == []
    for position in (closed, empty, dust):
        position.refresh_from_db()
    assert closed.mark_price is None and empty.mark_price is None
    assert dust.mark_price == get_venue().book(held.token_id).mid  # under one share: marked


def _rules(position: Position, **pct: int) -> None:
    rules = position.strategy.risk_rules
    for name, value in pct.items():
        setattr(rules, name, D(value))
    rules.save()


def test_a_trailing_stop_exits_from_the_peak_the_cycle_recorded(
    live_venue: SandboxHandle, django_capture_on_commit_callbacks: Any
) -> None:
    position = _filled_position(live_venue)
    _rules(position, trailing_stop_pct=20)
    _move_to(live_venue, 0.80)
    assert stops_cycle() == []  # a new peak, well above the cost
    _move_to(live_venue, 0.40)
    with django_capture_on_commit_callbacks(execute=False):
        (exit_order,) = stops_cycle()
    assert exit_order.purpose == OrderPurpose.TRAILING_STOP


def test_exit_send_creates_the_exit_and_sends_it_once_committed(
    live_venue: SandboxHandle, django_capture_on_commit_callbacks: Any
) -> None:
    position = _filled_position(live_venue)
    _rules(position, stop_loss_pct=1)  # any bid under the cost
    _move_to(live_venue, 0.10)
    position.refresh_from_db()
    book = get_venue().book(position.token_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        exit_order = exit_send(position, book)
    assert exit_order is not None and exit_order.status == OrderStatus.INTENT
    assert (exit_order.purpose, exit_order.price) == (OrderPurpose.STOP_LOSS, book.best_bid)
    assert len(callbacks) == 1
    callbacks[0]()  # the dispatch, as the commit runs it
    exit_order.refresh_from_db()
    assert exit_order.status != OrderStatus.INTENT  # sent to the venue
    assert exit_send(position, book) is None  # one exit in flight: no second


def _merge(position: Position, state: str, kind: str = RedemptionKind.MERGE) -> None:
    merge = Redemption.objects.create(
        kind=kind,
        wallet_address="0x" + "1" * 40,
        condition_id="0x" + "2" * 64,
        route="collateral_adapter",
        state=state,
    )
    RedemptionAllocation.objects.create(
        redemption=merge, position=position, strategy=position.strategy, shares=position.size
    )


@pytest.mark.parametrize(("state", "held"), [("pending", True), ("submitted", True),
                                             ("confirmed", False), ("failed", False)])  # fmt: skip
def test_a_merge_holds_the_stop_until_it_is_done(
    live_venue: SandboxHandle, state: str, held: bool
) -> None:
    position = _filled_position(live_venue)
    _rules(position, stop_loss_pct=1)  # any bid under the cost
    _merge(position, state)
    _move_to(live_venue, 0.10)
    exits = stops_cycle()
    assert (exits == []) is held


def _exit_order(position: Position, **fields: Any) -> Order:
    defaults: dict[str, Any] = {
        "strategy": position.strategy,
        "position": position,
        "market": position.market,
        "token_id": position.token_id,
        "mode": position.mode,
        "side": Side.SELL,
        "order_type": OrderType.FAK,
        "purpose": OrderPurpose.STOP_LOSS,
        "price": D("0.10"),
        "size": D(5),
        "notional": D("0.5"),
    }
    return OrderFactory(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("earlier", "blocks"),
    [
        ({"status": OrderStatus.LIVE}, True),
        ({"status": OrderStatus.MATCHED, "size_matched": D(0)}, True),  # not booked yet
        ({"status": OrderStatus.MATCHED, "size_matched": D(5)}, False),  # booked
        ({"status": OrderStatus.CANCELLED, "size_matched": D(0)}, False),
        ({"status": OrderStatus.LIVE, "side": Side.BUY}, False),  # not an exit
        ({"status": OrderStatus.LIVE, "elsewhere": True}, False),  # another position's
    ],
)
def test_which_earlier_orders_hold_back_a_second_exit(
    live_venue: SandboxHandle, earlier: dict[str, Any], blocks: bool
) -> None:
    position = _filled_position(live_venue)
    _rules(position, stop_loss_pct=1)  # any bid under the cost
    fields = dict(earlier)  # the parameters are shared by every run of the test
    if fields.pop("elsewhere", False):
        other = PositionFactory(market=position.market, token_id=position.token_id,
                                mode=position.mode)  # fmt: skip
        _exit_order(other, **fields)
    else:
        _exit_order(position, **fields)
    _move_to(live_venue, 0.10)
    assert (stops_cycle() == []) is blocks


def test_a_cycle_keeps_the_markets_tick_in_step_with_the_venue(live_venue: SandboxHandle) -> None:
    from execution.models import Market

    position = _filled_position(live_venue)
    venue_tick = get_venue().book(position.token_id).tick_size
    assert venue_tick is not None and position.market_id is not None
    Market.objects.filter(pk=position.market_id).update(tick_size=venue_tick / 10)
    stops_cycle()
    market = Market.objects.get(pk=position.market_id)
    assert market.tick_size == venue_tick


def test_a_pending_redeem_does_not_hold_the_stop(live_venue: SandboxHandle) -> None:
    position = _filled_position(live_venue)
    _rules(position, stop_loss_pct=1)  # any bid under the cost
    _merge(position, "pending", kind=RedemptionKind.REDEEM)
    _move_to(live_venue, 0.10)
    assert [e.purpose for e in stops_cycle()] == [OrderPurpose.STOP_LOSS]
