"""The stop monitor's marks, peaks and exits against the sandbox venue, at their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.executor import order_submit
from execution.models import Position
from execution.stops import stops_cycle
from execution.sync import fills_sync
from execution.venue.session import get_venue
from ltproject.domain import OrderType
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent

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
