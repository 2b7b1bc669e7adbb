"""The pre-trade decision's shell: read its snapshot, decide, write what it decided.

The decision itself is `risk.decision.decide`, a pure function; the reads and writes are
`hotpath.decisions.DecisionUnit`'s (one round trip each). What is left here is the order of
things and the state transitions a decision can cause (a pause lifted or begun, a breaker
tripped or resumed, a market's new tick), which go through the services that own them
(and write their alerts).

The caller's transaction holds the strategy's risk-state row from the snapshot to the
write, so a halt, a pause or another signal of the same strategy cannot interleave with it
(exposure, position limits and budgets are exact).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from execution.markets import market_tick_set
from hotpath.decisions import Decided, DecisionUnit
from strategies.models import Signal, Strategy

from .books import Book, BookUnavailable
from .breakers import breaker_change_apply
from .decision import (
    BreakerNormal,
    BreakerResumed,
    BreakerTripped,
    Decision,
    Effect,
    Paused,
    PauseLifted,
    TickMoved,
    book_wanted,
    decide,
)
from .market_data import MarketData
from .selectors import global_risk_state, strategy_risk_state
from .services import pause_expire, strategy_pause

__all__ = ["Decided", "decision_made", "risk_decide"]


@transaction.atomic(savepoint=False)
def risk_decide(*, signal: Signal, market_data: MarketData, at: datetime | None = None) -> Decided:
    """Check, size and budget one stored signal; write its decision (and order intent)."""
    strategy = signal.strategy
    unit = DecisionUnit(
        signal=signal, strategy=strategy, rules=strategy.risk_rules, at=at or timezone.now()
    )
    return decision_made(unit, market_data)


def decision_made(unit: DecisionUnit, market_data: MarketData) -> Decided:
    """Decide the unit's signal on its snapshot (read now unless the caller loaded it with
    its own statements) and write the outcome."""
    signal, rules, at = unit.signal, unit.rules, unit.at
    snapshot = unit.snapshot()
    if book_wanted(snapshot, signal, rules, at):
        snapshot = replace(snapshot, book=_book(market_data, signal.token_id))
    decision = decide(snapshot, signal, rules, at)
    _effects_apply(unit.strategy, decision, at=at, token_id=signal.token_id)
    return unit.write(decision)


def _book(market_data: MarketData, token_id: str) -> Book | None:
    try:
        return market_data.book(token_id)
    except BookUnavailable:
        return None  # the decision answers BOOK_UNAVAILABLE


def _effects_apply(strategy: Strategy, decision: Decision, *, at: datetime, token_id: str) -> None:
    """The state transitions the decision made, in the order it made them, each through the
    service that owns it (a raised equity peak goes with the decision's rows instead)."""
    for effect in decision.effects:
        _effect_apply(strategy, effect, at=at, token_id=token_id)


def _effect_apply(strategy: Strategy, effect: Effect, *, at: datetime, token_id: str) -> None:
    if isinstance(effect, PauseLifted):
        row = global_risk_state() if effect.scope_global else strategy_risk_state(strategy=strategy)
        pause_expire(row=row, at=at)
    elif isinstance(effect, Paused):
        strategy_pause(
            strategy=strategy,
            reason_code=effect.reason_code,
            minutes=effect.minutes,
            message=effect.message,
            at=at,
        )
    elif isinstance(effect, BreakerTripped | BreakerNormal | BreakerResumed):
        breaker_change_apply(strategy=strategy, change=effect, at=at, token_id=token_id)
    elif isinstance(effect, TickMoved):
        market_tick_set(market_id=effect.market_id, tick_size=effect.tick)
