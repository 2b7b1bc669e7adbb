"""Every threshold of the decision at its line and one unit past it, through `risk_decide`.

Money rules are pinned to the pUSD base unit (0.000001), the drawdown to its 0.0001 %,
times to the microsecond, counts to one. The loss streak, the pause's end, the market
minimum, exit liquidity and the breakers' resume periods are pinned in the files of their
own rules; the exit triggers and the price range in tests/test_thresholds.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from risk.breakers import breaker_observe
from risk.budgets import window_starts
from risk.models import Breaker, BreakerKind, BudgetPeriod, BudgetWindow, RiskState
from risk.reasons import ReasonCode
from strategies.models import Strategy
from tests.factories import BudgetWindowFactory, PositionFactory
from tests.risk.helpers import DEEP_BIDS, decide, market_pair, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
UNIT = D("0.000001")  # the pUSD base unit
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday, mid-month
LIMIT_FIELD = {
    BudgetPeriod.DAILY: "budget_daily",
    BudgetPeriod.WEEKLY: "budget_weekly",
    BudgetPeriod.MONTHLY: "budget_monthly",
}
EXCEEDED = {
    BudgetPeriod.DAILY: ReasonCode.BUDGET_DAILY_EXCEEDED,
    BudgetPeriod.WEEKLY: ReasonCode.BUDGET_WEEKLY_EXCEEDED,
    BudgetPeriod.MONTHLY: ReasonCode.BUDGET_MONTHLY_EXCEEDED,
}
# A second budgeted period whose window is not open yet: the decision cannot hold the budget
# with its own rows, and reserves it with the conditional UPDATE (see risk.budgets).
UNOPENED = {
    BudgetPeriod.DAILY: BudgetPeriod.MONTHLY,
    BudgetPeriod.WEEKLY: BudgetPeriod.DAILY,
    BudgetPeriod.MONTHLY: BudgetPeriod.DAILY,
}


def _code(result) -> str:
    return result.decision.reason_code


# --- budgets: each period exactly full, and one base unit over ---------------------------


@pytest.mark.parametrize("period", list(BudgetPeriod))
@pytest.mark.parametrize("path", ["reserve", "hold"])
@pytest.mark.parametrize(("spent", "accepted"), [(D("50"), True), (D("50") + UNIT, False)])
@time_machine.travel(NOON, tick=False)
def test_a_budget_takes_an_order_that_fills_it_and_refuses_one_unit_more(
    books, period: BudgetPeriod, path: str, spent: Decimal, accepted: bool
) -> None:
    rules = {"budget_daily": None, LIMIT_FIELD[period]: D(100)}
    if path == "reserve":
        rules[LIMIT_FIELD[UNOPENED[period]]] = D(1000)
    strategy = strategy_with(**rules)
    _, yes, _ = market_pair(books)
    start = window_starts(tz="UTC", at=NOON)[period]
    # 40 reserved and 50 (+ a unit) spent: the 10 pUSD order fills it to 100 (+ a unit).
    BudgetWindowFactory(strategy=strategy, period=period, window_start=start, limit=D(100),
                        reserved=D(40), spent=spent)  # fmt: skip
    result = decide(strategy, yes, books)
    assert result.order is None or result.order.notional == D(10)
    window = BudgetWindow.objects.get(strategy=strategy, period=period)
    if accepted:
        assert _code(result) == ReasonCode.ACCEPTED
        assert window.reserved + window.spent == D(100)
    else:
        assert _code(result) == EXCEEDED[period]
        assert (window.reserved, window.spent) == (D(40), spent)
    if path == "reserve":  # the reservation opened the other period's window, or held nothing
        other = BudgetWindow.objects.filter(strategy=strategy, period=UNOPENED[period])
        assert sum(w.reserved for w in other) == (D(10) if accepted else 0)


@pytest.mark.parametrize(("limit", "accepted"), [(D(10), True), (D(10) - UNIT, False)])
@time_machine.travel(NOON, tick=False)
def test_the_first_order_of_a_period_may_spend_the_whole_budget_and_not_a_unit_more(
    books, limit: Decimal, accepted: bool
) -> None:
    strategy = strategy_with(budget_daily=limit)
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books)
    assert _code(result) == (ReasonCode.ACCEPTED if accepted else ReasonCode.BUDGET_DAILY_EXCEEDED)
    held = BudgetWindow.objects.filter(period=BudgetPeriod.DAILY)
    assert sum(w.reserved for w in held) == (D(10) if accepted else 0)


# --- exposure and positions ---------------------------------------------------------------


@pytest.mark.parametrize(("limit", "accepted"), [(D(20), True), (D(20) - UNIT, False)])
def test_market_exposure_at_the_limit_and_one_unit_under_it(
    books, limit: Decimal, accepted: bool
) -> None:
    strategy = strategy_with(max_exposure_per_market=limit)
    _, yes, _ = market_pair(books)
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    result = decide(strategy, yes, books)  # 10 held + 10 = 20
    assert _code(result) == (
        ReasonCode.ACCEPTED if accepted else ReasonCode.EXPOSURE_MARKET_EXCEEDED
    )


@pytest.mark.parametrize(("limit", "accepted"), [(D(20), True), (D(20) - UNIT, False)])
def test_event_exposure_at_the_limit_and_one_unit_under_it(
    books, limit: Decimal, accepted: bool
) -> None:
    strategy = strategy_with(max_exposure_per_event=limit)
    _, first, _ = market_pair(books, event_id="election")
    _, second, _ = market_pair(books, event_id="election")
    PositionFactory(strategy=strategy, token_id=first.token_id, size=D(20), cost_basis=D(10))
    result = decide(strategy, second, books)  # 10 in one market + 10 in the other
    assert _code(result) == (
        ReasonCode.ACCEPTED if accepted else ReasonCode.EXPOSURE_EVENT_EXCEEDED
    )


@pytest.mark.parametrize(("held", "accepted"), [(1, True), (2, False)])
def test_max_concurrent_positions_at_the_limit_and_one_over(books, held, accepted) -> None:
    strategy = strategy_with(max_concurrent_positions=2)
    for _ in range(held):
        _, token, _ = market_pair(books)
        PositionFactory(strategy=strategy, token_id=token.token_id)
    _, new, _ = market_pair(books)
    result = decide(strategy, new, books)
    assert _code(result) == (
        ReasonCode.ACCEPTED if accepted else ReasonCode.MAX_CONCURRENT_POSITIONS
    )


@pytest.mark.parametrize(("limit", "accepted"), [(2, True), (1, False)])
def test_positions_per_market_at_the_limit_and_one_over(books, limit, accepted) -> None:
    strategy = strategy_with(max_positions_per_market=limit)
    _, yes, no = market_pair(books)
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    result = decide(strategy, no, books)  # the market's second position
    assert _code(result) == (
        ReasonCode.ACCEPTED if accepted else ReasonCode.MAX_POSITIONS_PER_MARKET
    )


def test_the_first_position_of_a_market_is_within_a_limit_of_one(books) -> None:
    strategy = strategy_with(max_positions_per_market=1, max_concurrent_positions=1)
    _, yes, _ = market_pair(books)
    assert decide(strategy, yes, books).accepted


# --- order notional bounds (the order is 10.000000 pUSD) ------------------------------------


@pytest.mark.parametrize(
    ("bound", "code"),
    [
        ({"min_order_notional": D(10)}, ReasonCode.ACCEPTED),
        ({"min_order_notional": D(10) + UNIT}, ReasonCode.ORDER_NOTIONAL_BELOW_MIN),
        ({"max_order_notional": D(10)}, ReasonCode.ACCEPTED),
        ({"max_order_notional": D(10) - UNIT}, ReasonCode.ORDER_NOTIONAL_ABOVE_MAX),
    ],
)
def test_order_notional_bounds_to_the_base_unit(books, bound, code) -> None:
    strategy = strategy_with(sizing_notional=D(10), **bound)
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books)
    assert _code(result) == code
    assert result.decision.checks["sizing"]["notional"] == "10.000000"


# --- drawdown: 20 % of a 1,000 peak, to the 0.0001 % it is measured in ---------------------


@pytest.mark.parametrize(("loss", "accepted"), [(D("200.000"), True), (D("200.001"), False)])
@time_machine.travel(NOON, tick=False)
def test_drawdown_at_the_limit_and_one_measured_unit_over(books, loss, accepted) -> None:
    strategy = strategy_with(max_drawdown_pct=D(20), drawdown_pause_minutes=30)
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(1000))
    PositionFactory(strategy=strategy, status=PositionStatus.CLOSED, size=0, cost_basis=0,
                    realised_pnl=-loss)  # fmt: skip
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books)
    assert _code(result) == (ReasonCode.ACCEPTED if accepted else ReasonCode.DRAWDOWN_PAUSED)
    assert D(result.decision.checks["drawdown"]["pct"]) == (D(20) if accepted else D("20.0001"))


# --- circuit breakers -------------------------------------------------------------------------


@pytest.mark.parametrize(("ask", "accepted"), [("0.52", True), ("0.520001", False)])
def test_spread_breaker_at_its_threshold_and_one_unit_over(books, ask, accepted) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"))
    _, yes, _ = market_pair(books)
    books.set(yes.token_id, bids=[(D("0.49"), D(1000))], asks=[(D(ask), D(1000))])
    result = decide(strategy, yes, books, price=D("0.53"))
    assert _code(result) == (ReasonCode.ACCEPTED if accepted else ReasonCode.BREAKER_SPREAD_OPEN)
    assert Breaker.objects.filter(state=Breaker.State.OPEN).exists() is not accepted


@pytest.mark.parametrize(("shares", "accepted"), [("100", True), ("99.999998", False)])
def test_liquidity_breaker_at_its_minimum_and_one_unit_under(books, shares, accepted) -> None:
    strategy = strategy_with(breaker_min_depth=D(50))
    _, yes, _ = market_pair(books)
    # Depth within the limit price: shares × 0.50 pUSD, i.e. 50.000000 or 49.999999.
    books.set(yes.token_id, bids=DEEP_BIDS, asks=[(D("0.50"), D(shares)), (D("0.60"), D(1000))])
    result = decide(strategy, yes, books)
    assert _code(result) == (ReasonCode.ACCEPTED if accepted else ReasonCode.BREAKER_LIQUIDITY_OPEN)


EXECUTOR_KINDS = [
    (BreakerKind.SLIPPAGE, "breaker_max_slippage_bps", 100, ReasonCode.BREAKER_SLIPPAGE_OPEN),
    (BreakerKind.LATENCY, "breaker_max_latency_ms", 500, ReasonCode.BREAKER_LATENCY_OPEN),
    (BreakerKind.ERROR_RATE, "breaker_max_error_rate", D("0.2"),
     ReasonCode.BREAKER_ERROR_RATE_OPEN),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "field", "threshold", "code"), EXECUTOR_KINDS)
@pytest.mark.parametrize("over", [False, True])
def test_executor_fed_breakers_at_their_threshold_and_one_unit_over(
    books, kind, field, threshold, code, over
) -> None:
    strategy = strategy_with(**{field: threshold})
    _, yes, _ = market_pair(books)
    value = D(threshold) + (UNIT if over else 0)
    breaker = breaker_observe(strategy=strategy, kind=kind, value=value)
    assert (breaker is not None and breaker.state == Breaker.State.OPEN) is over
    assert _code(decide(strategy, yes, books)) == (code if over else ReasonCode.ACCEPTED)


@pytest.mark.parametrize(("kind", "threshold"), [(BreakerKind.LATENCY, D(5000)),
                                                 (BreakerKind.ERROR_RATE, D("0.5"))])  # fmt: skip
@pytest.mark.parametrize("over", [False, True])
def test_global_breakers_at_their_threshold_and_one_unit_over(books, kind, threshold, over) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    value = threshold + (UNIT if over else 0)
    breaker_observe(strategy=None, kind=kind, value=value, threshold=threshold,
                    resume_after_minutes=5, resume_when_normal=True)  # fmt: skip
    tripped = Breaker.objects.filter(strategy=None, kind=kind, state=Breaker.State.OPEN)
    assert tripped.exists() is over
    assert decide(strategy, yes, books).accepted is not over


# --- live entries: the reconciliation vouches for the ledger for 5 minutes ------------------


FIVE_MINUTES = timedelta(minutes=5)


@pytest.mark.parametrize(
    ("age", "accepted"), [(FIVE_MINUTES, True), (FIVE_MINUTES + timedelta(microseconds=1), False)]
)
@time_machine.travel(NOON, tick=False)
def test_a_reconciliation_exactly_five_minutes_old_still_vouches(books, age, accepted) -> None:
    strategy = strategy_with()
    Strategy.objects.filter(pk=strategy.pk).update(mode=TradingMode.LIVE)
    _, yes, _ = market_pair(books)
    decide(strategy, yes, books)  # creates the global state row
    RiskState.objects.filter(is_global=True).update(reconciled_at=NOON - age)
    result = decide(strategy, yes, books)
    assert _code(result) == (ReasonCode.ACCEPTED if accepted else ReasonCode.NOT_RECONCILED)
