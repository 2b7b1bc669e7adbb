"""A market's resolution and a decision exiting a position in it, at once, on PostgreSQL.

The decision locks the strategy's `lt_risk_state` row first, then inserts an exit order that
names the position and the market (key-share locks on both rows). Settling the position at
resolution updates the same risk state (`risk_position_closed`): had the resolution locked the
market and the position first, each transaction would wait for the other and PostgreSQL would
end one of them with a deadlock error.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import transaction

from execution.models import Order, OrderPurpose, OrderStatus, PositionStatus
from ltproject.domain import Side, TradingMode
from redemption.models import RedemptionRoute
from redemption.resolution import Resolution, Route, market_resolution_record
from risk.models import RiskState
from tests.execution.test_fill_lock_order import WAIT_S, _backend_pid, _in_thread, _waits_on_a_lock
from tests.factories import (
    MarketFactory,
    MarketTokenFactory,
    OrderFactory,
    PositionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_a_resolution_and_a_decision_exiting_the_position_do_not_deadlock() -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER)
    market = MarketFactory()
    yes = MarketTokenFactory(market=market, outcome="Yes", outcome_index=0)
    MarketTokenFactory(market=market, outcome="No", outcome_index=1)
    position = PositionFactory(
        strategy=strategy, market=market, token_id=yes.token_id, mode=TradingMode.PAPER,
        size=D(10), avg_cost=D("0.4"), cost_basis=D(4),
    )  # fmt: skip
    RiskState.objects.get_or_create(strategy=strategy)
    decision_locked, resolution_waiting = threading.Event(), threading.Event()
    resolution_pid: list[int] = []
    errors: list[BaseException] = []

    def decision() -> None:
        with transaction.atomic():  # the decision path's order: risk state, then its rows
            RiskState.objects.select_for_update(no_key=True).get(strategy=strategy)
            decision_locked.set()
            assert resolution_waiting.wait(WAIT_S), "the resolution never waited on a lock"
            OrderFactory(
                strategy=strategy, market=market, token_id=yes.token_id, mode=TradingMode.PAPER,
                side=Side.SELL, purpose=OrderPurpose.EXIT_SIGNAL, position=position,
                price=D("0.44"), size=D(10), notional=D("4.4"), status=OrderStatus.INTENT,
            )  # fmt: skip

    def resolution() -> None:
        resolution_pid.append(_backend_pid())
        lost = Resolution(numerators=[0, 1], denominator=1)
        market_resolution_record(
            market_id=market.pk, resolution=lost, route=Route(RedemptionRoute.NONE, "")
        )

    deciding = _in_thread(decision, errors)
    assert decision_locked.wait(WAIT_S)
    resolving = _in_thread(resolution, errors)
    deadline = time.monotonic() + WAIT_S
    while not (resolution_pid and _waits_on_a_lock(resolution_pid[0])):
        assert time.monotonic() < deadline and resolving.is_alive(), errors
        time.sleep(0.05)
    resolution_waiting.set()  # the decision writes its exit order now
    deciding.join(WAIT_S * 2)
    resolving.join(WAIT_S * 2)

    assert errors == []
    position.refresh_from_db()
    assert (position.status, position.size) == (PositionStatus.RESOLVED_LOST, D(0))
    assert RiskState.objects.get(strategy=strategy).consecutive_losses == 1
    assert Order.objects.filter(position=position, purpose=OrderPurpose.EXIT_SIGNAL).count() == 1
