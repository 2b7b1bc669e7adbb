"""The state services at their edges (risk/services.py): which strategies the minute's
drawdown job measures, the peak it keeps, the pause it sets and when it ends, what a lifted
pause says, who a state change is recorded as made by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from monitoring.models import Alert
from risk.models import RiskState, TradingState
from risk.reasons import ReasonCode
from risk.services import (
    Drawdown,
    drawdown_check,
    drawdowns_evaluate,
    pause_expire,
    risk_position_closed,
    strategy_halt,
    strategy_pause,
    trading_state_set,
)
from strategies.models import Strategy
from tests.factories import PositionFactory, StrategyFactory

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _state(strategy: Strategy) -> RiskState:
    return RiskState.objects.get(strategy=strategy)


def _strategy(peak: str, **rules: object) -> Strategy:
    """Capital 1000 (its equity while what it holds is marked at cost), a 20 % drawdown limit
    and a 30-minute pause, with its equity peak at `peak`."""
    fields = {"max_drawdown_pct": D(20), "drawdown_pause_minutes": 30, "capital": D(1000)}
    strategy = StrategyFactory(
        mode=TradingMode.PAPER, **{f"risk_rules__{k}": v for k, v in {**fields, **rules}.items()}
    )
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(peak))
    return strategy


def _holding(strategy: Strategy, size: str = "10", **fields: object) -> None:
    # Marked at its cost (no mid, no mark): it moves no equity.
    PositionFactory(
        strategy=strategy,
        mode=TradingMode.PAPER,
        size=D(size),
        avg_cost=D("0.5"),
        cost_basis=D(size) / 2,
        **fields,
    )


# --- which strategies the minute's job measures ---------------------------------------------


def test_the_minute_job_measures_every_strategy_holding_an_open_position_and_no_other() -> None:
    # Each is 50 % below its peak of 2000, over its 20 % limit.
    holding = _strategy("2000")
    _holding(holding)
    holding_a_little = _strategy("2000")
    _holding(holding_a_little, size="0.01")
    emptied = _strategy("2000")
    _holding(emptied, size="0")
    resolved = _strategy("2000")
    _holding(resolved, status=PositionStatus.RESOLVED_WON)
    holding_nothing = _strategy("2000")
    off = _strategy("2000")
    _holding(off)
    Strategy.objects.filter(pk=off.pk).update(mode=TradingMode.OFF)

    paused = drawdowns_evaluate(at=T0)

    assert [s.pk for s in paused] == [holding.pk, holding_a_little.pk]
    for strategy in (holding, holding_a_little):
        state = _state(strategy)
        assert (state.trading_state, state.reason_code, state.paused_until) == (
            TradingState.HALTED,
            ReasonCode.DRAWDOWN_PAUSED,
            T0 + timedelta(minutes=30),
        )
    for strategy in (emptied, resolved, holding_nothing, off):
        assert _state(strategy).trading_state == TradingState.ACTIVE


def test_without_a_pause_period_the_minute_job_pauses_until_someone_resumes() -> None:
    strategy = _strategy("2000", drawdown_pause_minutes=None)
    _holding(strategy)
    assert drawdowns_evaluate(at=T0) == [strategy]
    state = _state(strategy)
    assert (state.trading_state, state.paused_until) == (TradingState.HALTED, None)


@pytest.mark.parametrize(
    ("peak", "paused"),
    # Drawdown is measured to 0.0001 %: 1250.000781 is 20.0000 % over 1000, .000782 20.0001 %.
    [("1250", False), ("1250.000781", False), ("1250.000782", True)],
)
def test_the_minute_job_at_the_drawdown_limit_and_one_unit_past_it(peak: str, paused: bool) -> None:
    strategy = _strategy(peak)  # equity 1000: exactly 20 % under 1250
    _holding(strategy)
    assert drawdowns_evaluate(at=T0) == ([strategy] if paused else [])


def test_a_strategy_already_halted_is_not_paused_again_nor_counted() -> None:
    strategy = _strategy("2000")
    _holding(strategy)
    strategy_halt(strategy=strategy, actor="ops")
    assert drawdowns_evaluate(at=T0) == []
    state = _state(strategy)
    assert (state.reason_code, state.paused_until) == (ReasonCode.MANUAL_HALT, None)
    assert not Alert.objects.filter(reason_code=ReasonCode.DRAWDOWN_PAUSED).exists()


# --- the peak it keeps ------------------------------------------------------------------------


def test_the_minute_job_raises_the_stored_peak_to_a_higher_equity() -> None:
    strategy = _strategy("900")
    _holding(strategy)
    assert drawdowns_evaluate(at=T0) == []
    assert _state(strategy).equity_peak == D(1000)


def test_the_peak_of_a_strategy_without_a_drawdown_limit_is_left_alone() -> None:
    strategy = _strategy("500", max_drawdown_pct=None)
    _holding(strategy)
    assert drawdowns_evaluate(at=T0) == []
    assert _state(strategy).equity_peak == D(500)


# --- drawdown_check on an equity already measured ---------------------------------------------


def test_drawdown_check_measures_the_equity_it_is_given() -> None:
    strategy = _strategy("1000")  # its equity, read from its positions, is 1000: no drawdown
    row = _state(strategy)
    checked = drawdown_check(strategy=strategy, row=row, at=T0, equity=D(700))
    assert checked == Drawdown(equity=D(700), peak=D(1000), pct=D(30), limit=D(20))
    assert checked.breached
    state = _state(strategy)
    assert (state.trading_state, state.paused_until) == (
        TradingState.HALTED,
        T0 + timedelta(minutes=30),
    )
    assert state.message == "drawdown 30.0000% from peak 1000.000000 (equity 700) is over 20%"


def test_drawdown_check_reads_the_equity_when_not_given() -> None:
    strategy = _strategy("1000")
    _holding(strategy, mark_price=D("0.2"), marked_at=T0)  # 10 shares paid 5, now worth 2
    checked = drawdown_check(strategy=strategy, row=_state(strategy), at=T0)
    assert (checked.equity, checked.peak, checked.breached) == (D(997), D(1000), False)


# --- a timed pause ends -----------------------------------------------------------------------


def test_a_lifted_pause_says_which_pause_ended_and_when() -> None:
    strategy = _strategy("1000")
    row = strategy_pause(
        strategy=strategy, reason_code=ReasonCode.LOSS_STREAK_PAUSED, minutes=60, message="3", at=T0
    )
    until = T0 + timedelta(minutes=60)
    lifted = pause_expire(row=row, at=until)
    expected = f"pause (LOSS_STREAK_PAUSED) ended at {until.isoformat()}"
    assert (lifted.trading_state, lifted.message) == (TradingState.ACTIVE, expected)
    assert _state(strategy).message == expected
    resumed = Alert.objects.get(reason_code=ReasonCode.PAUSE_EXPIRED)
    assert (resumed.message, resumed.context["actor"]) == (expected, "risk")


def test_a_state_change_without_an_actor_is_recorded_as_the_risk_engine_s() -> None:
    strategy = _strategy("1000")
    trading_state_set(
        strategy=strategy, state=TradingState.HALTED, reason_code=ReasonCode.MANUAL_HALT
    )
    alert = Alert.objects.get(strategy=strategy)
    assert alert.context == {"from": "ACTIVE", "to": "HALTED", "actor": "risk"}


# --- the loss streak --------------------------------------------------------------------------


def _close(strategy: Strategy, pnl: str) -> RiskState:
    position = PositionFactory(
        strategy=strategy, status=PositionStatus.CLOSED, size=0, cost_basis=0, realised_pnl=D(pnl)
    )
    return risk_position_closed(position=position, realised_pnl=D(pnl))


def test_a_loss_streak_limit_of_zero_never_pauses() -> None:
    strategy = _strategy("0", max_consecutive_losses=0, max_drawdown_pct=None)
    for _ in range(3):
        state = _close(strategy, "-1")
    assert (state.trading_state, state.consecutive_losses, state.realised_pnl) == (
        TradingState.ACTIVE,
        3,
        D(-3),
    )
