"""`statements_run` sends values as literals of prepared statements: they come back exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from risk.selectors import statements_run

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
