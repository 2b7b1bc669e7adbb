"""Shared builders for the execution tests."""

from __future__ import annotations

from decimal import Decimal

from execution.markets import market_for_token
from execution.models import Order
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side, TradingMode
from sandbox.testing import SandboxHandle
from tests.factories import OrderFactory, StrategyFactory


def live_intent(sandbox: SandboxHandle, **fields: object) -> Order:
    """An accepted live intent on the sandbox's BTC market: by default a GTC BUY of 10 at
    0.20, resting well below the book."""
    token = sandbox.market("btc-above-150k-2026").yes.token_id
    defaults: dict[str, object] = {
        "strategy": StrategyFactory(mode=TradingMode.LIVE),
        "market": market_for_token(venue=get_venue(), token_id=token),
        "token_id": token,
        "mode": TradingMode.LIVE,
        "order_type": OrderType.GTC,
        "side": Side.BUY,
        "price": Decimal("0.20"),
        "size": Decimal(10),
        "notional": Decimal(2),
    }
    return OrderFactory(**{**defaults, **fields})
