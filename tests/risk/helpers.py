"""Markets, books and signals for risk and intake tests."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

from django.test import Client

from execution.models import Market, MarketToken, MidPrice, Order
from hotpath.decisions import Decided
from ltproject.domain import Side
from monitoring.models import Alert
from risk.engine import risk_decide
from risk.market_data import StaticBooks
from risk.models import BudgetReservation, BudgetWindow, RiskDecision
from strategies.credentials import derive_secret
from strategies.models import ApiCredential, Signal, SignalNonce, Strategy
from strategies.signing import signature_compute
from tests.factories import (
    ApiCredentialFactory,
    MarketFactory,
    MarketTokenFactory,
    SignalFactory,
    StrategyFactory,
)

D = Decimal
DEEP_BIDS = [(D("0.49"), D("1000")), (D("0.48"), D("1000"))]
DEEP_ASKS = [(D("0.50"), D("1000")), (D("0.51"), D("1000"))]

# Rules under which a 0.50 BUY is a clean 20 shares / 10.00 pUSD with nothing else in the way.
PLAIN_RULES: dict[str, Any] = {
    "risk_rules__order_max_slippage_bps": 0,
    "risk_rules__max_drawdown_pct": None,
    "risk_rules__max_order_notional": None,
}


def strategy_with(**rules: Any) -> Strategy:
    fields = {**PLAIN_RULES, **{f"risk_rules__{k}": v for k, v in rules.items()}}
    return StrategyFactory(**fields)


def market_pair(
    books: StaticBooks, *, event_id: str = "", **market: Any
) -> tuple[Market, MarketToken, MarketToken]:
    """A binary market with deep books on both tokens."""
    m = MarketFactory(event_id=event_id, **market)
    yes = MarketTokenFactory(market=m, outcome="Yes", outcome_index=0)
    no = MarketTokenFactory(market=m, outcome="No", outcome_index=1)
    for token in (yes, no):
        books.set(token.token_id, bids=DEEP_BIDS, asks=DEEP_ASKS)
    return m, yes, no


def signal_for(
    strategy: Strategy, token: MarketToken | str, *, side: str = Side.BUY, **fields: Any
) -> Signal:
    token_id = token if isinstance(token, str) else token.token_id
    fields.setdefault("price", D("0.50"))
    fields.setdefault("size", None)
    return SignalFactory(strategy=strategy, token_id=token_id, side=side, **fields)


def decide(
    strategy: Strategy, token: MarketToken | str, books: StaticBooks, **fields: Any
) -> Decided:
    strategy.refresh_from_db()
    strategy.risk_rules.refresh_from_db()
    return risk_decide(signal=signal_for(strategy, token, **fields), market_data=books)


SIGNALS_PATH = "/api/v1/signals/"


def credential_for(strategy: Strategy) -> tuple[ApiCredential, str]:
    credential = ApiCredentialFactory(strategy=strategy)
    return credential, derive_secret(key_id=credential.key_id, salt=credential.salt)


def signal_body(strategy: Strategy, token: MarketToken | str, **fields: Any) -> dict[str, Any]:
    token_id = token if isinstance(token, str) else token.token_id
    body: dict[str, Any] = {
        "strategy": strategy.slug,
        "idempotency_key": f"k-{uuid.uuid4().hex}",
        "token_id": token_id,
        "side": "BUY",
        "price": "0.50",
        "ft_signal_id": "ft-1",
        "ft_created_at": "2026-11-26T06:00:00Z",
    }
    body.update(fields)
    return body


def signed_headers(
    credential: ApiCredential,
    secret: str,
    raw: bytes,
    *,
    ts: int | None = None,
    path: str = SIGNALS_PATH,
) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    signature = signature_compute(
        secret=secret, timestamp=stamp, method="POST", path=path, body=raw
    )
    return {"X-LT-Key": credential.key_id, "X-LT-Timestamp": stamp, "X-LT-Signature": signature}


def post_signal(
    client: Client,
    credential: ApiCredential,
    secret: str,
    body: dict[str, Any] | bytes,
    *,
    ts: int | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = headers if headers is not None else signed_headers(credential, secret, raw, ts=ts)
    return client.post(SIGNALS_PATH, data=raw, content_type="application/json", headers=sent)


def row_counts() -> dict[str, int]:
    """Rows an intake may write; a refused request must leave every count as it was."""
    return {
        model.__name__: model.objects.count()
        for model in (Signal, SignalNonce, RiskDecision, Order, BudgetWindow, BudgetReservation,
                      MidPrice, Alert)
    }  # fmt: skip


def order_of(
    strategy: Strategy, token: MarketToken | str, books: StaticBooks, **fields: Any
) -> Order:
    """The order intent of a signal that must be accepted."""
    result = decide(strategy, token, books, **fields)
    assert result.order is not None, result.decision.message
    return result.order
