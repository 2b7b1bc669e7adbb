"""Writes for trading states (halt, resume). Risk checks and budgets build on these."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from monitoring.models import Alert
from monitoring.services import alert_create
from strategies.models import Strategy

from .models import RiskState, TradingState
from .reasons import ReasonCode
from .selectors import global_risk_state, strategy_risk_state


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
    scope = strategy.slug if strategy else "all strategies"
    alert_create(
        reason_code=reason_code,
        severity=Alert.Severity.INFO if state == TradingState.ACTIVE else Alert.Severity.WARNING,
        strategy=strategy,
        subject=f"{scope}: {previous} → {state}",
        message=message,
        context={"from": previous, "to": state, "actor": actor},
    )
    return row


def strategy_halt(*, strategy: Strategy | None, actor: str, message: str = "") -> RiskState:
    return trading_state_set(
        strategy=strategy,
        state=TradingState.HALTED,
        reason_code=ReasonCode.MANUAL_HALT,
        message=message or f"Halted by {actor}",
        actor=actor,
    )


def strategy_resume(*, strategy: Strategy | None, actor: str, message: str = "") -> RiskState:
    return trading_state_set(
        strategy=strategy,
        state=TradingState.ACTIVE,
        reason_code=ReasonCode.MANUAL_RESUME,
        message=message or f"Resumed by {actor}",
        actor=actor,
    )
