"""Trading states, the kill switch, drawdown and loss-streak pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from execution.models import PositionStatus
from ltproject.domain import Side, TradingMode
from monitoring.models import Alert
from risk.models import Breaker, BreakerKind, RiskState, TradingState
from risk.reasons import ReasonCode
from risk.selectors import global_risk_state
from risk.services import (
    risk_position_closed,
    strategy_halt,
    strategy_resume,
    trading_state_set,
)
from strategies.models import Strategy
from tests.factories import BreakerFactory, PositionFactory
from tests.risk.helpers import decide, market_pair, order_of, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _state(strategy) -> RiskState:
    return RiskState.objects.get(strategy=strategy)


def test_rejects_every_signal_of_a_strategy_that_is_off(books) -> None:
    strategy = strategy_with()
    strategy.mode = TradingMode.OFF
    strategy.save()
    _, yes, _ = market_pair(books)
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.STRATEGY_OFF


def test_the_global_kill_switch_rejects_every_strategy(books) -> None:
    first, second = strategy_with(), strategy_with()
    _, yes, _ = market_pair(books)
    strategy_halt(strategy=None, actor="ops")
    for strategy in (first, second):
        assert decide(strategy, yes, books).decision.reason_code == ReasonCode.GLOBAL_KILL_SWITCH
    strategy_resume(strategy=None, actor="ops")
    assert decide(first, yes, books).accepted


def test_a_halted_strategy_refuses_entries_but_lets_a_held_position_out(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    strategy_halt(strategy=strategy, actor="ops")
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.TRADING_HALTED
    assert decide(strategy, yes, books, side=Side.SELL).accepted


def test_the_kill_switch_still_lets_a_held_position_out(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    strategy_halt(strategy=None, actor="ops")
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.GLOBAL_KILL_SWITCH
    assert decide(strategy, yes, books, side=Side.SELL).accepted


def test_live_entries_wait_for_a_recent_reconciliation(books) -> None:
    strategy = strategy_with()
    Strategy.objects.filter(pk=strategy.pk).update(mode=TradingMode.LIVE)
    strategy.refresh_from_db()
    _, yes, _ = market_pair(books)
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.NOT_RECONCILED
    RiskState.objects.filter(is_global=True).update(reconciled_at=timezone.now())
    assert decide(strategy, yes, books).accepted
    stale = timezone.now() - timedelta(minutes=6)
    RiskState.objects.filter(is_global=True).update(reconciled_at=stale)
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.NOT_RECONCILED


def test_reducing_refuses_entries_but_allows_a_sell_that_closes_the_position(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    position = PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20),
                               cost_basis=D(10))  # fmt: skip
    trading_state_set(strategy=strategy, state=TradingState.REDUCING,
                      reason_code=ReasonCode.MANUAL_HALT)  # fmt: skip
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.TRADING_REDUCING
    sell = order_of(strategy, yes, books, side=Side.SELL, price=D("0.49"))
    assert sell.size == D(20) and sell.position == position
    assert sell.purpose == "exit_signal"
    assert not sell.budget_reservations.exists()
    # The position is already being sold in full: nothing left to reduce.
    again = decide(strategy, yes, books, side=Side.SELL, price=D("0.49"))
    assert again.decision.reason_code == ReasonCode.NOTHING_TO_REDUCE


def test_a_sell_without_a_position_has_nothing_to_reduce(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books, side=Side.SELL)
    assert result.decision.reason_code == ReasonCode.NOTHING_TO_REDUCE


def _drawdown_strategy(loss: Decimal, minutes: int | None = 30):
    strategy = strategy_with(max_drawdown_pct=D(20), drawdown_pause_minutes=minutes)
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(1000))
    PositionFactory(strategy=strategy, status=PositionStatus.CLOSED, size=0, cost_basis=0,
                    realised_pnl=-loss)  # fmt: skip
    return strategy


@time_machine.travel(T0, tick=False)
def test_drawdown_exactly_at_the_limit_still_trades(books) -> None:
    strategy = _drawdown_strategy(D("200.00"))  # equity 800 against a peak of 1000: 20 %
    _, yes, _ = market_pair(books)
    assert decide(strategy, yes, books).accepted


@time_machine.travel(T0, tick=False)
def test_drawdown_one_cent_over_the_limit_halts_with_a_timed_pause_and_an_alert(books) -> None:
    strategy = _drawdown_strategy(D("200.01"))
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books)
    assert result.decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    state = _state(strategy)
    assert state.trading_state == TradingState.HALTED
    assert state.paused_until == T0 + timedelta(minutes=30)
    assert Alert.objects.filter(strategy=strategy, reason_code=ReasonCode.DRAWDOWN_PAUSED).exists()
    # Still paused a second before the end; trading again (from a new peak) when it ends.
    with time_machine.travel(T0 + timedelta(minutes=30) - timedelta(seconds=1), tick=False):
        assert decide(strategy, yes, books).decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        assert decide(strategy, yes, books).accepted
    assert Alert.objects.filter(strategy=strategy, reason_code=ReasonCode.PAUSE_EXPIRED).exists()


def test_drawdown_without_a_pause_period_waits_for_a_person(books) -> None:
    strategy = _drawdown_strategy(D("300"), minutes=None)
    _, yes, _ = market_pair(books)
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    assert _state(strategy).paused_until is None
    with time_machine.travel(timezone_now() + timedelta(days=30)):
        assert decide(strategy, yes, books).decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    strategy_resume(strategy=strategy, actor="ops")
    assert decide(strategy, yes, books).accepted


def test_open_positions_count_toward_drawdown_at_the_recorded_mid(books) -> None:
    strategy = strategy_with(max_drawdown_pct=D(20))
    _, yes, _ = market_pair(books)  # yes mid is 0.495
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(1000))
    # 1000 shares bought for 700 now worth 495: equity 795, 20.5 % down.
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(1000), avg_cost=D("0.7"),
                    cost_basis=D(700))  # fmt: skip
    decide(strategy, yes, books)  # records the mid
    result = decide(strategy, yes, books)
    assert result.decision.reason_code == ReasonCode.DRAWDOWN_PAUSED


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _close(strategy, pnl: str) -> RiskState:
    position = PositionFactory(strategy=strategy, status=PositionStatus.CLOSED, size=0,
                               cost_basis=0, realised_pnl=D(pnl))  # fmt: skip
    return risk_position_closed(position=position, realised_pnl=D(pnl))


@time_machine.travel(T0, tick=False)
def test_the_nth_losing_close_in_a_row_pauses_the_strategy(books) -> None:
    strategy = strategy_with(max_consecutive_losses=3, loss_streak_pause_minutes=60)
    _, yes, _ = market_pair(books)
    _close(strategy, "-1")
    _close(strategy, "-1")
    assert _state(strategy).trading_state == TradingState.ACTIVE
    assert decide(strategy, yes, books).accepted
    state = _close(strategy, "-0.01")
    assert state.trading_state == TradingState.HALTED
    assert state.reason_code == ReasonCode.LOSS_STREAK_PAUSED
    assert state.paused_until == T0 + timedelta(minutes=60)
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.LOSS_STREAK_PAUSED
    assert Alert.objects.filter(reason_code=ReasonCode.LOSS_STREAK_PAUSED).count() == 1
    with time_machine.travel(T0 + timedelta(minutes=60), tick=False):
        assert decide(strategy, yes, books).accepted
        assert _state(strategy).consecutive_losses == 0


def test_a_winning_or_flat_close_ends_the_loss_streak(books) -> None:
    strategy = strategy_with(max_consecutive_losses=2)
    _close(strategy, "-1")
    assert _close(strategy, "0").consecutive_losses == 0
    _close(strategy, "-1")
    assert _close(strategy, "0.5").trading_state == TradingState.ACTIVE


def test_lt_resume_clears_a_pause_and_the_open_breakers(books) -> None:
    strategy = strategy_with(max_consecutive_losses=1, loss_streak_pause_minutes=None)
    _, yes, _ = market_pair(books)
    _close(strategy, "-1")
    breaker = BreakerFactory(strategy=strategy, kind=BreakerKind.SPREAD, state=Breaker.State.OPEN,
                             resume_after_minutes=None)  # fmt: skip
    call_command("lt_resume", "--strategy", strategy.slug, stdout=StringIO())
    assert _state(strategy).trading_state == TradingState.ACTIVE
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED
    assert breaker.events.get().event == "override"
    assert decide(strategy, yes, books).accepted


def test_lt_resume_without_strategy_lifts_the_kill_switch_and_global_breakers(books) -> None:
    strategy_halt(strategy=None, actor="ops")
    breaker = BreakerFactory(strategy=None, kind=BreakerKind.LATENCY, state=Breaker.State.OPEN)
    call_command("lt_resume", stdout=StringIO())
    assert global_risk_state().trading_state == TradingState.ACTIVE
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED
