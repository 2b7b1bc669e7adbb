"""A YES buyer matched against a NO buyer (the venue mints the pair), both LT's, on the sandbox
venue with its chain: each side is booked on its own token and side at the price it got, and
after settlement the wallet's on-chain balances are the venue's ledger and LT's positions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from execution.models import Fill, Order, OrderStatus, Position, PositionStatus, TradeStatus
from execution.sync import fills_sync
from execution.venue.session import get_venue
from ltproject.domain import Side, TradingMode
from risk.models import RiskState
from sandbox.chain import SandboxChain
from sandbox.testing import SandboxHandle
from sandbox.units import UNIT
from tests.factories import StrategyFactory
from tests.redemption.conftest import WALLET
from tests.risk.helpers import credential_for, post_signal, signal_body

pytestmark = pytest.mark.django_db
D = Decimal
SLUG = "btc-above-150k-2026"
SHARES = D(10)


@pytest.fixture
def sandbox_venue(sandbox_factory: Any, sandbox_chain: SandboxChain) -> SandboxHandle:
    return sandbox_factory(chain=sandbox_chain)


def _strategy(order_type: str, notional: Decimal) -> Any:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    rules = strategy.risk_rules
    rules.order_type, rules.sizing_notional, rules.order_max_slippage_bps = order_type, notional, 0
    rules.max_exposure_per_event = rules.max_exposure_per_market = None
    rules.save()
    return strategy


def _buy(client: Client, capture: Any, strategy: Any, token: str, price: Decimal) -> Order:
    credential, secret = credential_for(strategy)
    with capture(execute=True):
        answer = post_signal(
            client, credential, secret, signal_body(strategy, token, price=str(price))
        )
    assert answer.json()["decision"] == "accepted", answer.content
    return Order.objects.get(pk=answer.json()["order"]["id"])


def test_a_yes_buyer_and_a_no_buyer_are_booked_and_the_chain_agrees(
    live_venue: SandboxHandle,
    chain_settings: Any,
    sandbox_chain: SandboxChain,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    live_venue.fund(WALLET, pusd=1000)
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    market = live_venue.market(SLUG)
    yes, no = market.yes.token_id, market.no.token_id
    no_book = get_venue().book(no)
    assert no_book.best_bid is not None and no_book.best_ask is not None
    q = no_book.best_bid + D("0.01")  # the best NO bid, inside the crowd's quotes
    assert q < no_book.best_ask
    capture = django_capture_on_commit_callbacks

    no_buyer = _strategy("GTC", q * SHARES)
    resting = _buy(client, capture, no_buyer, no, q)
    assert resting.status == OrderStatus.LIVE and resting.size == SHARES
    yes_buyer = _strategy("FAK", (1 - q) * SHARES)
    taking = _buy(client, capture, yes_buyer, yes, 1 - q)  # under the crowd's YES asks
    assert taking.size == SHARES

    live_venue.step(3)  # MATCHED → MINED (settled on-chain) → CONFIRMED
    fills_sync()
    taker_fill = Fill.objects.get(order=taking)
    maker_fill = Fill.objects.get(order=resting)
    assert (taker_fill.side, taker_fill.trader_side, taker_fill.price) == (
        Side.BUY, "TAKER", 1 - q,
    )  # fmt: skip
    assert (maker_fill.side, maker_fill.trader_side, maker_fill.price) == (Side.BUY, "MAKER", q)
    assert {taker_fill.status, maker_fill.status} == {TradeStatus.CONFIRMED}
    yes_position = Position.objects.get(strategy=yes_buyer, status=PositionStatus.OPEN)
    no_position = Position.objects.get(strategy=no_buyer, status=PositionStatus.OPEN)
    assert (yes_position.token_id, yes_position.size, yes_position.avg_cost) == (yes, SHARES, 1 - q)
    assert (no_position.token_id, no_position.size, no_position.avg_cost) == (no, SHARES, q)

    venue = live_venue.venue
    assert venue.chain is not None and venue.chain.errors == []
    for token, position in ((yes, yes_position), (no, no_position)):
        on_chain = sandbox_chain.position_balance(WALLET, int(token))
        assert on_chain == venue.balance(WALLET, token) == int(position.size * UNIT)
    assert sandbox_chain.pusd_balance(WALLET) == venue.balance(WALLET) == 1000 * UNIT - 10 * UNIT
