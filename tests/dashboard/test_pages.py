"""The dashboard's pages, through Django's test client: who may see them, what they show,
what the kill switch and the alert buttons do, and how many queries the overview costs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from monitoring.models import Alert, HealthStatus
from risk.models import Breaker, BreakerKind, BudgetPeriod, TradingState
from risk.selectors import global_risk_state
from tests.factories import (
    AlertFactory,
    BreakerFactory,
    BudgetWindowFactory,
    HealthCheckFactory,
    MarketTokenFactory,
    PositionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
PAGES = ["overview", "markets", "redemptions", "health"]


@pytest.fixture
def operator() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("ana", password="pw", is_staff=True))
    return client


def _book(slug: str = "copy-whale") -> None:
    strategy = StrategyFactory(
        slug=slug,
        mode=TradingMode.PAPER,
        risk_rules__capital=D(1000),
        risk_rules__budget_daily=D(100),
    )
    token = MarketTokenFactory(
        market__question="Will BTC close 2026 above $150,000?", outcome="Yes"
    )
    PositionFactory(
        strategy=strategy,
        market=token.market,
        token_id=token.token_id,
        mode=TradingMode.PAPER,
        size=D(100),
        avg_cost=D("0.40"),
        cost_basis=D(40),
        mark_price=D("0.55"),
        marked_at=timezone.now(),
    )
    PositionFactory(
        strategy=strategy,
        mode=TradingMode.PAPER,
        status=PositionStatus.CLOSED,
        size=0,
        cost_basis=0,
        realised_pnl=D("12.5"),
        closed_at=timezone.now(),
    )
    BudgetWindowFactory(strategy=strategy, period=BudgetPeriod.DAILY, limit=D(100), spent=D(85))


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_for_staff_only(name: str) -> None:
    answer = Client().get(reverse(f"dashboard:{name}"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("dashboard:login"))
    trader = Client()
    trader.force_login(User.objects.create_user("trader", password="pw"))
    assert trader.get(reverse(f"dashboard:{name}")).status_code == 302


@pytest.mark.parametrize("name", PAGES)
def test_every_page_answers_with_a_content_security_policy(operator: Client, name: str) -> None:
    _book()
    answer = operator.get(reverse(f"dashboard:{name}"))
    assert answer.status_code == 200
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


def test_the_overview_shows_money_markets_and_state(operator: Client) -> None:
    _book()
    html = operator.get(reverse("dashboard:overview")).content.decode()
    assert "copy-whale" in html
    assert "1,027.50" in html  # equity: 1000 + 12.50 realised + 100 × (0.55 − 0.40)
    assert "+12.50" in html  # today's realised P&L
    assert "85.00 / 100.00" in html  # the day's budget use
    assert "+15.00" in html  # open P&L at the mark


def test_the_strategy_page_names_markets_and_shows_stop_levels(operator: Client) -> None:
    _book()
    strategy_rules = (
        __import__("strategies.models", fromlist=["Strategy"])
        .Strategy.objects.get(slug="copy-whale")
        .risk_rules
    )
    strategy_rules.stop_loss_pct = D(25)
    strategy_rules.save()
    html = operator.get(reverse("dashboard:strategy", args=["copy-whale"])).content.decode()
    assert "Will BTC close 2026 above $150,000?" in html and "<b>Yes</b>" in html
    assert "0.30" in html  # stop-loss: 0.40 × (1 − 25 %)
    assert "4" * 30 not in html  # no bare token id


def test_halting_needs_a_reason_and_the_confirmation_then_writes_the_audit_trail(
    operator: Client,
) -> None:
    url = reverse("dashboard:kill-switch")
    operator.post(url, {"action": "halt", "reason": "venue looks odd"})
    assert global_risk_state().trading_state == TradingState.ACTIVE  # not confirmed
    operator.post(url, {"action": "halt", "confirm": "on"})
    assert global_risk_state().trading_state == TradingState.ACTIVE  # no reason
    answer = operator.post(url, {"action": "halt", "reason": "venue looks odd", "confirm": "on"})
    assert answer.status_code == 302
    state = global_risk_state()
    assert (state.trading_state, state.message) == (TradingState.HALTED, "venue looks odd")
    assert Alert.objects.filter(reason_code="MANUAL_HALT", context__actor="ana").exists()
    operator.post(url, {"action": "resume", "reason": "all clear"})
    assert global_risk_state().trading_state == TradingState.ACTIVE


def test_actions_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user("ana", password="pw", is_staff=True))
    answer = client.post(
        reverse("dashboard:kill-switch"), {"action": "halt", "reason": "x", "confirm": "on"}
    )
    assert answer.status_code == 403
    assert global_risk_state().trading_state == TradingState.ACTIVE


def test_an_alert_is_acknowledged_in_place(operator: Client) -> None:
    alert = AlertFactory(severity=Alert.Severity.CRITICAL, subject="Venue unreachable")
    answer = operator.post(
        reverse("dashboard:acknowledge", args=[alert.pk]), HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    assert f'id="alert-{alert.pk}"' in answer.content.decode()
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (Alert.State.ACKNOWLEDGED, "ana")


def test_the_panels_refresh_on_their_own(operator: Client) -> None:
    _book()
    HealthCheckFactory(name="venue", status=HealthStatus.FAILING, message="CLOB unreachable")
    assert (
        "copy-whale"
        in operator.get(reverse("dashboard:panel", args=["strategies"])).content.decode()
    )
    assert (
        "CLOB unreachable"
        in operator.get(reverse("dashboard:panel", args=["health"])).content.decode()
    )
    assert operator.get(reverse("dashboard:panel", args=["nothing"])).status_code == 404


def test_the_overview_costs_the_same_queries_for_5_or_50_strategies(
    operator: Client, django_assert_max_num_queries
) -> None:
    for n in range(5):
        _book(f"s-{n}")
    BreakerFactory(strategy=None, kind=BreakerKind.LATENCY, state=Breaker.State.OPEN)
    with django_assert_max_num_queries(30) as few:
        operator.get(reverse("dashboard:overview"))
    for n in range(5, 50):
        _book(f"s-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        operator.get(reverse("dashboard:overview"))
