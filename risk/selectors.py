"""Reads of risk state."""

from __future__ import annotations

from strategies.models import Strategy

from .models import RiskState


def global_risk_state() -> RiskState:
    """The kill-switch row, created on first use (one row, enforced by a partial unique index)."""
    state, _ = RiskState.objects.get_or_create(is_global=True, defaults={"strategy": None})
    return state


def strategy_risk_state(*, strategy: Strategy) -> RiskState:
    state, _ = RiskState.objects.get_or_create(strategy=strategy)
    return state
