"""Writes for trading states: halts, resumes, drawdown and loss-streak pauses.

Budgets live in `risk.budgets`, circuit breakers in `risk.breakers` and the pre-trade
decision in `risk.engine`; the services other apps call are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from execution.models import Position, PositionStatus
from ltproject.domain import TradingMode
from ltproject.money import ZERO, quantize_pusd
from monitoring.models import Alert
from monitoring.services import alert_create, alert_resolve
from strategies.models import Strategy

from .breakers import breaker_observe, breaker_override, breakers_override_all
from .budgets import budget_refund, budget_release, budget_spend
from .decision import PAUSE_CODES
from .models import RiskState, TradingState
from .portfolio import drawdown_pct
from .reasons import ReasonCode
from .selectors import global_risk_state, strategy_equity, strategy_risk_state

__all__ = [
    "PAUSE_CODES",
    "breaker_observe",
    "breaker_override",
    "breakers_override_all",
    "budget_refund",
    "budget_release",
    "budget_spend",
    "drawdown_check",
    "drawdown_pct",
    "drawdowns_evaluate",
    "pause_expire",
    "risk_position_closed",
    "risk_resume",
    "strategy_halt",
    "strategy_pause",
    "strategy_resume",
    "trading_state_set",
]


def _locked_state(strategy: Strategy | None) -> RiskState:
    row = global_risk_state() if strategy is None else strategy_risk_state(strategy=strategy)
    return RiskState.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def trading_state_set(
    *,
    strategy: Strategy | None,
    state: TradingState,
    reason_code: ReasonCode,
    message: str = "",
    paused_until: datetime | None = None,
    actor: str = "",
) -> RiskState:
    """Move a strategy (or, with strategy=None, everything) to a trading state.

    Every change writes an alert row in the same transaction, so the audit trail and the
    state can never disagree. Setting the state it already has changes nothing.
    """
    row = _locked_state(strategy)
    if row.trading_state == state and row.paused_until == paused_until:
        return row
    previous = row.trading_state
    row.trading_state = state
    row.reason_code = reason_code
    row.message = message
    row.paused_until = paused_until
    row.state_changed_at = timezone.now()
    row.save()
    _state_alert(row, strategy=strategy, previous=previous, actor=actor)
    return row


def _state_alert(row: RiskState, *, strategy: Strategy | None, previous: str, actor: str) -> None:
    """A halt or pause is an open alert until the strategy trades again, which resolves it
    (and is itself recorded, for the digest)."""
    scope = strategy.slug if strategy else "all strategies"
    key = f"trading-state:{strategy.slug if strategy else 'global'}"
    state = TradingState(row.trading_state)
    reason = ReasonCode(row.reason_code).label if row.reason_code in ReasonCode.values else ""
    if state == TradingState.ACTIVE:
        alert_resolve(dedupe_key=key, note=f"trading again: {reason}" + _by(actor))
    alert_create(
        reason_code=row.reason_code,
        severity=Alert.Severity.INFO if state == TradingState.ACTIVE else Alert.Severity.WARNING,
        strategy=strategy,
        subject=f"{scope} {_VERB[state]}: {reason}"[:200],
        message=row.message,
        context={"from": previous, "to": state, "actor": actor or "risk"},
        action=_state_action(row),
        dedupe_key="" if state == TradingState.ACTIVE else key,
    )


_VERB = {
    TradingState.ACTIVE: "trades again",
    TradingState.REDUCING: "reduces only",
    TradingState.HALTED: "halted",
}


def _by(actor: str) -> str:
    return f" (by {actor})" if actor and actor != "risk" else ""


def _state_action(row: RiskState) -> str:
    if row.trading_state == TradingState.ACTIVE:
        return "New entries are accepted again."
    exits = "exits, stop-losses and redemptions still run."
    if row.trading_state == TradingState.REDUCING:
        return f"Only orders that reduce a position are sent; {exits}"
    if row.paused_until is not None:
        return (
            f"No new entries until {row.paused_until:%Y-%m-%d %H:%M} UTC, when the pause ends "
            f"by itself (or an operator resumes earlier); {exits}"
        )
    return f"No new entries until an operator resumes (admin or lt_resume); {exits}"


def strategy_halt(*, strategy: Strategy | None, actor: str, message: str = "") -> RiskState:
    return trading_state_set(
        strategy=strategy,
        state=TradingState.HALTED,
        reason_code=ReasonCode.MANUAL_HALT,
        message=message or f"Halted by {actor}",
        actor=actor,
    )


@transaction.atomic
def strategy_resume(*, strategy: Strategy | None, actor: str, message: str = "") -> RiskState:
    """Back to ACTIVE; a strategy's drawdown peak and loss streak start again from here."""
    row = trading_state_set(
        strategy=strategy,
        state=TradingState.ACTIVE,
        reason_code=ReasonCode.MANUAL_RESUME,
        message=message or f"Resumed by {actor}",
        actor=actor,
    )
    return _pause_counters_reset(row)


@transaction.atomic
def risk_resume(*, strategy: Strategy | None, actor: str, message: str = "") -> RiskState:
    """`lt_resume`: lift the halt or pause and close the open breakers, in one transaction."""
    breakers_override_all(strategy=strategy, actor=actor, message=message)
    return strategy_resume(strategy=strategy, actor=actor, message=message)


def _pause_counters_reset(row: RiskState) -> RiskState:
    # A resumed strategy is measured from where it stands now; keeping the old peak would
    # re-halt it at once on the very drawdown the pause was about.
    if row.is_global:
        return row
    RiskState.objects.filter(pk=row.pk).update(equity_peak=ZERO, consecutive_losses=0)
    row.equity_peak, row.consecutive_losses = ZERO, 0
    return row


@transaction.atomic
def strategy_pause(
    *,
    strategy: Strategy,
    reason_code: ReasonCode,
    minutes: int | None,
    message: str,
    at: datetime | None = None,
) -> RiskState:
    """HALTED until `minutes` from now (None: until someone resumes it)."""
    at = at or timezone.now()
    until = at + timedelta(minutes=minutes) if minutes is not None else None
    return trading_state_set(
        strategy=strategy,
        state=TradingState.HALTED,
        reason_code=reason_code,
        message=message,
        paused_until=until,
        actor="risk",
    )


def pause_expire(*, row: RiskState, at: datetime) -> RiskState:
    """Lift a timed pause whose end has passed (called wherever the state is read to act)."""
    if row.trading_state != TradingState.HALTED or row.paused_until is None:
        return row
    if row.paused_until > at:
        return row
    updated = trading_state_set(
        strategy=row.strategy,
        state=TradingState.ACTIVE,
        reason_code=ReasonCode.PAUSE_EXPIRED,
        message=f"pause ({row.reason_code}) ended at {row.paused_until.isoformat()}",
        actor="risk",
    )
    return _pause_counters_reset(updated)


@dataclass(frozen=True)
class Drawdown:
    equity: Decimal
    peak: Decimal
    pct: Decimal
    limit: Decimal | None

    @property
    def breached(self) -> bool:
        return self.limit is not None and self.pct > self.limit


def drawdown_check(
    *, strategy: Strategy, row: RiskState, at: datetime, equity: Decimal | None = None
) -> Drawdown:
    """Measure drawdown from the equity peak (raising the peak) and pause when it is over.

    `row` is the strategy's risk state, locked by the caller; `equity` if already measured.
    """
    rules = strategy.risk_rules
    equity = strategy_equity(strategy=strategy) if equity is None else equity
    peak = max(row.equity_peak, equity)
    if peak != row.equity_peak:
        RiskState.objects.filter(pk=row.pk).update(equity_peak=peak)
        row.equity_peak = peak
    pct = drawdown_pct(peak=peak, equity=equity)
    drawdown = Drawdown(equity=equity, peak=peak, pct=pct, limit=rules.max_drawdown_pct)
    if drawdown.breached and row.trading_state != TradingState.HALTED:
        strategy_pause(
            strategy=strategy,
            reason_code=ReasonCode.DRAWDOWN_PAUSED,
            minutes=rules.drawdown_pause_minutes,
            message=f"drawdown {pct}% from peak {peak} (equity {equity}) is over "
            f"{rules.max_drawdown_pct}%",
            at=at,
        )
    return drawdown


def drawdowns_evaluate(*, at: datetime | None = None) -> list[Strategy]:
    """Every minute (after the positions were marked at the mid): measure the drawdown of
    each strategy holding open positions, so a falling book pauses a strategy before its
    next entry rather than at it. Returns the strategies paused now."""
    at = at or timezone.now()
    holding = Position.objects.filter(status=PositionStatus.OPEN, size__gt=0).values("strategy_id")
    strategies = (
        Strategy.objects.filter(pk__in=holding, risk_rules__max_drawdown_pct__isnull=False)
        .exclude(mode=TradingMode.OFF)
        .select_related("risk_rules")
        .order_by("pk")
    )
    paused = []
    for strategy in strategies:
        # Measured before the lock: the intake waits on this row, not on the portfolio read.
        equity = strategy_equity(strategy=strategy)
        with transaction.atomic():
            row = _locked_state(strategy)
            was_active = row.trading_state != TradingState.HALTED
            checked = drawdown_check(strategy=strategy, row=row, at=at, equity=equity)
            if checked.breached and was_active:
                paused.append(strategy)
    return paused


@transaction.atomic
def risk_position_closed(*, position: Position, realised_pnl: Decimal) -> RiskState:
    """Called by execution when a position closes: loss streak, realised P&L and drawdown.

    `realised_pnl` is the P&L of this close (negative for a loss). N losing closes in a row
    (max_consecutive_losses) pause the strategy; a close at or above zero ends the streak.
    """
    strategy = Strategy.objects.select_related("risk_rules").get(pk=position.strategy_id)
    rules = strategy.risk_rules
    state = strategy_risk_state(strategy=strategy)
    row = RiskState.objects.select_for_update(no_key=True).get(pk=state.pk)
    row.realised_pnl = quantize_pusd(row.realised_pnl + realised_pnl)
    row.consecutive_losses = row.consecutive_losses + 1 if realised_pnl < 0 else 0
    row.save(update_fields=["realised_pnl", "consecutive_losses", "updated_at"])
    at = timezone.now()
    limit = rules.max_consecutive_losses
    if limit and row.consecutive_losses >= limit and row.trading_state != TradingState.HALTED:
        row = strategy_pause(
            strategy=strategy,
            reason_code=ReasonCode.LOSS_STREAK_PAUSED,
            minutes=rules.loss_streak_pause_minutes,
            message=f"{row.consecutive_losses} losing closes in a row (limit {limit})",
            at=at,
        )
        return row
    drawdown_check(strategy=strategy, row=row, at=at)
    row.refresh_from_db()
    return row
