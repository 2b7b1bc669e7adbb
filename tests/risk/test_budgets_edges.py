"""Budget movements at their edges: the smallest amounts move, a row's updated_at is the time
money last moved in it, and a movement locks its windows daily, weekly, then monthly (the
order every writer of `lt_budget_windows` follows, so that a fill and a decision of the same
strategy never wait for each other)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
import time_machine
from django.db import DatabaseError, connection

from risk.budgets import budget_release, budget_spend
from risk.models import BudgetPeriod, BudgetReservation, BudgetWindow
from tests.risk.helpers import decide, market_pair, strategy_with

D = Decimal
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday: month, week, day start apart
MINUTE = timedelta(minutes=1)
WAIT_S = 20.0


def _order(books, **rules):
    strategy = strategy_with(**rules)
    _, yes, _ = market_pair(books)
    order = decide(strategy, yes, books).order  # 10.00 pUSD reserved
    assert order is not None
    return strategy, order


def _windows(strategy) -> dict[str, tuple[Decimal, Decimal]]:
    rows = BudgetWindow.objects.filter(strategy=strategy)
    return {w.period: (w.reserved, w.spent) for w in rows}


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [D("0.000001"), D("1")])
def test_the_smallest_amounts_and_one_pusd_move_like_any_other(books, amount) -> None:
    strategy, order = _order(books, budget_daily=D(100))
    assert budget_spend(order=order, amount=amount) == amount
    assert _windows(strategy) == {"daily": (D(10) - amount, amount)}
    assert budget_release(order=order, amount=amount) == amount
    assert _windows(strategy) == {"daily": (D(10) - 2 * amount, amount)}


@pytest.mark.django_db
def test_a_budget_rows_updated_at_is_when_money_last_moved_in_it(books) -> None:
    with time_machine.travel(NOON, tick=False):
        strategy, order = _order(books, budget_daily=D(100))
    with time_machine.travel(NOON + MINUTE, tick=False):
        assert budget_spend(order=order, amount=D(10)) == D(10)
    with time_machine.travel(NOON + 2 * MINUTE, tick=False):
        assert budget_release(order=order) == 0  # nothing held any more: nothing moves
    reservation = BudgetReservation.objects.get(order=order)
    window = BudgetWindow.objects.get(strategy=strategy)
    assert (reservation.spent, window.spent) == (D(10), D(10))
    assert reservation.updated_at == window.updated_at == NOON + MINUTE


def _connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=settings["NAME"],
    )  # fmt: skip


@pytest.fixture
def blocker() -> Iterator[psycopg.Connection]:
    with _connect() as conn:
        yield conn
        conn.rollback()


def _lockable(window_id: int) -> bool:
    """Whether another transaction could lock the window now (without waiting)."""
    with _connect() as probe:
        try:
            probe.execute(
                "SELECT id FROM lt_budget_windows WHERE id = %s FOR UPDATE NOWAIT", [window_id]
            )
        except psycopg.errors.LockNotAvailable:
            return False
        finally:
            probe.rollback()
    return True


def _waits_on_a_lock(pid: int) -> bool:
    with _connect() as watcher:
        row = watcher.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.django_db(transaction=True)
def test_a_fills_spend_locks_its_windows_daily_then_weekly_then_monthly(
    books, blocker: psycopg.Connection
) -> None:
    with time_machine.travel(NOON, tick=False):
        strategy, order = _order(
            books, budget_daily=D(100), budget_weekly=D(500), budget_monthly=D(1000)
        )
    ids = dict(BudgetWindow.objects.filter(strategy=strategy).values_list("period", "pk"))
    daily, weekly, monthly = (ids[p] for p in (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY,
                                               BudgetPeriod.MONTHLY))  # fmt: skip
    blocker.execute("SELECT id FROM lt_budget_windows WHERE id = %s FOR UPDATE", [weekly])
    pid: list[int] = []
    errors: list[BaseException] = []

    def spend() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            budget_spend(order=order, amount=D(4))
        except (AssertionError, DatabaseError) as error:
            errors.append(error)
        finally:
            connection.close()

    spending = threading.Thread(target=spend)
    spending.start()
    deadline = time.monotonic() + WAIT_S
    while not (pid and _waits_on_a_lock(pid[0])):
        assert time.monotonic() < deadline and spending.is_alive(), errors
        time.sleep(0.05)
    # Held up at the weekly window: it holds the daily one already, not the monthly one yet.
    assert not _lockable(daily)
    assert _lockable(monthly)
    blocker.rollback()
    spending.join(WAIT_S * 2)
    assert errors == []
    assert _windows(strategy) == {
        "daily": (D(6), D(4)),
        "weekly": (D(6), D(4)),
        "monthly": (D(6), D(4)),
    }
