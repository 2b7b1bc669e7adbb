"""Budgets: reserved at acceptance, spent at fill, released on cancel or no fill.

Each strategy has one `lt_budget_windows` row per calendar period (day, ISO week, month in
the budget time zone), so a new period starts at zero with no job. The decision checks the
room (`risk.decision`) and holds it with its rows (`hotpath.decisions`); here amounts move
between reserved, spent and released under row locks taken in one fixed order (daily,
weekly, monthly, then oldest first); the table's CHECK (reserved + spent <= limit) backs
them up.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Round
from django.utils import timezone

from execution.models import Order
from ltproject.money import PUSD_PLACES, ZERO, quantize_pusd

from .decision import EXCEEDED_CODE, PERIOD_ORDER, period_limit, window_starts
from .models import BudgetReservation, BudgetWindow

__all__ = ["EXCEEDED_CODE", "PERIOD_ORDER", "period_limit", "window_starts"]


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
