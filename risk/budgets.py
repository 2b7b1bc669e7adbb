"""Budgets: reserve at acceptance, spend at fill, release on cancel or no fill.

Each strategy has one `lt_budget_windows` row per calendar period (day, ISO week, month in
the budget time zone), so a new period starts at zero with no job. Amounts move only by
conditional UPDATEs and under row locks taken in one fixed order (daily, weekly, monthly,
then oldest first); the table's CHECK (reserved + spent <= limit) backs them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Round
from django.utils import timezone
from psycopg.errors import CheckViolation, NotNullViolation

from execution.models import Order
from ltproject.money import PUSD_PLACES, ZERO, quantize_pusd
from strategies.models import Strategy

from .models import BudgetPeriod, BudgetReservation, BudgetWindow, RiskRules
from .reasons import ReasonCode
from .selectors import Statement, row_insert, statements_run

# The lock order every writer of lt_budget_windows follows.
PERIOD_ORDER = (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY, BudgetPeriod.MONTHLY)
EXCEEDED_CODE = {
    BudgetPeriod.DAILY: ReasonCode.BUDGET_DAILY_EXCEEDED,
    BudgetPeriod.WEEKLY: ReasonCode.BUDGET_WEEKLY_EXCEEDED,
    BudgetPeriod.MONTHLY: ReasonCode.BUDGET_MONTHLY_EXCEEDED,
}


def window_starts(*, tz: str, at: datetime) -> dict[BudgetPeriod, date]:
    """First day of the day, ISO week and month containing `at` in time zone `tz`."""
    day = at.astimezone(ZoneInfo(tz)).date()
    return {
        BudgetPeriod.DAILY: day,
        BudgetPeriod.WEEKLY: day - timedelta(days=day.weekday()),
        BudgetPeriod.MONTHLY: day.replace(day=1),
    }


def period_limit(rules: RiskRules, period: BudgetPeriod) -> Decimal | None:
    limits: dict[BudgetPeriod, Decimal | None] = {
        BudgetPeriod.DAILY: rules.budget_daily,
        BudgetPeriod.WEEKLY: rules.budget_weekly,
        BudgetPeriod.MONTHLY: rules.budget_monthly,
    }
    return limits[period]


@dataclass(frozen=True)
class BudgetExceeded:
    period: BudgetPeriod
    limit: Decimal
    used: Decimal
    amount: Decimal

    @property
    def reason_code(self) -> ReasonCode:
        return EXCEEDED_CODE[self.period]

    @property
    def message(self) -> str:
        return (
            f"{self.period} budget {self.limit} pUSD: {self.used} already reserved or spent, "
            f"this order needs {self.amount}"
        )


# The CASTs make SQLite (the demo database) compare numbers, not the strings it binds; the
# ROUNDs (to the pUSD unit, exact on PostgreSQL) undo SQLite's binary-float sums.
# Parameters: amount, limit, now, strategy, period, start, amount, limit.
_RESERVE_SQL = """
UPDATE lt_budget_windows
   SET reserved = ROUND(reserved + CAST(%s AS NUMERIC), 6),
       "limit" = CAST(%s AS NUMERIC), updated_at = %s
 WHERE strategy_id = %s AND period = %s AND window_start = %s
   AND ROUND(reserved + spent + CAST(%s AS NUMERIC), 6) <= CAST(%s AS NUMERIC)
RETURNING id
"""


def budget_reserve(
    *, strategy: Strategy, rules: RiskRules, amount: Decimal, at: datetime
) -> list[int] | BudgetExceeded:
    """Hold `amount` in every budgeted window, or hold nothing and say which would overflow.

    Periods without a limit have no window and hold nothing.

    Must run inside the caller's transaction (the intake's), which the held rows stay locked
    in until commit. Returns the window ids to attach reservations to.
    """
    starts = window_starts(tz=rules.budget_timezone, at=at)
    held: list[int] = []
    for period in PERIOD_ORDER:
        limit = period_limit(rules, period)
        if limit is None:
            continue  # no budget for this period: nothing to hold or lock
        window_id = _reserve_in(strategy, period, starts[period], limit, amount, at)
        if window_id is None and not _window_exists(strategy, period, starts[period]):
            # First order of the period: open the window, then try again.
            _windows_ensure(strategy=strategy, rules=rules, starts=starts)
            window_id = _reserve_in(strategy, period, starts[period], limit, amount, at)
        if window_id is None:
            _windows_unreserve(held, amount)
            return _exceeded(
                strategy=strategy, period=period, start=starts[period], limit=limit, amount=amount
            )
        held.append(window_id)
    return held


def _reserve_in(
    strategy: Strategy,
    period: BudgetPeriod,
    start: date,
    limit: Decimal,
    amount: Decimal,
    at: datetime,
) -> int | None:
    params = [amount, limit, at, strategy.pk, period.value, start, amount, limit]
    (rows,) = statements_run([(_RESERVE_SQL, params)])
    return int(rows[0][0]) if rows else None


def _window_exists(strategy: Strategy, period: BudgetPeriod, start: date) -> bool:
    return BudgetWindow.objects.filter(
        strategy=strategy, period=period, window_start=start
    ).exists()


def _windows_ensure(
    *, strategy: Strategy, rules: RiskRules, starts: dict[BudgetPeriod, date]
) -> None:
    BudgetWindow.objects.bulk_create(
        [
            BudgetWindow(
                strategy=strategy, period=p, window_start=starts[p], limit=period_limit(rules, p)
            )
            for p in PERIOD_ORDER
        ],
        ignore_conflicts=True,
    )


def _windows_unreserve(window_ids: list[int], amount: Decimal) -> None:
    # The rows are still locked by this transaction, so undoing is a plain decrement.
    BudgetWindow.objects.filter(pk__in=window_ids).update(reserved=F("reserved") - amount)


def _exceeded(
    *, strategy: Strategy, period: BudgetPeriod, start: date, limit: Decimal, amount: Decimal
) -> BudgetExceeded:
    window = BudgetWindow.objects.get(strategy=strategy, period=period, window_start=start)
    return BudgetExceeded(
        period=period, limit=limit, used=window.reserved + window.spent, amount=amount
    )


# --- holding with the decision's rows (PostgreSQL) ---------------------------------------
# An accepted decision can hold its budget in the round trip that writes it, instead of one
# of its own before: the UPDATEs (in the lock order) and the reservation rows go with the
# decision's INSERTs, after a savepoint. The UPDATE holds unconditionally; an overdraft is
# refused by the table's CHECK (lt_budget_windows_within_limit), and a window not opened
# yet leaves the reservation's window NULL (refused too). Either way the statements after
# the savepoint are rolled back and the budget is reserved the usual way (`budget_reserve`),
# which opens the window or says which period is exceeded.
HOLD_SAVEPOINT = "lt_budget_hold"

_HOLD_SQL = """
UPDATE lt_budget_windows
   SET reserved = reserved + CAST(%s AS NUMERIC), "limit" = CAST(%s AS NUMERIC), updated_at = %s
 WHERE strategy_id = %s AND period = %s AND window_start = %s
"""

_HELD_SQL = """
INSERT INTO lt_budget_reservations (window_id, order_id, reserved, spent, released, updated_at)
VALUES ((SELECT w.id FROM lt_budget_windows w
          WHERE w.strategy_id = %s AND w.period = %s AND w.window_start = %s),
        %s, %s, 0, 0, %s)
"""


def budget_hold_statements(
    *, strategy: Strategy, rules: RiskRules, order_id: int, amount: Decimal, at: datetime
) -> tuple[list[Statement], list[Statement]]:
    """(the UPDATEs that hold `amount` in every budgeted window, the INSERTs of the order's
    reservations in them), for `statements_run` after `SAVEPOINT HOLD_SAVEPOINT`."""
    starts = window_starts(tz=rules.budget_timezone, at=at)
    holds: list[Statement] = []
    held: list[Statement] = []
    for period in PERIOD_ORDER:
        limit = period_limit(rules, period)
        if limit is None:
            continue
        where = [strategy.pk, period.value, starts[period]]
        holds.append((_HOLD_SQL, [amount, limit, at, *where]))
        held.append((_HELD_SQL, [*where, order_id, amount, at]))
    return holds, held


def budget_hold_refused(error: BaseException) -> bool:
    """Whether a failed batch was refused by the budget itself (see above)."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if isinstance(cause, CheckViolation):
        return bool(diag and diag.constraint_name == "lt_budget_windows_within_limit")
    if isinstance(cause, NotNullViolation):
        return bool(diag and diag.table_name == "lt_budget_reservations")
    return False


def budget_reservations_create(*, order: Order, window_ids: list[int], amount: Decimal) -> None:
    """Record which windows hold `amount` for `order` (same transaction as budget_reserve)."""
    for reservation in budget_reservations_new(order=order, window_ids=window_ids, amount=amount):
        row_insert(reservation)  # one per budgeted period; plain INSERTs, no ORM compile


def budget_reservations_new(
    *, order: Order, window_ids: list[int], amount: Decimal
) -> list[BudgetReservation]:
    """The reservation rows of `budget_reservations_create`, not saved yet."""
    return [BudgetReservation(window_id=w, order=order, reserved=amount) for w in window_ids]


def _locked_windows(order: Order) -> QuerySet[BudgetWindow]:
    rank = Case(
        *(When(period=p, then=Value(i)) for i, p in enumerate(PERIOD_ORDER)),
        output_field=IntegerField(),
    )
    return (
        BudgetWindow.objects.select_for_update()
        .filter(reservations__order=order)
        .annotate(rank=rank)
        .order_by("rank", "window_start", "pk")
    )


def _locked_reservations(order: Order) -> list[BudgetReservation]:
    list(_locked_windows(order))  # take the window locks first, in the fixed order
    return list(
        BudgetReservation.objects.select_for_update()
        .filter(order=order)
        .select_related("window")
        .order_by("pk")
    )


def _move(order: Order, *, amount: Decimal | None, take: str, give: str) -> Decimal:
    """Move up to `amount` (None: all) of each reservation's `take` column to its `give`
    column, and keep the windows' totals in step (a window has no `released` column: what
    is released simply leaves it). Returns the largest amount moved in one window."""
    now, moved = timezone.now(), ZERO
    for reservation in _locked_reservations(order):
        held = getattr(reservation, take)
        part = held if amount is None else min(amount, held)
        if part <= 0:
            continue
        BudgetReservation.objects.filter(pk=reservation.pk).update(
            **{take: _exact(F(take) - part), give: _exact(F(give) + part)}, updated_at=now
        )
        window = {take: _exact(F(take) - part)}
        if give != "released":
            window[give] = _exact(F(give) + part)
        BudgetWindow.objects.filter(pk=reservation.window_id).update(**window, updated_at=now)
        moved = max(moved, part)
    return moved


def _exact(expression: CombinedExpression) -> Round:
    """Column arithmetic rounded to the pUSD unit. PostgreSQL's numeric is exact anyway;
    SQLite (the demo database) computes in binary floats, and 4.504 − 4.424 there leaves
    0.07999999999999918, whose later release would take the column below zero."""
    return Round(expression, precision=PUSD_PLACES)


@transaction.atomic
def budget_spend(*, order: Order, amount: Decimal) -> Decimal:
    """Turn `amount` pUSD of an order's reservation into spend (called for each fill).

    A fill cannot cost more than the order's limit × size, so the reservation covers it;
    any excess (rounding) is capped rather than allowed to break the budget. Returns the
    amount moved in each window.
    """
    return _move(order, amount=quantize_pusd(amount), take="reserved", give="spent")


@transaction.atomic
def budget_release(*, order: Order, amount: Decimal | None = None) -> Decimal:
    """Give back `amount` (default: all still held) of an order's reservation.

    Called when an order is cancelled, expires, is rejected or ends partly unfilled.
    Returns the amount released in each window.
    """
    held = None if amount is None else quantize_pusd(amount)
    return _move(order, amount=held, take="reserved", give="released")


@transaction.atomic
def budget_refund(*, order: Order, amount: Decimal) -> Decimal:
    """Give back spend of a fill that was voided (trade FAILED on chain).

    The amount returns to the budget (not to the reservation: the order is over, or its
    remaining reservation is still held separately). Returns the amount refunded per window.
    """
    return _move(order, amount=quantize_pusd(amount), take="spent", give="released")
