"""Every table of the plan exists after migrate on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

PLAN_TABLES = {
    "lt_strategies",
    "lt_risk_rules",
    "lt_risk_state",
    "lt_orders",
    "lt_redemptions",
    "lt_health_checks",
    "lt_alerts",
    "lt_signals",
    "lt_markets",
    "lt_fills",
    "lt_positions",
    "lt_risk_decisions",
    "lt_breaker_events",
    "lt_chain_transactions",
}


@pytest.mark.django_db
def test_migrate_creates_every_table_of_the_plan() -> None:
    assert connection.vendor == "postgresql"
    assert set(connection.introspection.table_names()) >= PLAN_TABLES


@pytest.mark.django_db
def test_plan_columns_link_strategies_and_orders() -> None:
    with connection.cursor() as cursor:
        strategies = {
            c.name for c in connection.introspection.get_table_description(cursor, "lt_strategies")
        }
        orders = {
            c.name for c in connection.introspection.get_table_description(cursor, "lt_orders")
        }
    assert {"risk_rules_id", "health_status"} <= strategies
    assert {"risk_decision_id", "risk_check_passed", "redemption_id"} <= orders


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
