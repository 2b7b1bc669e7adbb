"""An index over the open orders of each strategy, for the risk engine's portfolio read.

Every entry signal sums the unfilled part of its strategy's non-final orders per side and
token (risk.selectors `_PORTFOLIO_SQL`). Through the strategy index that read visited every
order the strategy ever placed and sorted them; this partial index holds only open orders,
already in (side, token) order, with the summed columns in the index, so the read costs what
is open. Its WHERE is the query's, status for status (TERMINAL_ORDER_STATUSES): the planner
uses a partial index only when the query implies its predicate.

Plain SQL, not `Meta.indexes`: execution.models belongs to the executor, and the index is the
risk engine's concern. Built CONCURRENTLY so that orders keep being written meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_NAME = "lt_orders_open_by_strategy"
_WHERE = "status NOT IN ('matched', 'cancelled', 'expired', 'rejected')"


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_NAME} "
            "ON lt_orders (strategy_id, mode, side, token_id) "
            f"INCLUDE (size, size_matched, price) WHERE {_WHERE}"
        )
    else:  # SQLite (the demo database): no INCLUDE, no CONCURRENTLY
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_NAME} "
            f"ON lt_orders (strategy_id, mode, side, token_id) WHERE {_WHERE}"
        )


def _drop(apps: Any, schema_editor: Any) -> None:
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {_NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("execution", "0004_fill_realised_pnl"),
    ]

    operations = [
        migrations.RunPython(_create, _drop, elidable=False),
    ]
