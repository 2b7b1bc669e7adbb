"""The health checks, one by one, each at its thresholds (exactly at, and one unit past)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django_q.models import Schedule

from execution.models import OrderStatus, TradeStatus
from ltproject.domain import TradingMode
from monitoring.health.alerting import check_alerts
from monitoring.health.base import CheckResult, Context
from monitoring.health.jobs import check_jobs
from monitoring.health.orders import check_orders
from monitoring.health.redemption import check_redemption
from monitoring.health.risk import check_risk
from monitoring.health.wallet import check_wallet
from monitoring.models import Alert, HealthStatus
from redemption.models import RedemptionState
from risk.models import Breaker, BreakerKind, BudgetPeriod, TradingState
from tests.factories import (
    AlertFactory,
    BreakerFactory,
    BudgetWindowFactory,
    FillFactory,
    OrderFactory,
    PositionFactory,
    ReconcileRunFactory,
    RedemptionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
OK, WARNING, FAILING = HealthStatus.OK, HealthStatus.WARNING, HealthStatus.FAILING


def _ctx(now=None) -> Context:
    return Context.build(now or timezone.now())


def _given(result: CheckResult) -> dict[int, tuple[HealthStatus, str]]:
    """The statuses a per-strategy check gave (strategies it does not list are OK)."""
    assert result.per_strategy is not None
    return result.per_strategy


# --- orders ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [(30, OK), (31, WARNING), (300, WARNING), (301, FAILING)],
)
def test_an_unsent_intent_warns_after_30_s_and_fails_after_5_min(age_s, expected) -> None:
    now = timezone.now()
    order = OrderFactory(status=OrderStatus.INTENT, created_at=now - timedelta(seconds=age_s))
    result = check_orders(_ctx(now))
    assert result.status == expected
    assert _given(result).get(order.strategy_id, (OK, ""))[0] == expected


@pytest.mark.parametrize(("minutes", "expected"), [(10, OK), (10.01, WARNING)])
def test_a_fill_matched_but_unconfirmed_for_10_minutes_warns(minutes, expected) -> None:
    now = timezone.now()
    FillFactory(status=TradeStatus.MATCHED, match_time=now - timedelta(minutes=minutes))
    FillFactory(status=TradeStatus.CONFIRMED, match_time=now - timedelta(hours=1))
    assert check_orders(_ctx(now)).status == expected


@pytest.mark.parametrize(("past_s", "expected"), [(120, OK), (121, WARNING)])
def test_a_resting_order_past_its_ttl_warns(past_s, expected) -> None:
    now = timezone.now()
    OrderFactory(status=OrderStatus.LIVE, expires_at=now - timedelta(seconds=past_s))
    assert check_orders(_ctx(now)).status == expected


def test_orders_mark_only_the_strategy_with_stuck_orders() -> None:
    stuck, calm = StrategyFactory(), StrategyFactory()
    OrderFactory(
        strategy=stuck, status=OrderStatus.SIGNED, created_at=timezone.now() - timedelta(minutes=2)
    )
    OrderFactory(strategy=calm, status=OrderStatus.MATCHED)
    result = check_orders(_ctx())
    assert _given(result) == {stuck.pk: (WARNING, "1 unsent")}


# --- risk -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("used", "expected"), [("79.99", OK), ("80.00", WARNING)])
def test_a_budget_window_warns_from_80_percent_used(used, expected) -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER)
    BudgetWindowFactory(strategy=strategy, period=BudgetPeriod.DAILY, limit=D(100), spent=D(used))
    result = check_risk(_ctx())
    assert _given(result).get(strategy.pk, (OK, ""))[0] == expected


def test_last_periods_window_does_not_count() -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER)
    BudgetWindowFactory(
        strategy=strategy,
        window_start=timezone.now().date() - timedelta(days=1),
        limit=D(100),
        spent=D(100),
    )
    assert _given(check_risk(_ctx())) == {}


def test_open_breakers_and_pauses_warn_their_strategy_and_global_ones_everybody() -> None:
    tripped, paused, calm = (StrategyFactory(mode=TradingMode.PAPER) for _ in range(3))
    BreakerFactory(strategy=tripped, kind=BreakerKind.SPREAD, state=Breaker.State.OPEN)
    paused.risk_state.trading_state = TradingState.HALTED
    paused.risk_state.save()
    result = check_risk(_ctx())
    assert set(_given(result)) == {tripped.pk, paused.pk}
    assert result.status == WARNING
    BreakerFactory(strategy=None, kind=BreakerKind.LATENCY, state=Breaker.State.OPEN)
    result = check_risk(_ctx())
    assert _given(result)[calm.pk] == (WARNING, "global latency breaker open")


@pytest.mark.parametrize(
    ("mark", "expected"),
    # capital 1000, peak 1000, limit 20 %: warn from 16 % (0.8 of it), fail over 20 %.
    [("0.55", OK), ("0.54", WARNING), ("0.50", WARNING), ("0.49", FAILING)],
)
def test_drawdown_warns_near_its_limit_and_fails_over_it(mark, expected) -> None:
    strategy = StrategyFactory(
        mode=TradingMode.PAPER, risk_rules__max_drawdown_pct=D(20), risk_rules__capital=D(1000)
    )
    strategy.risk_state.equity_peak = D(1000)
    strategy.risk_state.save()
    # 1000 shares bought at 0.70; marked at `mark`: unrealised (mark − 0.70) × 1000.
    PositionFactory(
        strategy=strategy,
        mode=TradingMode.PAPER,
        size=D(1000),
        avg_cost=D("0.7"),
        cost_basis=D(700),
        mark_price=D(mark),
        marked_at=timezone.now(),
    )
    result = check_risk(_ctx())
    assert _given(result).get(strategy.pk, (OK, ""))[0] == expected


# --- wallet ---------------------------------------------------------------------------------


def test_the_wallet_is_not_judged_without_live_strategies() -> None:
    StrategyFactory(mode=TradingMode.PAPER)
    result = check_wallet(_ctx())
    assert (result.status, result.details) == (OK, {"used": False})


@pytest.mark.parametrize(("age_s", "expected"), [(300, OK), (301, WARNING), (1801, FAILING)])
def test_the_last_clean_reconciliation_ages(age_s, expected) -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    now = timezone.now()
    ReconcileRunFactory(finished_at=now - timedelta(seconds=age_s), collateral=D(100))
    assert check_wallet(_ctx(now)).status == expected


def test_a_mismatch_warns_once_and_fails_when_it_persists() -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    ReconcileRunFactory(agreed=True)
    ReconcileRunFactory(agreed=False, mismatches={"123": ["10", "0"]})
    once = check_wallet(_ctx())
    assert once.status == WARNING and "next pass decides" in once.message
    ReconcileRunFactory(agreed=False, mismatches={"123": ["10", "0"]}, persisting=["123"])
    twice = check_wallet(_ctx())
    assert twice.status == FAILING and "two passes" in twice.message


@pytest.mark.parametrize(("collateral", "expected"), [("9.90", OK), ("9.89", WARNING)])
def test_pusd_must_cover_the_open_buy_orders(collateral, expected) -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    OrderFactory(mode=TradingMode.LIVE, status=OrderStatus.LIVE, price=D("0.55"), size=D(18))
    ReconcileRunFactory(collateral=D(collateral))
    assert check_wallet(_ctx()).status == expected


# --- redemption -----------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "expected"), [(60, OK), (61, WARNING)])
def test_a_winner_unredeemed_an_hour_after_resolution_warns(minutes, expected) -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    now = timezone.now()
    RedemptionFactory(state=RedemptionState.PENDING, resolved_at=now - timedelta(minutes=minutes))
    assert check_redemption(_ctx(now)).status == expected


@pytest.mark.parametrize(("succeeded", "failed", "expected"), [(19, 1, OK), (94, 5, WARNING)])
def test_the_seven_day_success_rate_is_a_figure_with_a_95_percent_floor(
    succeeded, failed, expected
) -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    for _ in range(succeeded):
        RedemptionFactory(state=RedemptionState.CONFIRMED)
    for _ in range(failed):
        RedemptionFactory(state=RedemptionState.FAILED)
    result = check_redemption(_ctx())
    assert result.status == expected
    assert (result.details["succeeded_7d"], result.details["failed_7d"]) == (succeeded, failed)


# --- jobs and alert mail --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late_minutes", "expected"), [(10, OK), (10.5, WARNING), (30, WARNING), (31, FAILING)]
)
def test_an_overdue_schedule_warns_then_fails(late_minutes, expected) -> None:
    now = timezone.now()
    Schedule.objects.create(
        name="x",
        func="math.floor",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=now - timedelta(minutes=late_minutes),
    )
    with time_machine.travel(now, tick=False):
        assert check_jobs(_ctx(now)).status == expected


@pytest.mark.parametrize(("late_s", "expected"), [(120, OK), (121, FAILING)])
def test_an_alert_mail_two_minutes_late_is_a_failing_check(late_s, expected) -> None:
    now = timezone.now()
    AlertFactory(
        severity=Alert.Severity.CRITICAL,
        delivery=Alert.Delivery.PENDING,
        next_attempt_at=now - timedelta(seconds=late_s),
    )
    assert check_alerts(_ctx(now)).status == expected


def test_info_alerts_waiting_for_the_digest_are_not_late() -> None:
    AlertFactory(severity=Alert.Severity.INFO, next_attempt_at=None)
    assert check_alerts(_ctx()).status == OK


@pytest.mark.parametrize(("since_s", "expected"), [(1800, WARNING), (1801, FAILING)])
def test_a_reconciliation_that_never_succeeds_turns_failing(since_s, expected) -> None:
    StrategyFactory(mode=TradingMode.LIVE)
    now = timezone.now()
    ReconcileRunFactory(
        started_at=now - timedelta(seconds=since_s),
        agreed=False,
        error="AuthError: invalid api key",
    )
    result = check_wallet(_ctx(now))
    assert result.status == expected and "no clean reconciliation" in result.message
