"""Where execution tells the risk layer what happened to money: fills spend budget,
finished orders release what they did not use, voided fills give spend back, closed
positions feed the loss-streak and drawdown rules, and what the venue did (slippage,
latency, errors) feeds the circuit breakers."""

from __future__ import annotations

from decimal import Decimal

from risk.breakers import breaker_observe
from risk.budgets import budget_refund, budget_release, budget_spend
from risk.models import BreakerKind
from risk.services import drawdowns_evaluate, risk_position_closed

from .models import Order, Position


def budget_spend_fill(*, order: Order, amount: Decimal) -> None:
    budget_spend(order=order, amount=amount)


def budget_release_rest(*, order: Order) -> None:
    """Release whatever the order still holds (it is finished: filled, killed, rejected)."""
    budget_release(order=order)


def budget_unspend(*, order: Order, amount: Decimal) -> None:
    """A fill the venue voided (trade FAILED) gives its spend back to the budget."""
    budget_refund(order=order, amount=amount)


def position_closed(*, position: Position) -> None:
    risk_position_closed(position=position, realised_pnl=position.realised_pnl)


def drawdowns_measure() -> None:
    """After a marking pass: drawdown pauses fire on marks, not only on the next signal."""
    drawdowns_evaluate()


def observe(*, order: Order, kind: BreakerKind, value: Decimal) -> None:
    """One breaker input measured on one of a strategy's orders (trips stop new entries)."""
    if order.strategy is not None:
        breaker_observe(strategy=order.strategy, kind=kind, value=value, token_id=order.token_id)
