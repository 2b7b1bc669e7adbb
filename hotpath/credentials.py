"""The signal key's lookup: the key, its strategy and their rules in one prepared query,
with the row versions that tell a request whether they changed since it was verified (see
`strategies.signing`)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

from risk.models import RiskRules
from strategies.models import ApiCredential, Strategy

from .sql import Rows, Statement, columns_of, instances_from, statements_run


def credential_with_rules(key_id: str) -> tuple[ApiCredential, tuple[str, ...]] | None:
    """The active key with its strategy and rules attached, and their row versions."""
    rows = _credential_rows(key_id)
    if not rows:
        return None
    *values, version = rows[0]
    credential, strategy, rules = instances_from(values, ApiCredential, Strategy, RiskRules)
    assert isinstance(credential, ApiCredential) and isinstance(strategy, Strategy)
    assert isinstance(rules, RiskRules)
    strategy.risk_rules = rules
    credential.strategy = strategy
    return credential, tuple(version)


def _credential_rows(key_id: str) -> Rows:
    """Run the credential query, which is also the request's database health check.

    With CONN_HEALTH_CHECKS, Django sends `SELECT 1` on a reused connection before its first
    query of a request, to replace one the server dropped: a round trip per signal. This
    query is that first one, outside any transaction, and only reads: on a dead connection it
    fails, and is asked again on a new one, so it does the check's job at no cost.
    """
    statement = (_credential_sql(), [key_id])
    # The health-check flags (Django 4.1+) are not in django-stubs.
    db: Any = connections[DEFAULT_DB_ALIAS]
    if db.in_atomic_block or not db.health_check_enabled:
        return statements_run([statement])[0]
    checking, db.health_check_done = not db.health_check_done, True
    try:
        return statements_run([statement])[0]
    except (InterfaceError, OperationalError):
        if not checking:
            raise
        db.close()
        return statements_run([statement])[0]


_CREDENTIAL_FROM = (
    "FROM lt_api_credentials c JOIN lt_strategies s ON s.id = c.strategy_id "
    "JOIN lt_risk_rules r ON r.id = s.risk_rules_id "
    "WHERE c.key_id = %s AND c.is_active"
)


@cache
def _version_sql() -> str:
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return "''"  # no row versions (SQLite): keys are never remembered
    return "ARRAY[s.xmin::text, s.ctid::text, r.xmin::text, r.ctid::text]"


@cache
def _credential_sql() -> str:
    return (
        f"SELECT {columns_of(ApiCredential, 'c')}, {columns_of(Strategy, 's')}, "
        f"{columns_of(RiskRules, 'r')}, {_version_sql()} {_CREDENTIAL_FROM}"
    )


def credential_check_statement(key_id: str) -> Statement:
    """The versions of the key's strategy and rules now, no row if the key was revoked: for
    the intake's transaction to pass to `strategies.signing.credential_check`."""
    return f"SELECT {_version_sql()} {_CREDENTIAL_FROM}", [key_id]
