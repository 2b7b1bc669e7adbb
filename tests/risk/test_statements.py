"""`statements_run` sends values as literals of prepared statements: they come back exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from hotpath.sql import statements_run

pytestmark = pytest.mark.django_db

_SQL = (
    "SELECT CAST(%s AS bigint), CAST(%s AS bigint), CAST(%s AS boolean), CAST(%s AS numeric), "
    "CAST(%s AS numeric), CAST(%s AS timestamptz), CAST(%s AS timestamptz), CAST(%s AS date), "
    "CAST(%s AS text), CAST(%s AS text), CAST(%s AS text)"
)
_VALUES = [
    7,
    -9_000_000_000,
    False,
    Decimal("0.500000"),
    Decimal("-1E+3"),
    datetime(2026, 11, 26, 6, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 1, 1, tzinfo=UTC),
    date(2026, 2, 28),
    "it's a \\ backslash'); DROP TABLE lt_signals; --",
    "",
    None,
]


@pytest.mark.parametrize("prepared", [True, False])
def test_values_come_back_as_they_were_sent(prepared: bool) -> None:
    with override_settings(LT_PREPARED_STATEMENTS=prepared):
        ((row,),) = statements_run([(_SQL, _VALUES)])
    assert list(row) == _VALUES
    assert row[3].as_tuple().exponent == -6  # scale kept: '0.500000', not 0.5


def test_a_naive_datetime_is_left_to_psycopg() -> None:
    naive = datetime(2026, 11, 26, 6, 0, 0)
    ((row,),) = statements_run([("SELECT CAST(%s AS timestamp)", [naive])])
    assert row == (naive,)


def test_the_same_statement_is_prepared_once_per_connection() -> None:
    statements_run([(_SQL, _VALUES)])
    statements_run([(_SQL, _VALUES)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%CAST($11 AS text)%"],
        )
        assert cursor.fetchone() == (1,)


def _generic(obj) -> list:
    """The parameters Django's own path would send (Field.get_db_prep_save of pre_save)."""
    fields = [f for f in type(obj)._meta.concrete_fields if obj.pk is not None or not f.primary_key]
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _comparable(values) -> list:
    return [getattr(v, "obj", v) for v in values]  # psycopg's Jsonb wraps the JSON value


@pytest.mark.filterwarnings("ignore:DateTimeField Order.lease_until received a naive")
def test_insert_parameters_are_the_ones_django_would_send() -> None:
    import time_machine

    from execution.models import OrderStatus
    from hotpath.sql import insert_statement
    from tests.factories import (
        BudgetReservationFactory,
        MidPriceFactory,
        OrderFactory,
        RiskDecisionFactory,
        SignalFactory,
    )

    with time_machine.travel(datetime(2026, 11, 26, 12, tzinfo=UTC), tick=False):
        order = OrderFactory.build(
            id=41,
            strategy=None,
            status=OrderStatus.LIVE,  # a str enum
            expires_at=datetime(2026, 11, 27, tzinfo=UTC),
            signed_order={"salt": "1", "price": "0.5"},
            size_matched=3,  # an int for a decimal column
            attempts=True,  # a bool for an integer column
            lease_until=datetime(2026, 11, 26, 13, 0),  # naive
        )
        built = [
            order,
            RiskDecisionFactory.build(checks={"budget": {"reserved": "10"}}),
            SignalFactory.build(),
            BudgetReservationFactory.build(order=order),
            MidPriceFactory.build(),
        ]
        for obj in built:
            _, params = insert_statement(obj)
            assert _comparable(params) == _comparable(_generic(obj)), type(obj).__name__
            assert [type(v) for v in params] == [type(v) for v in _generic(obj)]
