"""The database itself refuses broken money data, even when the ORM's validation is skipped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from execution.models import Fill, Order, Position
from risk.models import BudgetWindow, RiskRules, RiskState
from strategies.models import Signal
from tests.factories import (
    BudgetWindowFactory,
    FillFactory,
    OrderFactory,
    PositionFactory,
    SignalFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db


def _rejected(update: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        update()  # type: ignore[operator]


@pytest.mark.parametrize("price", ["0", "1", "1.5", "-0.01"])
def test_db_rejects_order_price_outside_zero_one(price: str) -> None:
    order = OrderFactory()
    _rejected(lambda: Order.objects.filter(pk=order.pk).update(price=Decimal(price)))


@pytest.mark.parametrize("price", ["0", "1"])
def test_db_rejects_signal_and_fill_prices_at_the_bounds(price: str) -> None:
    signal, fill = SignalFactory(), FillFactory()
    _rejected(lambda: Signal.objects.filter(pk=signal.pk).update(price=Decimal(price)))
    _rejected(lambda: Fill.objects.filter(pk=fill.pk).update(price=Decimal(price)))


def test_db_accepts_prices_just_inside_the_bounds() -> None:
    order = OrderFactory()
    assert Order.objects.filter(pk=order.pk).update(price=Decimal("0.0001")) == 1
    assert Order.objects.filter(pk=order.pk).update(price=Decimal("0.9999")) == 1


@pytest.mark.parametrize("size", ["0", "-5"])
def test_db_rejects_non_positive_order_and_fill_sizes(size: str) -> None:
    order, fill = OrderFactory(), FillFactory()
    _rejected(lambda: Order.objects.filter(pk=order.pk).update(size=Decimal(size)))
    _rejected(lambda: Fill.objects.filter(pk=fill.pk).update(size=Decimal(size)))


def test_db_rejects_negative_position_size_and_overfilled_order() -> None:
    position, order = PositionFactory(), OrderFactory(size=Decimal("10"))
    _rejected(lambda: Position.objects.filter(pk=position.pk).update(size=Decimal("-1")))
    _rejected(lambda: Order.objects.filter(pk=order.pk).update(size_matched=Decimal("10.000001")))


def test_db_rejects_budget_use_over_the_limit_through_raw_sql() -> None:
    window = BudgetWindowFactory(limit=Decimal("100"), reserved=Decimal("90"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lt_budget_windows SET reserved = reserved + 10.01 WHERE id = %s", [window.pk]
        )
    window.refresh_from_db()
    assert window.reserved == Decimal("90")


def test_db_allows_budget_use_exactly_at_the_limit() -> None:
    window = BudgetWindowFactory(limit=Decimal("100"), reserved=Decimal("90"))
    BudgetWindow.objects.filter(pk=window.pk).update(spent=Decimal("10"))
    window.refresh_from_db()
    assert window.reserved + window.spent == window.limit


def test_db_allows_unlimited_budget_window_but_not_negative_amounts() -> None:
    window = BudgetWindowFactory(limit=None)
    assert BudgetWindow.objects.filter(pk=window.pk).update(reserved=Decimal("1e9")) == 1
    _rejected(lambda: BudgetWindow.objects.filter(pk=window.pk).update(spent=Decimal("-0.01")))


def test_db_rejects_negative_budget_in_rules_bypassing_validation() -> None:
    strategy = StrategyFactory()
    _rejected(
        lambda: RiskRules.objects.filter(pk=strategy.risk_rules_id).update(
            budget_daily=Decimal("-1")
        )
    )


def test_db_rejects_duplicate_idempotency_key_per_strategy() -> None:
    signal = SignalFactory()
    _rejected(
        lambda: SignalFactory(strategy=signal.strategy, idempotency_key=signal.idempotency_key)
    )
    # Another strategy may use the same key.
    SignalFactory(idempotency_key=signal.idempotency_key)


def test_db_rejects_the_same_venue_trade_twice_for_one_order() -> None:
    fill = FillFactory()
    _rejected(lambda: FillFactory(order=fill.order, venue_trade_id=fill.venue_trade_id))


def test_db_allows_one_global_risk_state_row_only() -> None:
    RiskState.objects.create(is_global=True)
    _rejected(lambda: RiskState.objects.create(is_global=True))


def test_db_allows_one_open_position_per_strategy_token_and_mode() -> None:
    position = PositionFactory()
    _rejected(
        lambda: PositionFactory(
            strategy=position.strategy, token_id=position.token_id, mode=position.mode
        )
    )
    Position.objects.filter(pk=position.pk).update(status="closed", size=0)
    PositionFactory(strategy=position.strategy, token_id=position.token_id, mode=position.mode)
