"""`risk.decision.decide` on plain snapshots: no database, no clock, no process state.

None of these tests is marked `django_db`: pytest-django refuses any query they would make,
so they also show that the decision reads nothing but its arguments. `pytest -m "not
django_db" tests/risk/test_decision.py` runs them alone.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ltproject.domain import Side, TradingMode
from risk.decision import (
    BreakerTripped,
    BreakerView,
    BudgetHold,
    MidSeen,
    Paused,
    PauseLifted,
    PeakRaised,
    PositionView,
    Snapshot,
    StateView,
    TickMoved,
    book_wanted,
    decide,
    window_starts,
)
from risk.models import RiskRules
from risk.portfolio import Holding, Mark, Portfolio
from risk.reasons import ReasonCode
from risk.vocabulary import BreakerKind, BudgetPeriod, TradingState
from tests.risk.plain import BOOK, MARKET, NOW, TICK, UNIT, YES, D, Sig


def rules(**values: object) -> RiskRules:
    """Rules under which a 0.50 BUY is a clean 20 shares / 10.00 pUSD (an unsaved row)."""
    base: dict[str, object] = {
        "order_max_slippage_bps": 0,
        "max_drawdown_pct": None,
        "max_order_notional": None,
        "sizing_notional": D(10),
    }
    return RiskRules(**{**base, **values})


def portfolio(**values: object) -> Portfolio:
    fields: dict[str, object] = {
        "capital": D(1000),
        "realised": D(0),
        "unrealised": D(0),
        "holdings": {},
    }
    return Portfolio(**{**fields, **values})  # type: ignore[arg-type]


def snapshot(**values: object) -> Snapshot:
    fields: dict[str, object] = {
        "strategy": "s1",
        "mode": TradingMode.PAPER,
        "global_state": StateView(),
        "state": StateView(),
        "market": MARKET,
        "portfolio": portfolio(),
        "book": BOOK,
    }
    return Snapshot(**{**fields, **values})  # type: ignore[arg-type]


def test_a_clean_buy_is_accepted_with_its_order_and_hold() -> None:
    decision = decide(snapshot(), Sig(), rules(budget_daily=D(100)), NOW)
    assert decision.reason_code == ReasonCode.ACCEPTED and decision.accepted
    assert decision.order is not None
    assert (decision.order.size, decision.order.notional, decision.order.price) == (
        D(20),
        D("10.00"),
        D("0.50"),
    )
    assert decision.budget == BudgetHold(
        amount=D("10.00"), windows=((BudgetPeriod.DAILY, date(2026, 12, 7), D(100)),), opening=True
    )
    assert decision.mid == MidSeen(token_id=YES, mid=D("0.495"))


@pytest.mark.parametrize(
    ("used", "code"), [(D(90), "ACCEPTED"), (D(90) + UNIT, "BUDGET_WEEKLY_EXCEEDED")]
)
def test_each_budget_window_at_its_limit_and_one_unit_over(used: Decimal, code: str) -> None:
    snap = snapshot(budget_used={BudgetPeriod.DAILY: D(0), BudgetPeriod.WEEKLY: used})
    decision = decide(snap, Sig(), rules(budget_daily=D(100), budget_weekly=D(100)), NOW)
    assert decision.reason_code == code
    assert (decision.budget is not None) == (code == "ACCEPTED")
    if decision.budget is not None:
        assert decision.budget.opening is False  # both windows exist


def test_a_halted_strategy_is_refused_before_the_book_is_fetched() -> None:
    halted = snapshot(state=StateView(trading_state=TradingState.HALTED, message="by ops"))
    assert not book_wanted(halted, Sig(), rules(), NOW)
    decision = decide(dataclasses.replace(halted, book=None), Sig(), rules(), NOW)
    assert decision.reason_code == ReasonCode.TRADING_HALTED
    assert book_wanted(snapshot(), Sig(), rules(), NOW)


@pytest.mark.parametrize(("ends", "code"), [(NOW, "ACCEPTED"), (NOW + TICK, "DRAWDOWN_PAUSED")])
def test_a_timed_pause_lifts_exactly_when_it_ends(ends: datetime, code: str) -> None:
    paused = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.DRAWDOWN_PAUSED,
        paused_until=ends,
        equity_peak=D(2000),
        consecutive_losses=3,
    )
    decision = decide(snapshot(state=paused), Sig(), rules(max_drawdown_pct=D(10)), NOW)
    assert decision.reason_code == code
    assert (PauseLifted(scope_global=False) in decision.effects) == (code == "ACCEPTED")
    if code == "ACCEPTED":  # the peak starts again from here, not from 2000
        assert PeakRaised(peak=D(1000)) in decision.effects


@pytest.mark.parametrize(("pct", "code"), [(D(10), "ACCEPTED"), (D("9.9999"), "DRAWDOWN_PAUSED")])
def test_drawdown_at_its_limit_and_past_it(pct: Decimal, code: str) -> None:
    snap = snapshot(state=StateView(equity_peak=D(1000)), portfolio=portfolio(capital=D(900)))
    decision = decide(snap, Sig(), rules(max_drawdown_pct=pct, drawdown_pause_minutes=60), NOW)
    assert decision.reason_code == code
    paused = [e for e in decision.effects if isinstance(e, Paused)]
    assert len(paused) == (code != "ACCEPTED")


def test_a_new_mid_marks_a_held_position_before_drawdown_is_measured() -> None:
    held = portfolio(
        unrealised=D(0),
        holdings={YES: Holding(token_id=YES, shares=D(100), cost=D(80))},
        marks={YES: Mark(shares=D(100), paid=D(80), price=D("0.80"))},
    )
    # Marked at 0.80 the strategy is at its peak; at the book's 0.495 it is 30.5 below.
    snap = snapshot(state=StateView(equity_peak=D(1000)), portfolio=held)
    decision = decide(snap, Sig(), rules(max_drawdown_pct=D(3)), NOW)
    assert decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    assert decision.checks["drawdown"]["equity"] == "969.500000"


def test_the_same_mid_within_a_second_is_not_recorded_again() -> None:
    recent = snapshot(last_mid=(D("0.495"), NOW - timedelta(milliseconds=999)))
    assert decide(recent, Sig(), rules(), NOW).mid is None
    older = snapshot(last_mid=(D("0.495"), NOW - timedelta(seconds=1)))
    assert decide(older, Sig(), rules(), NOW).mid is not None


@pytest.mark.parametrize(
    ("spread", "code"), [(D("0.01"), "ACCEPTED"), (D("0.009999"), "BREAKER_SPREAD_OPEN")]
)
def test_the_spread_breaker_at_its_threshold_and_past_it(spread: Decimal, code: str) -> None:
    decision = decide(snapshot(), Sig(), rules(breaker_max_spread=spread), NOW)
    assert decision.reason_code == code
    trips = [e for e in decision.effects if isinstance(e, BreakerTripped)]
    assert len(trips) == (code != "ACCEPTED")


def test_a_global_open_breaker_refuses_entries_but_not_exits() -> None:
    tripped = BreakerView(kind=BreakerKind.LATENCY, is_global=True, state="open", tripped_at=NOW)
    snap = snapshot(breakers=(tripped,))
    assert decide(snap, Sig(), rules(), NOW).reason_code == ReasonCode.BREAKER_LATENCY_OPEN
    held = portfolio(holdings={YES: Holding(token_id=YES, shares=D(20), cost=D(10))})
    exit_snap = dataclasses.replace(snap, portfolio=held, position=PositionView(id=3, size=D(20)))
    sell = decide(exit_snap, Sig(side=Side.SELL), rules(), NOW)
    assert sell.accepted and sell.order is not None and sell.order.position_id == 3


@pytest.mark.parametrize(("recent", "code"), [(2, "ACCEPTED"), (3, "ORDER_RATE_EXCEEDED")])
def test_entries_per_minute_at_the_limit_and_one_past_it(recent: int, code: str) -> None:
    snap = snapshot(entries_last_minute=recent)
    assert decide(snap, Sig(), rules(max_orders_per_minute=3), NOW).reason_code == code
    held = portfolio(holdings={YES: Holding(token_id=YES, shares=D(20), cost=D(10))})
    exit_snap = dataclasses.replace(snap, portfolio=held, position=PositionView(id=3, size=D(20)))
    assert decide(exit_snap, Sig(side=Side.SELL), rules(max_orders_per_minute=3), NOW).accepted


def test_a_new_tick_from_the_book_reprices_the_order() -> None:
    snap = snapshot(book=dataclasses.replace(BOOK, tick_size=D("0.001")))
    decision = decide(snap, Sig(price=D("0.5057")), rules(), NOW)  # 0.50 on the old tick
    assert TickMoved(market_id=7, tick=D("0.001")) in decision.effects
    assert decision.order is not None and decision.order.price == D("0.505")


@pytest.mark.parametrize(("limit", "code"), [(2, "ACCEPTED"), (1, "MAX_CONCURRENT_POSITIONS")])
def test_max_concurrent_positions_counts_the_new_one(limit: int, code: str) -> None:
    other = {"2001": Holding(token_id="2001", shares=D(10), cost=D(5))}
    snap = snapshot(portfolio=portfolio(holdings=other))
    assert decide(snap, Sig(), rules(max_concurrent_positions=limit), NOW).reason_code == code


def test_event_exposure_sums_the_event_s_markets_only() -> None:
    held = {
        "2001": Holding(token_id="2001", shares=D(10), cost=D(5)),  # same event
        "3001": Holding(token_id="3001", shares=D(10), cost=D(50)),  # another event
    }
    market = dataclasses.replace(MARKET, event_id="ev")
    events = {YES: (7, "ev"), "2001": (8, "ev"), "3001": (9, "other")}
    snap = snapshot(portfolio=portfolio(holdings=held), market=market, token_events=events)
    at_limit = decide(snap, Sig(), rules(max_exposure_per_event=D(15)), NOW)
    assert at_limit.reason_code == ReasonCode.ACCEPTED
    assert at_limit.checks["exposure"]["event"] == "15.000000"
    over = decide(snap, Sig(), rules(max_exposure_per_event=D(15) - UNIT), NOW)
    assert over.reason_code == ReasonCode.EXPOSURE_EVENT_EXCEEDED


def test_the_decision_imports_nothing_of_django_s_database_layer() -> None:
    """Imported alone, in a fresh interpreter: not one module of django.db is loaded, nor
    any module that reads or writes (models, selectors, services, hotpath)."""
    probe = (
        "import sys, risk.decision; "
        "print(' '.join(m for m in sys.modules if m.startswith(('django.db', 'hotpath')) "
        "or m.endswith(('.models', '.selectors', '.services'))))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert found == []


# --- the Hypothesis state machine: the decision against an in-memory ledger -----------------


class LedgerMachine(RuleBasedStateMachine):
    """Signals decided on snapshots of an in-memory ledger, whose accepted orders fill at
    once or are cancelled: whatever the order, no window is ever over its limit, and no
    entry is accepted while the strategy is halted."""

    LIMITS: dict[str, object] = {
        "budget_daily": D(30),
        "budget_weekly": D(70),
        "max_concurrent_positions": 2,
        "max_exposure_per_market": D(25),
    }

    def __init__(self) -> None:
        super().__init__()
        self.now = NOW
        self.used: dict[BudgetPeriod, Decimal] = {}
        self.windows: dict[tuple[BudgetPeriod, date], Decimal] = {}
        self.holdings: dict[str, Holding] = {}
        self.halted = False

    def _snapshot(self, token: str) -> Snapshot:
        used = {p: v for (p, start), v in self.windows.items() if start in self._starts(p)}
        state = StateView(trading_state=TradingState.HALTED if self.halted else TradingState.ACTIVE)
        market = dataclasses.replace(MARKET, token_id=token, sibling_token_ids=())
        return snapshot(
            state=state,
            market=market,
            book=dataclasses.replace(BOOK, token_id=token),
            portfolio=portfolio(holdings=dict(self.holdings)),
            budget_used=used,
        )

    def _starts(self, period: BudgetPeriod) -> set[date]:
        return {window_starts(tz="UTC", at=self.now)[period]}

    @rule(
        notional=st.sampled_from([D("2.50"), D("5"), D("7.50"), D("10"), D("12.34")]),
        token=st.sampled_from(["t1", "t2", "t3"]),
        fills=st.booleans(),
    )
    def signal(self, notional: Decimal, token: str, fills: bool) -> None:
        limits = rules(**self.LIMITS, sizing_notional=notional)
        decision = decide(self._snapshot(token), Sig(token_id=token), limits, self.now)
        if self.halted:
            assert not decision.accepted
        if decision.budget is None or decision.order is None:
            return
        for period, start, _limit in decision.budget.windows:
            key = (period, start)
            self.windows[key] = self.windows.get(key, D(0)) + decision.budget.amount
        if fills:
            held = self.holdings.get(token, Holding(token_id=token))
            self.holdings[token] = dataclasses.replace(
                held,
                shares=held.shares + decision.order.size,
                cost=held.cost + decision.order.notional,
            )
        else:  # cancelled: the hold is released
            for period, start, _limit in decision.budget.windows:
                self.windows[(period, start)] -= decision.budget.amount

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def halt_or_resume(self) -> None:
        self.halted = not self.halted

    @rule(token=st.sampled_from(["t1", "t2", "t3"]))
    def close(self, token: str) -> None:
        self.holdings.pop(token, None)

    @invariant()
    def budgets_within_limits(self) -> None:
        limits = {BudgetPeriod.DAILY: D(30), BudgetPeriod.WEEKLY: D(70)}
        for (period, _start), used in self.windows.items():
            assert used <= limits[period]

    @invariant()
    def positions_within_limits(self) -> None:
        open_positions = [h for h in self.holdings.values() if h.shares > 0]
        assert len(open_positions) <= 2
        assert all(h.cost <= D(25) for h in open_positions)


def test_the_ledger_state_machine() -> None:
    run_state_machine_as_test(LedgerMachine, settings=settings(max_examples=150, deadline=None))
