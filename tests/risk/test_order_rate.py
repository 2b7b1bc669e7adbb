"""The entries-per-minute rule against the database: the snapshot counts the strategy's
entries of the last 60 seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from risk.reasons import ReasonCode
from tests.risk.helpers import decide, market_pair, strategy_with

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_entries_per_minute_count_the_strategy_s_entries_of_the_last_60_seconds(books) -> None:
    strategy = strategy_with(max_orders_per_minute=2)
    _, yes, _ = market_pair(books)
    with time_machine.travel(NOON, tick=False):
        assert decide(strategy, yes, books).accepted
    with time_machine.travel(NOON + timedelta(seconds=59), tick=False):
        assert decide(strategy, yes, books).accepted
        refused = decide(strategy, yes, books)
        assert refused.decision.reason_code == ReasonCode.ORDER_RATE_EXCEEDED
        assert refused.decision.checks["order_rate"] == {"last_minute": 2, "limit": 2}
    with time_machine.travel(NOON + timedelta(seconds=60), tick=False):  # the first is over
        assert decide(strategy, yes, books).accepted
