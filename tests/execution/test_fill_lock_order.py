"""A fill that closes a position and a decision of the same strategy, at once, on PostgreSQL.

A decision locks the strategy's `lt_risk_state` row first (FOR NO KEY UPDATE), then writes
its rows: an exit order names the position it closes, so its insert takes a key-share lock on
that `lt_positions` row. A fill that closes the position updates the same risk state
(`risk_position_closed`). If the fill took the order and position rows before the risk state,
each transaction would wait for the other: PostgreSQL ends one of them with a deadlock error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from execution.fills import OwnFill, fill_record
from execution.models import Order, OrderPurpose, OrderStatus, Position, PositionStatus
from ltproject.domain import Side, TradingMode
from risk.models import RiskState
from tests.factories import OrderFactory, PositionFactory, StrategyFactory

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
WAIT_S = 20.0


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def _waits_on_a_lock(pid: int) -> bool:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=settings["NAME"], autocommit=True,
    ) as watcher:  # fmt: skip
        row = watcher.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
    return row is not None and row[0] == "Lock"


def _in_thread(work: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except (AssertionError, DatabaseError) as error:  # reported by the test, not lost
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_closing_fill_and_a_decision_exiting_the_position_do_not_deadlock() -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    position = PositionFactory(
        strategy=strategy, mode=TradingMode.LIVE, size=D("10"), avg_cost=D("0.5"),
        cost_basis=D("5"),
    )  # fmt: skip
    exit_order = OrderFactory(
        strategy=strategy, token_id=position.token_id, mode=TradingMode.LIVE, side=Side.SELL,
        purpose=OrderPurpose.STOP_LOSS, position=position, price=D("0.45"), size=D("10"),
        notional=D("4.5"), status=OrderStatus.LIVE, venue_order_id="0xexit",
    )  # fmt: skip
    closing_fill = OwnFill(
        order_id=exit_order.pk,
        venue_trade_id="trade-close",
        status="MATCHED",
        side=Side.SELL,
        trader_side="TAKER",
        size=D("10"),
        price=D("0.45"),
        match_time=timezone.now(),
    )
    decision_locked, fill_waiting = threading.Event(), threading.Event()
    fill_pid: list[int] = []
    errors: list[BaseException] = []

    def decision() -> None:
        # The decision path's order: the strategy's risk state, then the rows it writes.
        with transaction.atomic():
            RiskState.objects.select_for_update(no_key=True).get(strategy=strategy)
            decision_locked.set()
            assert fill_waiting.wait(WAIT_S), "the fill never waited on a lock"
            OrderFactory(
                strategy=strategy, token_id=position.token_id, mode=TradingMode.LIVE,
                side=Side.SELL, purpose=OrderPurpose.EXIT_SIGNAL, position=position,
                price=D("0.44"), size=D("10"), notional=D("4.4"), status=OrderStatus.INTENT,
            )  # fmt: skip

    def fill() -> None:
        fill_pid.append(_backend_pid())
        fill_record(closing_fill)

    deciding = _in_thread(decision, errors)
    assert decision_locked.wait(WAIT_S)
    filling = _in_thread(fill, errors)
    deadline = time.monotonic() + WAIT_S
    while not (fill_pid and _waits_on_a_lock(fill_pid[0])):
        assert time.monotonic() < deadline and filling.is_alive(), errors
        time.sleep(0.05)
    fill_waiting.set()  # the fill waits for the risk state: the decision writes its order now
    deciding.join(WAIT_S * 2)
    filling.join(WAIT_S * 2)

    assert errors == []
    position.refresh_from_db()
    assert (position.status, position.size) == (PositionStatus.CLOSED, D(0))
    state = RiskState.objects.get(strategy=strategy)
    assert state.realised_pnl == D("-0.5")
    assert state.consecutive_losses == 1
    assert Order.objects.filter(position=position, purpose=OrderPurpose.EXIT_SIGNAL).count() == 1
    assert Position.objects.filter(strategy=strategy, status=PositionStatus.OPEN).count() == 0
