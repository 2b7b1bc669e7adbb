"""What a change of trading state writes (risk/services.py): the state row and the alert an
operator reads (subject, from/to/actor, what happens next), resolved with a note when the
strategy trades again; a pause with its end, reducing only, the kill switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monitoring.models import Alert
from risk.models import RiskState
from risk.reasons import ReasonCode
from risk.services import (
    pause_expire,
    strategy_halt,
    strategy_pause,
    strategy_resume,
    trading_state_set,
)
from risk.vocabulary import TradingState
from tests.risk.helpers import strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
EXITS = "exits, stop-losses and redemptions still run."


def test_a_halt_and_a_resume_by_an_operator() -> None:
    strategy = strategy_with()
    row = strategy_halt(strategy=strategy, actor="ann")
    assert (row.trading_state, row.reason_code, row.message) == (
        TradingState.HALTED,
        ReasonCode.MANUAL_HALT,
        "Halted by ann",
    )
    halt = Alert.objects.get(dedupe_key=f"trading-state:{strategy.slug}")
    assert (halt.severity, halt.strategy, halt.reason_code) == (
        Alert.Severity.WARNING,
        strategy,
        ReasonCode.MANUAL_HALT,
    )
    assert halt.subject == f"{strategy.slug} halted: Halted by an operator"
    assert halt.message == "Halted by ann"
    assert halt.context == {"from": "ACTIVE", "to": "HALTED", "actor": "ann"}
    assert halt.action == (
        f"No new entries until an operator resumes (admin or lt_resume); {EXITS}"
    )
    # The same state again changes nothing.
    strategy_halt(strategy=strategy, actor="bob")
    assert Alert.objects.count() == 1
    RiskState.objects.filter(pk=row.pk).update(equity_peak=D(900), consecutive_losses=3)
    row = strategy_resume(strategy=strategy, actor="bob", message="checked")
    assert (row.trading_state, row.message, row.equity_peak, row.consecutive_losses) == (
        TradingState.ACTIVE,
        "checked",
        D(0),
        0,
    )
    row.refresh_from_db()
    assert (row.equity_peak, row.consecutive_losses) == (D(0), 0)
    halt.refresh_from_db()
    assert (halt.state, halt.resolution) == (
        Alert.State.RESOLVED,
        "trading again: Resumed by an operator (by bob)",
    )
    resumed = Alert.objects.exclude(pk=halt.pk).get()
    assert (resumed.severity, resumed.dedupe_key) == (Alert.Severity.INFO, "")
    assert resumed.subject == f"{strategy.slug} trades again: Resumed by an operator"
    assert resumed.context == {"from": "HALTED", "to": "ACTIVE", "actor": "bob"}
    assert resumed.action == "New entries are accepted again."


def test_a_pause_says_when_it_ends_and_ends_then() -> None:
    strategy = strategy_with()
    row = strategy_pause(
        strategy=strategy,
        reason_code=ReasonCode.DRAWDOWN_PAUSED,
        minutes=30,
        message="down 20 %",
        at=T0,
    )
    assert row.paused_until == T0 + timedelta(minutes=30)
    alert = Alert.objects.get()
    assert alert.subject == f"{strategy.slug} halted: Paused after the drawdown limit was hit"
    assert alert.context == {"from": "ACTIVE", "to": "HALTED", "actor": "risk"}
    assert alert.action == (
        "No new entries until 2026-11-26 12:30 UTC, when the pause ends by itself (or an "
        f"operator resumes earlier); {EXITS}"
    )
    assert pause_expire(row=row, at=T0 + timedelta(minutes=30) - timedelta(microseconds=1)) is row
    lifted = pause_expire(row=row, at=T0 + timedelta(minutes=30))
    assert (lifted.trading_state, lifted.reason_code, lifted.paused_until) == (
        TradingState.ACTIVE,
        ReasonCode.PAUSE_EXPIRED,
        None,
    )
    alert.refresh_from_db()
    assert alert.resolution == "trading again: A timed pause ended"  # by risk: no "(by …)"


def test_a_pause_without_minutes_waits_for_an_operator() -> None:
    strategy = strategy_with()
    row = strategy_pause(
        strategy=strategy, reason_code=ReasonCode.LOSS_STREAK_PAUSED, minutes=None, message="3"
    )
    assert row.paused_until is None
    assert pause_expire(row=row, at=T0 + timedelta(days=365)) is row


def test_reducing_only_and_the_kill_switch() -> None:
    strategy = strategy_with()
    trading_state_set(
        strategy=strategy,
        state=TradingState.REDUCING,
        reason_code=ReasonCode.TRADING_REDUCING,
        actor="ann",
    )
    reducing = Alert.objects.get()
    assert reducing.subject == (
        f"{strategy.slug} reduces only: Only orders that reduce a position are allowed"
    )
    assert reducing.action == f"Only orders that reduce a position are sent; {EXITS}"
    strategy_halt(strategy=None, actor="ann", message="venue incident")
    switch = Alert.objects.get(dedupe_key="trading-state:global")
    assert switch.strategy is None
    assert switch.subject == "all strategies halted: Halted by an operator"
    assert switch.message == "venue incident"
    assert switch.context == {"from": "ACTIVE", "to": "HALTED", "actor": "ann"}
    row = strategy_resume(strategy=None, actor="ann")
    assert row.is_global and row.trading_state == TradingState.ACTIVE
    switch.refresh_from_db()
    assert switch.resolution == "trading again: Resumed by an operator (by ann)"
