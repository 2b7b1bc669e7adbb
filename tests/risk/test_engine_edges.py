"""The decision's state transitions, written by the services that own them: a breaker trip's
alert names the signal's market, a global pause that ended is lifted on the global row, a
pause runs from the decision's own time, and the venue's new tick is kept on the market."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from execution.models import Market, PositionStatus
from monitoring.models import Alert
from risk.books import Book
from risk.engine import risk_decide
from risk.models import RiskState, TradingState
from risk.reasons import ReasonCode
from risk.selectors import global_risk_state
from risk.services import trading_state_set
from tests.factories import PositionFactory
from tests.risk.helpers import DEEP_ASKS, DEEP_BIDS, decide, market_pair, signal_for, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@time_machine.travel(T0, tick=False)
def test_a_breaker_a_decision_trips_is_alerted_with_the_signals_market(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"))
    market, _, no = market_pair(books)
    books.set(no.token_id, bids=[(D("0.40"), D(1000))], asks=[(D("0.50"), D(1000))])
    assert decide(strategy, no, books).decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    alert = Alert.objects.get(reason_code=ReasonCode.BREAKER_SPREAD_OPEN)
    assert (alert.strategy_id, alert.market_id, alert.outcome) == (strategy.pk, market.pk, "No")


def test_a_global_pause_that_ended_is_lifted_on_the_global_row_by_the_next_decision(
    books,
) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    with time_machine.travel(T0, tick=False):
        trading_state_set(strategy=None, state=TradingState.HALTED,
                          reason_code=ReasonCode.DRAWDOWN_PAUSED, message="ops pause",
                          paused_until=T0 + timedelta(minutes=10))  # fmt: skip
        assert decide(strategy, yes, books).decision.reason_code == ReasonCode.GLOBAL_KILL_SWITCH
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert decide(strategy, yes, books).accepted
    row = global_risk_state()
    assert (row.trading_state, row.reason_code, row.paused_until) == (
        TradingState.ACTIVE,
        ReasonCode.PAUSE_EXPIRED,
        None,
    )


@time_machine.travel(T0 + timedelta(minutes=5), tick=False)
def test_a_pause_a_decision_begins_runs_from_the_decisions_time(books) -> None:
    strategy = strategy_with(max_drawdown_pct=D(20), drawdown_pause_minutes=30)
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(1000))
    PositionFactory(strategy=strategy, status=PositionStatus.CLOSED, size=0, cost_basis=0,
                    realised_pnl=D(-300))  # fmt: skip
    _, yes, _ = market_pair(books)
    result = risk_decide(signal=signal_for(strategy, yes), market_data=books, at=T0)
    assert result.decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    state = RiskState.objects.get(strategy=strategy)
    assert state.trading_state == TradingState.HALTED
    assert state.paused_until == T0 + timedelta(minutes=30)


def test_a_book_on_a_new_tick_moves_the_markets_tick(books) -> None:
    strategy = strategy_with()
    market, yes, _ = market_pair(books, tick_size=D("0.01"))
    books.books[yes.token_id] = Book(
        token_id=yes.token_id, bids=tuple(DEEP_BIDS), asks=tuple(DEEP_ASKS), tick_size=D("0.001")
    )
    decide(strategy, yes, books)
    assert Market.objects.get(pk=market.pk).tick_size == D("0.001")
