"""The status API: what operators' scripts read, filtered and paginated, staff only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from execution.models import OrderStatus, PositionStatus
from ltproject.domain import TradingMode
from risk.models import Breaker, BreakerKind, TradingState
from tests.factories import (
    BreakerFactory,
    MarketTokenFactory,
    OrderFactory,
    PositionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
ENDPOINTS = ["status", "strategies", "orders", "positions", "alerts", "health"]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_callers_are_refused(name: str) -> None:
    assert Client().get(reverse(name)).status_code == 403


def test_status_counts_what_needs_a_person(admin_client_logged_in: Client) -> None:
    StrategyFactory(slug="copy-whale", mode=TradingMode.PAPER)
    BreakerFactory(strategy=None, kind=BreakerKind.LATENCY, state=Breaker.State.OPEN)
    answer = admin_client_logged_in.get(reverse("status")).json()
    assert answer["global_state"] == {"trading_state": "ACTIVE", "reason_code": ""}
    assert answer["strategies"][0]["slug"] == "copy-whale"
    assert (answer["open_breakers"], answer["redemptions_pending"]) == (1, 0)


def test_strategies_list_their_figures_and_filter(admin_client_logged_in: Client) -> None:
    live = StrategyFactory(slug="live-one", mode=TradingMode.LIVE, risk_rules__capital=D(500))
    StrategyFactory(slug="paper-one", mode=TradingMode.PAPER)
    PositionFactory(
        strategy=live,
        mode=TradingMode.LIVE,
        size=D(10),
        avg_cost=D("0.5"),
        cost_basis=D(5),
        mark_price=D("0.6"),
        marked_at=timezone.now(),
    )
    answer = admin_client_logged_in.get(reverse("strategies"), {"mode": "live"}).json()
    assert answer["count"] == 1
    (row,) = answer["results"]
    assert (row["slug"], row["exposure"], row["open_pnl"], row["equity"]) == (
        "live-one",
        "5.000000",
        "1.000000",
        "501.000000",
    )
    assert [p["period"] for p in row["periods"]] == ["daily", "weekly", "monthly"]
    bad = admin_client_logged_in.get(reverse("strategies"), {"trading_state": "SLEEPING"})
    assert bad.status_code == 400 and "trading_state" in bad.json()


def test_a_strategy_answers_its_state_positions_and_breakers(
    admin_client_logged_in: Client,
) -> None:
    strategy = StrategyFactory(
        slug="copy-whale", mode=TradingMode.PAPER, risk_rules__stop_loss_pct=D(20)
    )
    token = MarketTokenFactory(market__question="Will it rain?", outcome="Yes")
    PositionFactory(
        strategy=strategy, token_id=token.token_id, mode=TradingMode.PAPER, avg_cost=D("0.5")
    )
    BreakerFactory(strategy=strategy, kind=BreakerKind.SPREAD, state=Breaker.State.OPEN)
    BreakerFactory(strategy=None, kind=BreakerKind.LATENCY, state=Breaker.State.OPEN)
    answer = admin_client_logged_in.get(reverse("strategy-detail", args=["copy-whale"])).json()
    assert answer["trading_state"] == TradingState.ACTIVE
    (position,) = answer["positions"]
    assert (position["market_question"], position["outcome"], position["stop_loss"]) == (
        "Will it rain?",
        "Yes",
        "0.4000",
    )
    assert sorted(b["scope"] for b in answer["breakers"]) == ["copy-whale", "global"]
    missing = admin_client_logged_in.get(reverse("strategy-detail", args=["nobody"]))
    assert missing.status_code == 404


def test_orders_and_positions_filter_and_page(admin_client_logged_in: Client) -> None:
    strategy = StrategyFactory(slug="copy-whale")
    for _ in range(3):
        OrderFactory(strategy=strategy, status=OrderStatus.MATCHED)
    OrderFactory(strategy=strategy, status=OrderStatus.LIVE)
    page = admin_client_logged_in.get(reverse("orders"), {"status": "matched", "page_size": "2"})
    assert page.json()["count"] == 3 and len(page.json()["results"]) == 2
    assert page.json()["next"] is not None
    PositionFactory(strategy=strategy, status=PositionStatus.CLOSED, size=0, cost_basis=0)
    PositionFactory(strategy=strategy)
    assert admin_client_logged_in.get(reverse("positions")).json()["count"] == 1
    every = admin_client_logged_in.get(reverse("positions"), {"status": "any"}).json()
    assert every["count"] == 2
    assert admin_client_logged_in.get(reverse("orders"), {"mode": "nope"}).status_code == 400


def test_the_admin_view_site_link_leads_to_the_dashboard(admin_client_logged_in: Client) -> None:
    index = admin_client_logged_in.get(reverse("admin:index")).content.decode()
    assert 'href="/"' in index
    assert admin_client_logged_in.get("/").status_code == 200
