"""Reads of risk state (the decision's own reads, made in one round trip, are in `hotpath`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from execution.models import MidPrice
from hotpath.decisions import strategy_portfolio
from strategies.models import Strategy

from .models import RiskState
from .portfolio import Holding, Portfolio
from .sizing import volatility_of

__all__ = ["Holding", "Portfolio", "strategy_portfolio"]


def global_risk_state() -> RiskState:
    """The kill-switch row, created on first use (one row, enforced by a partial unique index)."""
    state, _ = RiskState.objects.get_or_create(is_global=True, defaults={"strategy": None})
    return state


def strategy_risk_state(*, strategy: Strategy) -> RiskState:
    state, _ = RiskState.objects.get_or_create(strategy=strategy)
    return state


def strategy_equity(*, strategy: Strategy) -> Decimal:
    return strategy_portfolio(strategy=strategy).equity


def realised_volatility(*, token_id: str, since: datetime) -> Decimal | None:
    """Standard deviation of successive mid-price changes since `since`; None under 3 mids."""
    mids = MidPrice.objects.filter(token_id=token_id, observed_at__gte=since)
    return volatility_of(list(mids.order_by("observed_at").values_list("mid", flat=True)))
