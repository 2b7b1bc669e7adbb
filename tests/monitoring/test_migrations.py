"""Migrating a database that already holds alerts (written before alert mail existed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("monitoring", "0002_initial")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_old_alerts_migrate_closed_and_leave_their_keys_free() -> None:
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    strategy = StrategyFactory()  # only monitoring went back: the other tables are current
    Alert = old.get_model("monitoring", "Alert")
    for status in ("pending", "pending", "suppressed", "sent"):
        Alert.objects.create(
            reason_code="RECONCILE_MISMATCH",
            subject="old",
            status=status,
            strategy_id=strategy.pk,
            dedupe_key="reconcile-mismatch",
        )
    Alert.objects.create(reason_code="MANUAL_HALT", subject="old halt", severity="info")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from monitoring.alerts import alert_create
    from monitoring.models import Alert as Current

    assert Current.objects.count() == 5
    assert set(Current.objects.values_list("state", "delivery")) == {("resolved", "sent")}
    fresh = alert_create(
        reason_code="RECONCILE_MISMATCH",
        subject="now",
        severity=Current.Severity.CRITICAL,
        dedupe_key="reconcile-mismatch",
    )
    assert (fresh.count, fresh.delivery) == (1, Current.Delivery.PENDING)
