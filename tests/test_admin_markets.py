"""The admin speaks markets: lists name the question and outcome, not the 77-digit token id,
show money first, and cost a bounded number of queries however many rows they show."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from execution.models import Fill, Market, MarketToken, MidPrice, Order, Position, PositionStatus
from ltproject.domain import TradingMode
from redemption.models import Redemption, RedemptionAllocation
from risk.admin import BudgetWindowAdmin
from risk.models import BudgetPeriod, BudgetWindow, RiskDecision
from strategies.admin import StrategyAdmin
from strategies.models import Signal, Strategy
from tests.factories import (
    BudgetWindowFactory,
    FillFactory,
    MarketFactory,
    MarketTokenFactory,
    MidPriceFactory,
    OrderFactory,
    PositionFactory,
    RedemptionAllocationFactory,
    RedemptionFactory,
    RiskDecisionFactory,
    SignalFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

QUESTION = "Will BTC close above $150k?"
LABEL = f"{QUESTION} — Yes"


def _url(model: type[models.Model], view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _token(question: str = QUESTION, outcome: str = "Yes") -> MarketToken:
    """A market token with a real-length (77-digit) id, as the venue's are."""
    token: MarketToken = MarketTokenFactory(
        market=MarketFactory(question=question),
        token_id=str(10**76 + MarketToken.objects.count()),
        outcome=outcome,
    )
    return token


def _position(token: MarketToken) -> models.Model:
    return PositionFactory(token_id=token.token_id, market=token.market)


def _order(token: MarketToken) -> models.Model:
    return OrderFactory(token_id=token.token_id, market=token.market)


def _fill(token: MarketToken) -> models.Model:
    return FillFactory(order=OrderFactory(token_id=token.token_id, market=token.market))


def _signal(token: MarketToken) -> models.Model:
    return SignalFactory(token_id=token.token_id)


def _decision(token: MarketToken) -> models.Model:
    return RiskDecisionFactory(signal=SignalFactory(token_id=token.token_id))


def _mid(token: MarketToken) -> models.Model:
    return MidPriceFactory(token_id=token.token_id)


def _allocation(token: MarketToken) -> models.Model:
    position = PositionFactory(token_id=token.token_id, market=token.market)
    return RedemptionAllocationFactory(position=position)


# Each list that names a token, with how to make one of its rows for a given token.
MAKERS: dict[type[models.Model], Callable[[MarketToken], models.Model]] = {
    Position: _position,
    Order: _order,
    Fill: _fill,
    Signal: _signal,
    RiskDecision: _decision,
    MidPrice: _mid,
    RedemptionAllocation: _allocation,
}
by_label = pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m._meta.label)


def _column(client: Client, model: type[models.Model], name: str) -> int:
    """The `o` index of a column: the list's own, which counts the action checkbox."""
    return list(client.get(_url(model)).context["cl"].list_display).index(name)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@by_label
def test_list_shows_question_and_outcome_not_the_token_id(
    admin_client_logged_in: Client, model: type[models.Model]
) -> None:
    token = _token()
    MAKERS[model](token)
    page = admin_client_logged_in.get(_url(model)).content.decode()
    assert LABEL in page
    assert token.token_id not in page


@by_label
def test_detail_page_shows_the_market_and_keeps_the_token_id(
    admin_client_logged_in: Client, model: type[models.Model]
) -> None:
    token = _token()
    row = MAKERS[model](token)
    page = admin_client_logged_in.get(_url(model, "change", row.pk)).content.decode()
    assert LABEL in page
    assert token.token_id in page


@by_label
def test_list_queries_do_not_grow_with_rows(
    admin_client_logged_in: Client, model: type[models.Model]
) -> None:
    for _ in range(3):
        MAKERS[model](_token())
    few = _queries(admin_client_logged_in, _url(model))
    for _ in range(27):
        MAKERS[model](_token())
    assert _queries(admin_client_logged_in, _url(model)) == few


@by_label
def test_list_sorts_and_searches_by_market(
    admin_client_logged_in: Client, model: type[models.Model]
) -> None:
    MAKERS[model](_token())
    MAKERS[model](_token(question="Will ETH flip BTC?", outcome="No"))
    column = _column(admin_client_logged_in, model, "market_and_outcome")
    response = admin_client_logged_in.get(_url(model), {"o": str(column)})
    assert response.status_code == 200
    labels = [getattr(row, "market_question", None) for row in response.context["cl"].result_list]
    assert labels == [QUESTION, "Will ETH flip BTC?"]

    if model is MidPrice:
        return  # searched by token id only: see MidPriceAdmin
    response = admin_client_logged_in.get(_url(model), {"q": "eth flip"})
    assert [row.market_question for row in response.context["cl"].result_list] == [
        "Will ETH flip BTC?"
    ]


def test_a_token_lt_never_recorded_shows_as_unknown_and_the_market_key_still_names_it(
    admin_client_logged_in: Client,
) -> None:
    OrderFactory(token_id=str(10**76 + 1))  # no market, no token
    OrderFactory(token_id=str(10**76 + 2), market=MarketFactory(question="Will it rain?"))
    SignalFactory(token_id=str(10**76 + 3))
    orders = admin_client_logged_in.get(_url(Order)).content.decode()
    assert "Unknown market" in orders and "Will it rain?" in orders
    assert "Unknown market" in admin_client_logged_in.get(_url(Signal)).content.decode()


@pytest.mark.parametrize(
    ("model", "money"),
    [
        (Position, ["cost_basis", "realised_pnl", "size", "avg_cost", "mark_price"]),
        (Order, ["notional", "price", "size", "size_matched"]),
        (Fill, ["price", "size", "notional", "fee", "realised_pnl"]),
        (Signal, ["price", "size"]),
        (RiskDecision, ["notional", "limit_price", "size"]),
    ],
    ids=lambda v: v._meta.label if isinstance(v, type) and issubclass(v, models.Model) else "",
)
def test_money_columns_come_right_after_time_and_strategy(
    model: type[models.Model], money: list[str]
) -> None:
    columns = list(admin.site._registry[model].list_display)
    assert columns[1] == "strategy"
    assert columns[2 : 2 + len(money)] == money


def _strategy_with_positions(mode: str = TradingMode.PAPER) -> Strategy:
    strategy: Strategy = StrategyFactory(mode=mode)
    closed = PositionStatus.CLOSED
    PositionFactory(strategy=strategy, realised_pnl=Decimal("7.5"), cost_basis=Decimal("5"))
    PositionFactory(strategy=strategy, status=closed, realised_pnl=Decimal("-2.25"), cost_basis=0)
    # The other mode's positions move neither number.
    other = TradingMode.LIVE if mode == TradingMode.PAPER else TradingMode.PAPER
    PositionFactory(strategy=strategy, mode=other, realised_pnl=Decimal("100"))
    return strategy


def test_strategy_list_shows_realised_pnl_and_open_exposure_of_the_current_mode(
    admin_client_logged_in: Client,
) -> None:
    strategy = _strategy_with_positions()
    idle = StrategyFactory()  # no positions: zero, not empty
    response = admin_client_logged_in.get(_url(Strategy))
    rows = {row.pk: row for row in response.context["cl"].result_list}
    strategy_admin = StrategyAdmin(Strategy, admin.site)
    assert strategy_admin.realised_pnl(rows[strategy.pk]) == Decimal("5.25")
    assert strategy_admin.open_exposure(rows[strategy.pk]) == Decimal("5")
    assert strategy_admin.realised_pnl(rows[idle.pk]) == 0
    assert strategy_admin.open_exposure(rows[idle.pk]) == 0
    page = response.content.decode()
    assert "Realised P&amp;L (pUSD)" in page and "Open exposure (pUSD)" in page
    assert "Health status" in page


def test_strategy_list_sorts_by_pnl(admin_client_logged_in: Client) -> None:
    winner = _strategy_with_positions()
    loser = StrategyFactory()
    PositionFactory(strategy=loser, status=PositionStatus.CLOSED, realised_pnl=Decimal("-3"))
    column = _column(admin_client_logged_in, Strategy, "realised_pnl")
    response = admin_client_logged_in.get(_url(Strategy), {"o": f"-{column}"})
    assert [row.pk for row in response.context["cl"].result_list] == [winner.pk, loser.pk]


def test_strategy_list_queries_do_not_grow_with_rows(admin_client_logged_in: Client) -> None:
    for _ in range(3):
        _strategy_with_positions()
    few = _queries(admin_client_logged_in, _url(Strategy))
    for _ in range(27):
        _strategy_with_positions()
    assert _queries(admin_client_logged_in, _url(Strategy)) == few


def test_budget_window_shows_the_limit_in_force_and_marks_a_stale_copy(
    admin_client_logged_in: Client,
) -> None:
    current = BudgetWindowFactory(limit=Decimal("100"))  # the rules' default daily budget
    stale = BudgetWindowFactory(limit=Decimal("100"))
    rules = stale.strategy.risk_rules
    rules.budget_daily = Decimal("150")
    rules.save()
    unlimited = BudgetWindowFactory(period=BudgetPeriod.WEEKLY, limit=None)

    window_admin = BudgetWindowAdmin(BudgetWindow, admin.site)
    assert window_admin.limit_in_force(current) == "100.000000"
    marked = window_admin.limit_in_force(stale)
    assert "150.000000 ≠ stored" in marked and "stored limit (100.000000)" in marked
    assert window_admin.limit_in_force(unlimited) == "no limit"

    page = admin_client_logged_in.get(_url(BudgetWindow)).content.decode()
    assert "Limit in force" in page and "Stored limit" in page
    assert page.count("≠ stored") == 1


def test_budget_window_list_queries_do_not_grow_with_rows(admin_client_logged_in: Client) -> None:
    for _ in range(3):
        BudgetWindowFactory()
    few = _queries(admin_client_logged_in, _url(BudgetWindow))
    for _ in range(27):
        BudgetWindowFactory()
    assert _queries(admin_client_logged_in, _url(BudgetWindow)) == few


def test_redemption_list_names_the_market(admin_client_logged_in: Client) -> None:
    market: Market = MarketFactory(question=QUESTION)
    RedemptionFactory(market=market, condition_id=market.condition_id)
    RedemptionFactory()  # no market recorded
    page = admin_client_logged_in.get(_url(Redemption)).content.decode()
    assert QUESTION in page and "Unknown market" in page
    for _ in range(10):
        RedemptionFactory(market=MarketFactory())
    few = _queries(admin_client_logged_in, _url(Redemption))
    for _ in range(20):
        RedemptionFactory(market=MarketFactory())
    assert _queries(admin_client_logged_in, _url(Redemption)) == few
