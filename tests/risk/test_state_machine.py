"""A Hypothesis state machine over signals, fills, cancels, calendar rollovers, restarts,
halts and losing closes: budgets are never over, and nothing trades while HALTED."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from execution.models import Order, PositionStatus
from ltproject.domain import Side
from risk import market_data
from risk.budgets import budget_release, budget_spend
from risk.engine import risk_decide
from risk.market_data import StaticBooks
from risk.models import BudgetReservation, BudgetWindow, RiskRules, RiskState, TradingState
from risk.services import risk_position_closed, risk_resume, strategy_halt
from tests.factories import PositionFactory
from tests.risk.helpers import market_pair, signal_for, strategy_with

D = Decimal
T0 = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)


class BudgetMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.traveller = time_machine.travel(T0, tick=False)
        self.clock = self.traveller.start()
        self.books = StaticBooks()
        self.strategy = strategy_with(
            budget_daily=D(30), budget_weekly=D(70), budget_monthly=D(150),
            budget_timezone="Europe/Paris", max_consecutive_losses=2,
            loss_streak_pause_minutes=90,
        )  # fmt: skip
        _, yes, no = market_pair(self.books)
        self.tokens = [yes.token_id, no.token_id]
        self.open_orders: list[int] = []

    def teardown(self) -> None:
        self.traveller.stop()

    def _state(self) -> RiskState:
        return RiskState.objects.get(strategy=self.strategy)

    @rule(
        notional=st.sampled_from([D("2.50"), D("5"), D("7.50"), D("10"), D("12.34")]),
        token=st.integers(0, 1),
        price=st.sampled_from([D("0.25"), D("0.50"), D("0.61")]),
    )
    def signal(self, notional: Decimal, token: int, price: Decimal) -> None:
        RiskRules.objects.filter(pk=self.strategy.risk_rules_id).update(sizing_notional=notional)
        self.strategy.risk_rules.refresh_from_db()
        halted_before = self._state().trading_state == TradingState.HALTED
        pause_over = (until := self._state().paused_until) is not None and until <= self._now()
        signal = signal_for(self.strategy, self.tokens[token], price=price)
        result = risk_decide(signal=signal, market_data=self.books)
        if result.order is not None:
            assert not halted_before or pause_over, "an order was accepted while HALTED"
            assert self._state().trading_state != TradingState.HALTED
            self.open_orders.append(result.order.pk)

    def _now(self) -> datetime:
        from django.utils import timezone

        return timezone.now()

    @precondition(lambda self: self.open_orders)
    @rule(pick=st.integers(0, 50), part=st.sampled_from([D("0.25"), D("0.5"), D(1)]))
    def fill(self, pick: int, part: Decimal) -> None:
        order = Order.objects.get(pk=self.open_orders[pick % len(self.open_orders)])
        held = order.budget_reservations.aggregate(r=Sum("reserved"))["r"] or D(0)
        per_window = held / max(order.budget_reservations.count(), 1)
        budget_spend(order=order, amount=(per_window * part).quantize(D("0.000001")))

    @precondition(lambda self: self.open_orders)
    @rule(pick=st.integers(0, 50))
    def cancel(self, pick: int) -> None:
        order_id = self.open_orders.pop(pick % len(self.open_orders))
        budget_release(order=Order.objects.get(pk=order_id))

    @rule(hours=st.sampled_from([1, 6, 24, 24 * 7, 24 * 31]))
    def time_passes(self, hours: int) -> None:
        self.clock.shift(timedelta(hours=hours))

    @rule()
    def restart(self) -> None:
        # A new process: no in-memory state survives, only the database.
        market_data._last_mids.clear()
        self.strategy.refresh_from_db()

    @rule()
    def halt(self) -> None:
        strategy_halt(strategy=self.strategy, actor="machine")

    @rule()
    def resume(self) -> None:
        risk_resume(strategy=self.strategy, actor="machine")

    @rule(pnl=st.sampled_from([D("-3"), D("-0.01"), D("0"), D("2")]))
    def position_closes(self, pnl: Decimal) -> None:
        position = PositionFactory(strategy=self.strategy, status=PositionStatus.CLOSED, size=0,
                                   cost_basis=0, realised_pnl=pnl)  # fmt: skip
        risk_position_closed(position=position, realised_pnl=pnl)

    @rule(token=st.integers(0, 1))
    def manual_halted_signal_is_refused(self, token: int) -> None:
        strategy_halt(strategy=self.strategy, actor="machine")
        result = risk_decide(signal=signal_for(self.strategy, self.tokens[token], side=Side.BUY),
                             market_data=self.books)  # fmt: skip
        assert result.order is None

    @invariant()
    def budgets_are_never_over(self) -> None:
        for window in BudgetWindow.objects.filter(strategy=self.strategy):
            assert window.limit is None or window.reserved + window.spent <= window.limit
            sums = BudgetReservation.objects.filter(window=window).aggregate(
                reserved=Sum("reserved"), spent=Sum("spent")
            )
            assert window.reserved == (sums["reserved"] or 0)
            assert window.spent == (sums["spent"] or 0)


@pytest.mark.django_db
def test_budgets_hold_and_halted_strategies_do_not_trade_whatever_happens() -> None:
    previous = market_data.set_market_data(StaticBooks())
    try:
        run_state_machine_as_test(
            BudgetMachine,
            settings=settings(
                max_examples=40,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        market_data.set_market_data(previous)
