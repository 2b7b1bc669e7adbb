"""Budgets: reserve at acceptance, spend at fill, release when unfilled, reset by the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from risk.budgets import budget_refund, budget_release, budget_spend, window_starts
from risk.engine import risk_decide
from risk.models import BudgetPeriod, BudgetReservation, BudgetWindow
from risk.reasons import ReasonCode
from risk.selectors import global_risk_state, strategy_risk_state
from tests.factories import BudgetWindowFactory
from tests.risk.helpers import decide, market_pair, signal_for, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
LIMIT_FIELD = {
    BudgetPeriod.DAILY: "budget_daily",
    BudgetPeriod.WEEKLY: "budget_weekly",
    BudgetPeriod.MONTHLY: "budget_monthly",
}


def _used(strategy, period: BudgetPeriod, amount: Decimal, at: datetime = NOON) -> None:
    start = window_starts(tz="UTC", at=at)[period]
    BudgetWindowFactory(strategy=strategy, period=period, window_start=start, limit=D(100),
                        reserved=amount)  # fmt: skip


@pytest.mark.parametrize("period", list(BudgetPeriod))
@time_machine.travel(NOON, tick=False)
def test_accepts_an_order_that_fills_the_budget_exactly(books, period) -> None:
    strategy = strategy_with(**{"budget_daily": None, LIMIT_FIELD[period]: D(100)})
    _, yes, _ = market_pair(books)
    _used(strategy, period, D("90.00"))
    assert decide(strategy, yes, books).accepted
    window = BudgetWindow.objects.get(strategy=strategy, period=period)
    assert window.reserved == D("100.00")


@pytest.mark.parametrize("period", list(BudgetPeriod))
@time_machine.travel(NOON, tick=False)
def test_rejects_an_order_one_cent_over_the_budget(books, period) -> None:
    strategy = strategy_with(**{"budget_daily": None, LIMIT_FIELD[period]: D(100)})
    _, yes, _ = market_pair(books)
    _used(strategy, period, D("90.01"))
    result = decide(strategy, yes, books)
    assert not result.accepted
    assert (
        result.decision.reason_code
        == {
            BudgetPeriod.DAILY: ReasonCode.BUDGET_DAILY_EXCEEDED,
            BudgetPeriod.WEEKLY: ReasonCode.BUDGET_WEEKLY_EXCEEDED,
            BudgetPeriod.MONTHLY: ReasonCode.BUDGET_MONTHLY_EXCEEDED,
        }[period]
    )
    assert BudgetWindow.objects.get(strategy=strategy, period=period).reserved == D("90.01")


@time_machine.travel(NOON, tick=False)
def test_a_monthly_refusal_leaves_the_daily_and_weekly_windows_untouched(books) -> None:
    strategy = strategy_with(budget_daily=D(100), budget_weekly=D(100), budget_monthly=D(100))
    _, yes, _ = market_pair(books)
    _used(strategy, BudgetPeriod.MONTHLY, D(95))
    result = decide(strategy, yes, books)
    assert result.decision.reason_code == ReasonCode.BUDGET_MONTHLY_EXCEEDED
    for period in (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY):  # held nothing, opened nothing
        assert not BudgetWindow.objects.filter(strategy=strategy, period=period).exists()
    assert not BudgetReservation.objects.exists()


def test_daily_budget_resets_at_midnight_in_the_strategy_time_zone(books) -> None:
    strategy = strategy_with(budget_daily=D(10), budget_timezone="America/New_York")
    _, yes, _ = market_pair(books)
    # 23:59 in New York is 04:59 UTC the next day.
    with time_machine.travel(datetime(2026, 11, 27, 4, 59, tzinfo=UTC), tick=False):
        assert decide(strategy, yes, books).accepted
        assert not decide(strategy, yes, books).accepted
    with time_machine.travel(datetime(2026, 11, 27, 5, 0, tzinfo=UTC), tick=False):
        assert decide(strategy, yes, books).accepted
    starts = set(
        BudgetWindow.objects.filter(strategy=strategy, period=BudgetPeriod.DAILY).values_list(
            "window_start", flat=True
        )
    )
    assert starts == {date(2026, 11, 26), date(2026, 11, 27)}


@pytest.mark.parametrize(
    ("period", "last_moment", "next_start"),
    [
        (BudgetPeriod.WEEKLY, datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC), date(2026, 11, 30)),
        (BudgetPeriod.MONTHLY, datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), date(2026, 12, 1)),
    ],
)
def test_weekly_and_monthly_budgets_reset_on_the_calendar_boundary(
    books, period, last_moment, next_start
) -> None:
    strategy = strategy_with(**{"budget_daily": None, LIMIT_FIELD[period]: D(10)})
    _, yes, _ = market_pair(books)
    with time_machine.travel(last_moment, tick=False):
        assert decide(strategy, yes, books).accepted
        assert not decide(strategy, yes, books).accepted
    with time_machine.travel(next_start, tick=False):
        assert decide(strategy, yes, books).accepted
    assert BudgetWindow.objects.filter(strategy=strategy, period=period).count() == 2


def test_window_starts_follow_iso_weeks_and_months() -> None:
    starts = window_starts(tz="UTC", at=datetime(2027, 1, 1, 8, tzinfo=UTC))  # a Friday
    assert starts == {
        BudgetPeriod.DAILY: date(2027, 1, 1),
        BudgetPeriod.WEEKLY: date(2026, 12, 28),
        BudgetPeriod.MONTHLY: date(2027, 1, 1),
    }


def _accepted_order(books, **rules):
    strategy = strategy_with(budget_weekly=D(500), **rules)
    _, yes, _ = market_pair(books)
    order = decide(strategy, yes, books).order
    assert order is not None
    return strategy, order


def _amounts(strategy) -> set[tuple[str, Decimal, Decimal]]:
    return {
        (w.period, w.reserved, w.spent)
        for w in BudgetWindow.objects.filter(strategy=strategy, limit__isnull=False)
    }


def test_a_fill_turns_reservation_into_spend_in_every_window(books) -> None:
    strategy, order = _accepted_order(books)
    assert budget_spend(order=order, amount=D("4.00")) == D("4.00")
    assert _amounts(strategy) == {("daily", D(6), D(4)), ("weekly", D(6), D(4))}
    reservation = BudgetReservation.objects.filter(order=order).order_by("pk")[0]
    assert (reservation.reserved, reservation.spent) == (D(6), D(4))


def test_release_returns_what_a_partly_filled_order_did_not_use(books) -> None:
    strategy, order = _accepted_order(books)
    budget_spend(order=order, amount=D("4.00"))
    assert budget_release(order=order) == D("6.00")
    assert _amounts(strategy) == {("daily", D(0), D(4)), ("weekly", D(0), D(4))}
    assert budget_release(order=order) == 0  # twice is harmless


def test_release_of_part_of_a_reservation(books) -> None:
    strategy, order = _accepted_order(books)
    budget_release(order=order, amount=D("2.50"))
    assert _amounts(strategy) == {("daily", D("7.5"), D(0)), ("weekly", D("7.5"), D(0))}


def test_spend_beyond_the_reservation_is_capped_and_never_breaks_the_budget(books) -> None:
    strategy, order = _accepted_order(books)
    assert budget_spend(order=order, amount=D("12.00")) == D("10.00")
    assert _amounts(strategy) == {("daily", D(0), D(10)), ("weekly", D(0), D(10))}


def test_a_voided_fill_gives_its_spend_back(books) -> None:
    strategy, order = _accepted_order(books)
    budget_spend(order=order, amount=D("10.00"))
    assert budget_refund(order=order, amount=D("3.00")) == D("3.00")
    assert _amounts(strategy) == {("daily", D(0), D(7)), ("weekly", D(0), D(7))}


def test_the_database_refuses_an_overspend_from_code_that_skips_the_service(books) -> None:
    strategy, _ = _accepted_order(books)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lt_budget_windows SET reserved = reserved + 90.01 WHERE strategy_id = %s",
            [strategy.pk],
        )


# --- the hold written with the decision (PostgreSQL) ----------------------------------------


def _decided_with_queries(strategy, token, books):
    """The decision of one stored signal, and the queries the decision itself sent."""
    from django.test.utils import CaptureQueriesContext

    strategy.refresh_from_db()
    strategy.risk_rules.refresh_from_db()
    signal = signal_for(strategy, token)
    global_risk_state(), strategy_risk_state(strategy=strategy)  # made on first use
    with CaptureQueriesContext(connection) as captured:
        result = risk_decide(signal=signal, market_data=books)
    # Not counted: a connection's one-time set-up (its prepared statements, the sequences).
    setup = ("PREPARE ", "SELECT name FROM pg_prepared_statements", "SELECT pg_get_serial")
    return result, [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(setup)]


@time_machine.travel(NOON, tick=False)
def test_an_accepted_order_holds_its_budget_in_the_round_trip_that_writes_it(books) -> None:
    strategy = strategy_with(budget_daily=D(100), budget_weekly=D(500))
    _, yes, _ = market_pair(books)
    decide(strategy, yes, books)  # opens this period's windows
    decide(strategy, yes, books)
    result, queries = _decided_with_queries(strategy, yes, books)
    assert result.accepted
    assert len(queries) == 2  # the snapshot, then the rows with the hold: no round trip of its own
    windows = {w.period: w for w in BudgetWindow.objects.filter(strategy=strategy)}
    notional = result.order.notional
    assert windows[BudgetPeriod.DAILY].reserved == windows[BudgetPeriod.WEEKLY].reserved
    assert windows[BudgetPeriod.DAILY].reserved == 3 * notional
    held = BudgetReservation.objects.filter(order=result.order)
    assert sorted(r.window.period for r in held) == [BudgetPeriod.DAILY, BudgetPeriod.WEEKLY]
    assert all(r.reserved == notional for r in held)
    assert result.decision.checks["budget"] == {"reserved": str(notional), "windows": 2}


@time_machine.travel(NOON, tick=False)
def test_the_first_order_of_a_period_opens_its_windows_and_holds_in_them(books) -> None:
    strategy = strategy_with(budget_daily=D(100), budget_monthly=D(1000))
    _, yes, _ = market_pair(books)
    assert not BudgetWindow.objects.filter(strategy=strategy).exists()
    result = decide(strategy, yes, books)
    assert result.order is not None
    reservations = BudgetReservation.objects.filter(order=result.order)
    held = {r.window.period: r.reserved for r in reservations}
    notional = result.order.notional
    assert held == {BudgetPeriod.DAILY: notional, BudgetPeriod.MONTHLY: notional}
    opened = BudgetWindow.objects.filter(strategy=strategy)
    assert {(w.period, w.limit) for w in opened} == {
        (BudgetPeriod.DAILY, D(100)),
        (BudgetPeriod.MONTHLY, D(1000)),
    }


@time_machine.travel(NOON, tick=False)
def test_a_refusal_is_decided_from_the_snapshot_and_holds_nothing(books) -> None:
    strategy = strategy_with(budget_daily=D(100))
    _, yes, _ = market_pair(books)
    _used(strategy, BudgetPeriod.DAILY, D("95"))
    refused, queries = _decided_with_queries(strategy, yes, books)
    assert refused.decision.reason_code == ReasonCode.BUDGET_DAILY_EXCEEDED
    assert len(queries) == 2  # the snapshot, then the decision's row: nothing held
    noted = refused.decision.checks["budget"]
    assert noted["period"] == "daily"
    assert [D(noted[k]) for k in ("limit", "used", "amount")] == [D(100), D(95), D(10)]
    window = BudgetWindow.objects.get(strategy=strategy, period=BudgetPeriod.DAILY)
    assert window.reserved == D("95") and not BudgetReservation.objects.exists()

    BudgetWindow.objects.filter(pk=window.pk).update(reserved=D("0"))
    accepted = decide(strategy, yes, books)
    assert accepted.accepted  # what the windows say now, in every process alike
