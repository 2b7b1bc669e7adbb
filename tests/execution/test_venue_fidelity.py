"""LT against the venue's real behaviour, on the sandbox venue: fees held in budgets and paid
in full, taker sweeps booked at their VWAP, and ticks that change while a market trades."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from execution import executor
from execution.fills import slippage_bps
from execution.markets import market_for_token
from execution.models import Fill, Market, Order, OrderStatus
from execution.sync import fills_sync
from execution.venue import RejectReason
from execution.venue.session import get_venue
from ltproject.domain import TradingMode
from ltproject.money import quantize_price
from risk.models import Breaker, BreakerKind, BudgetWindow, RiskState
from sandbox.testing import SandboxHandle
from sandbox.units import UNIT, parse_price
from tests.execution.helpers import live_intent
from tests.factories import StrategyFactory
from tests.risk.helpers import credential_for, post_signal, signal_body

pytestmark = pytest.mark.django_db
D = Decimal
FEE_MARKET = "fee-market"
BTC = "btc-above-150k-2026"


@pytest.fixture
def lt(live_venue: SandboxHandle) -> SandboxHandle:
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    return live_venue


def _strategy(**rules: Any) -> Any:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    values = {
        "order_type": "FAK",
        "order_max_slippage_bps": 200,
        "max_exposure_per_event": None,
        "max_exposure_per_market": None,
        **rules,
    }
    for name, value in values.items():
        setattr(strategy.risk_rules, name, value)
    strategy.risk_rules.save()
    return strategy


def _signal(client: Client, capture: Any, strategy: Any, token: str, price: Decimal) -> Any:
    credential, secret = credential_for(strategy)
    with capture(execute=True):
        answer = post_signal(
            client, credential, secret, signal_body(strategy, token, price=str(price))
        )
    assert answer.status_code == 201, answer.content
    return answer.json()


def _wallet_pusd(lt: SandboxHandle) -> Decimal:
    return D(lt.venue.balance(lt.account.address)) / UNIT


def test_a_budget_of_exactly_n_on_a_fee_market_never_spends_more_than_n(
    lt: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """Budget N = 25 pUSD, orders of 10: two fit with their fees, the third is refused by the
    budget; what the venue took from the wallet (shares and fees) is what LT booked, ≤ N."""
    budget = D(25)
    strategy = _strategy(budget_daily=budget, sizing_notional=D(10))
    token = lt.market(FEE_MARKET).yes.token_id
    before = _wallet_pusd(lt)
    decisions = []
    for _ in range(3):
        ask = get_venue().book(token).best_ask
        assert ask is not None
        decisions.append(_signal(client, django_capture_on_commit_callbacks, strategy, token, ask))
    assert [d["decision"] for d in decisions] == ["accepted", "accepted", "rejected"]
    assert decisions[2]["reason_code"].startswith("BUDGET")
    fills_sync()
    fills = list(Fill.objects.filter(order__strategy=strategy, voided_at=None))
    fees = sum((f.fee for f in fills), D(0))
    spent = sum((f.notional for f in fills), D(0)) + fees
    assert fees > 0 and spent <= budget
    assert before - _wallet_pusd(lt) == spent  # the venue charged exactly what LT booked
    window = BudgetWindow.objects.get(strategy=strategy, period="daily")
    assert window.spent == spent and window.reserved == 0
    assert not Order.objects.filter(strategy=strategy, status=OrderStatus.REJECTED).exists()


def test_an_order_sized_to_the_wallets_last_pusd_is_not_refused_for_its_fee(
    lt: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """A wallet of exactly 10 pUSD and an order sized to 10: the fee fits inside, so the venue
    (which checks notional plus fee) takes it."""
    wallet = lt.venue.exchange.account(lt.account.address)
    wallet.pusd = 10 * UNIT
    strategy = _strategy(sizing_notional=D(10), order_type="GTC")
    token = lt.market(FEE_MARKET).yes.token_id
    bid = get_venue().book(token).best_bid
    assert bid is not None
    decision = _signal(client, django_capture_on_commit_callbacks, strategy, token, bid)
    order = Order.objects.get(pk=decision["order"]["id"])
    assert order.status == OrderStatus.LIVE, (order.error_code, order.error_message)
    reserved = BudgetWindow.objects.get(strategy=strategy, period="daily").reserved
    assert order.notional < reserved <= D(10)


def test_a_sweep_is_booked_at_its_vwap_and_the_slippage_breaker_sees_it(
    lt: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    market = lt.market(BTC)
    token = market.yes.token_id
    ask = get_venue().book(token).best_ask
    assert ask is not None
    # What a YES buyer can take at each price: YES asks, and NO bids at 1 − price (a mint).
    depth: dict[Decimal, Decimal] = {}
    for level in get_venue().book(token).asks:
        depth[level.price] = depth.get(level.price, D(0)) + level.size
    for level in get_venue().book(market.no.token_id).bids:
        depth[1 - level.price] = depth.get(1 - level.price, D(0)) + level.size
    first, second = sorted(depth)[:2]
    shares = depth[first] + depth[second] + 10  # two whole levels and some of a third
    limit = ask * D("1.1")
    strategy = _strategy(
        sizing_notional=(shares * limit).quantize(D("0.01")),
        max_order_notional=None,
        budget_daily=None,
        order_max_slippage_bps=1000,
        breaker_max_slippage_bps=1,
    )
    decision = _signal(client, django_capture_on_commit_callbacks, strategy, token, ask)
    assert decision["decision"] == "accepted", (decision["reason_code"], decision.get("message"))
    order = Order.objects.get(pk=decision["order"]["id"])
    fills_sync()
    (fill,) = Fill.objects.filter(order=order)
    legs = [(D(p), D(s)) for p, s in fill.legs]
    assert len({p for p, _ in legs}) >= 3  # three price levels or more
    paid = sum((p * s for p, s in legs), D(0))
    vwap = quantize_price(paid / sum((s for _, s in legs), D(0)))
    assert fill.price == vwap < order.price  # not the trade's top-level (limit) price
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.SLIPPAGE)
    assert breaker.last_value == slippage_bps(order, vwap) != slippage_bps(order, order.price)


def test_a_tick_change_mid_session_prices_the_next_order_on_the_new_tick(
    lt: SandboxHandle, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    market = lt.market(BTC)
    token = market.yes.token_id
    strategy = _strategy(sizing_notional=D(5), order_type="GTC", order_max_slippage_bps=0)
    capture = django_capture_on_commit_callbacks
    first = _signal(client, capture, strategy, token, D("0.2345"))
    assert D(first["order"]["price"]) == D("0.23")  # a BUY's limit snaps down onto 0.01

    lt.venue.set_tick(market.condition_id, parse_price("0.001"))  # the venue moves it
    finer = _signal(client, capture, strategy, token, D("0.2345"))
    assert D(finer["order"]["price"]) == D("0.234")
    assert Market.objects.get(condition_id=market.condition_id).tick_size == D("0.001")

    lt.venue.set_tick(market.condition_id, parse_price("0.01"))  # and back
    coarser = _signal(client, capture, strategy, token, D("0.2345"))
    assert D(coarser["order"]["price"]) == D("0.23")
    orders = Order.objects.filter(strategy=strategy).order_by("pk")
    assert [o.status for o in orders] == [OrderStatus.LIVE] * 3  # none refused for its tick


def test_a_refusal_for_the_tick_rereads_the_market_and_is_never_resigned(
    lt: SandboxHandle,
) -> None:
    """LT still thinks 0.001 while the venue is back at 0.01: the venue refuses 0.213, the
    order stays refused, and the market's tick is read again for the orders after it."""
    market = lt.market(BTC)
    token = market.yes.token_id
    recorded = market_for_token(venue=get_venue(), token_id=token)
    Market.objects.filter(pk=recorded.pk).update(tick_size=D("0.001"))
    order = live_intent(lt, price=D("0.213"), notional=D("2.13"))
    executor.order_submit(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.error_code) == (OrderStatus.REJECTED, RejectReason.INVALID_PRICE)
    assert Market.objects.get(pk=recorded.pk).tick_size == D("0.01")
    assert len([o for o in lt.orders() if o["price"] == "0.213"]) == 0
