"""Signal → risk decision → order at the venue → fills → position → exit, live and paper."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from execution.models import Fill, Order, OrderPurpose, OrderStatus, Position, PositionStatus
from execution.stops import stops_cycle
from execution.sync import fills_sync
from execution.venue.session import get_venue
from ltproject.domain import TradingMode
from ltproject.money import quantize_pusd as quantize
from risk.models import BudgetWindow, RiskState
from sandbox.testing import SandboxHandle
from tests.factories import StrategyFactory
from tests.risk.helpers import credential_for, post_signal, signal_body

pytestmark = pytest.mark.django_db
D = Decimal
SLUG = "btc-above-150k-2026"


def _signal(client: Client, strategy: Any, token: str, **fields: Any) -> Any:
    credential, secret = credential_for(strategy)
    return post_signal(client, credential, secret, signal_body(strategy, token, **fields))


@pytest.mark.parametrize("mode", [TradingMode.LIVE, TradingMode.PAPER])
def test_signal_to_fill_to_take_profit(
    live_venue: SandboxHandle,
    client: Client,
    mode: TradingMode,
    django_capture_on_commit_callbacks: Any,
) -> None:
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    strategy = StrategyFactory(mode=mode)
    rules = strategy.risk_rules
    rules.order_type, rules.take_profit_pct, rules.sizing_notional = "FAK", D(30), D(10)
    rules.save()
    token = live_venue.market(SLUG).yes.token_id
    ask = get_venue().book(token).best_ask
    assert ask is not None

    with django_capture_on_commit_callbacks(execute=True):
        answer = _signal(client, strategy, token, price=str(ask))
    assert answer.status_code == 201, answer.content
    assert answer.json()["decision"] == "accepted"
    order = Order.objects.get(pk=answer.json()["order"]["id"])
    assert order.status == OrderStatus.MATCHED  # sent (or simulated) right after commit
    assert (len(live_venue.orders()) == 1) == (mode == TradingMode.LIVE)
    fills_sync()
    order.refresh_from_db()
    position = Position.objects.get(strategy=strategy, status=PositionStatus.OPEN)
    assert position.size == order.size_matched == order.size
    assert all(f.is_paper == (mode == TradingMode.PAPER) for f in Fill.objects.filter(order=order))
    daily = BudgetWindow.objects.get(strategy=strategy, period="daily")
    assert daily.reserved == 0 and daily.spent == Fill.objects.get(order=order).size * ask

    market = live_venue.market(SLUG)
    live_venue.venue.crowd.fair[market.condition_id] = 0.80
    live_venue.step(1)
    with django_capture_on_commit_callbacks(execute=True):
        (exit_order,) = stops_cycle()
    assert exit_order.purpose == OrderPurpose.TAKE_PROFIT
    fills_sync()
    position.refresh_from_db()
    assert position.status == PositionStatus.CLOSED and position.realised_pnl > 0


def test_comparison_shows_ft_against_lt_and_why_trades_were_missed(
    live_venue: SandboxHandle,
    client: Client,
    admin_client_logged_in: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER)
    rules = strategy.risk_rules
    rules.order_type, rules.budget_daily = "FAK", D(15)
    rules.save()
    token = live_venue.market(SLUG).yes.token_id
    ask = get_venue().book(token).best_ask
    assert ask is not None
    with django_capture_on_commit_callbacks(execute=True):
        traded = _signal(client, strategy, token, price=str(ask), size="20")
        over_budget = _signal(client, strategy, token, price=str(ask), size="20")
    assert traded.json()["decision"] == "accepted"
    assert over_budget.json()["reason_code"] == "BUDGET_DAILY_EXCEEDED"

    answer = admin_client_logged_in.get(f"/api/v1/strategies/{strategy.slug}/comparison/")
    assert answer.status_code == 200
    report = answer.json()
    assert (report["signals"], report["traded"], report["missed"]) == (2, 1, 1)
    assert report["missed_by_reason"] == {"BUDGET_DAILY_EXCEEDED": 1}
    row = next(r for r in report["rows"] if r["decision"] == "accepted")
    assert row["fill_ratio"] == "1.0000" and row["slippage_bps"] == "0.00"
    assert row["decision_to_post_ms"] is not None and row["mark"] is not None
    assert client.get(f"/api/v1/strategies/{strategy.slug}/comparison/").status_code == 403


def test_resting_order_fills_partially_then_fully_as_the_crowd_trades_into_it(
    live_venue: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    rules = strategy.risk_rules
    rules.order_type, rules.order_max_slippage_bps = "GTC", 0
    rules.save()
    token = live_venue.market(SLUG).yes.token_id
    bid = get_venue().book(token).best_bid
    assert bid is not None
    with django_capture_on_commit_callbacks(execute=True):
        answer = _signal(client, strategy, token, price=str(bid))
    order = Order.objects.get(pk=answer.json()["order"]["id"])
    assert order.status == OrderStatus.LIVE
    seen: list[Decimal] = []
    for _ in range(200):
        live_venue.step(1)
        fills_sync()
        order.refresh_from_db()
        if not seen or order.size_matched != seen[-1]:
            seen.append(order.size_matched)
        if order.status == OrderStatus.MATCHED:
            break
    assert order.status == OrderStatus.MATCHED
    assert any(0 < matched < order.size for matched in seen)  # it was partly filled first
    assert Fill.objects.filter(order=order).count() >= 2
    position = Position.objects.get(strategy=strategy, status=PositionStatus.OPEN)
    assert position.size == order.size
    daily = BudgetWindow.objects.get(strategy=strategy, period="daily")
    assert daily.reserved == 0 and daily.spent == quantize(order.size * bid)


def test_a_trade_that_fails_is_voided_and_its_budget_restored(
    live_venue: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    rules = strategy.risk_rules
    rules.order_type = "FAK"
    rules.save()
    token = live_venue.market(SLUG).yes.token_id
    ask = get_venue().book(token).best_ask
    live_venue.faults.trade_failed(5)
    with django_capture_on_commit_callbacks(execute=True):
        _signal(client, strategy, token, price=str(ask))
    fills_sync()
    daily = BudgetWindow.objects.get(strategy=strategy, period="daily")
    assert daily.spent > 0
    live_venue.step(3)
    fills_sync()
    daily.refresh_from_db()
    assert (daily.reserved, daily.spent) == (0, 0)
    assert all(f.voided_at is not None for f in Fill.objects.filter(order__strategy=strategy))
