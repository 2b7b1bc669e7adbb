"""Writes for strategies, their credentials and the signals they send (the intake)."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from execution.models import Order
from hotpath.decisions import Decided
from hotpath.intake import IntakeUnit
from risk.engine import decision_made
from risk.market_data import MarketData
from risk.models import RiskRules, RiskState

from .credentials import derive_secret
from .models import ApiCredential, Signal, SignalNonce, Strategy
from .signing import WINDOW_SECONDS, SignedRequest


@transaction.atomic
def strategy_create(*, slug: str, mode: str, name: str = "") -> Strategy:
    """A new strategy with its own default risk rules and an ACTIVE risk state."""
    if Strategy.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A strategy {slug!r} already exists."})
    rules = RiskRules.objects.create()
    strategy = Strategy(slug=slug, name=name or slug, mode=mode, risk_rules=rules)
    strategy.full_clean()  # mode choices, slug format, live-mode availability
    strategy.save()
    RiskState.objects.create(strategy=strategy)
    return strategy


@dataclass(frozen=True)
class IssuedCredential:
    key_id: str
    secret: str


@transaction.atomic
def credential_issue(*, strategy: Strategy) -> IssuedCredential:
    """A new signing key for one strategy. The secret is returned here and nowhere else."""
    key_id = f"ltk_{secrets.token_hex(12)}"
    salt = secrets.token_hex(16)
    ApiCredential.objects.create(strategy=strategy, key_id=key_id, salt=salt)
    return IssuedCredential(key_id=key_id, secret=derive_secret(key_id=key_id, salt=salt))


def credential_revoke(*, credential: ApiCredential) -> None:
    ApiCredential.objects.filter(pk=credential.pk, is_active=True).update(
        is_active=False, revoked_at=timezone.now()
    )


# --- signal intake ------------------------------------------------------------------------


class SignalReplayed(Exception):
    """This exact signed request was already accepted (same signature): refused as a replay."""


class IdempotencyKeyReused(Exception):
    """The idempotency key was used before with another body."""


@dataclass(frozen=True)
class IntakeAnswer:
    status: int
    body: dict[str, Any]


def request_hash_of(payload: dict[str, Any]) -> str:
    """SHA-256 of the body in canonical JSON, so key order and spacing do not matter."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def signal_ingest(
    *,
    signed: SignedRequest,
    payload: dict[str, Any],
    request_hash: str,
    market_data: MarketData,
) -> IntakeAnswer:
    """Store one FT signal and decide it, in one transaction.

    `payload` is the validated body. Same key and body as an earlier signal → that signal's
    first answer (200); same key, other body → IdempotencyKeyReused; a seen signature →
    SignalReplayed. Both raise, so the transaction (and everything in it) rolls back.
    """
    now = timezone.now()
    credential = signed.credential
    signal = _signal_from(payload, credential=credential, request_hash=request_hash, now=now)
    unit = IntakeUnit(signed=signed, signal=signal, at=now, answer=_answer_body)
    claim = unit.claim()
    if not claim.claimed:
        raise SignalReplayed("this signed request was already received")
    if not claim.stored:
        return _replay(credential.strategy, payload["idempotency_key"], request_hash)
    decided = decision_made(unit, market_data)
    body = _answer_body(signal, decided)  # as stored: the same decision, the same body
    if decided.order is not None:
        order_id = decided.order.pk
        # robust: a failure to start sending must not turn a committed decision into a 500;
        # the sweep job sends what was not sent.
        transaction.on_commit(lambda: order_intent_accepted(order_id), robust=True)
    return IntakeAnswer(status=201, body=body)


def order_intent_accepted(order_id: int) -> None:
    """The executor's entry point: called once the intake has committed an order intent.

    The intent row (`lt_orders`, status `intent`) and its budget reservation are committed
    before this runs; the executor takes the order from here (sign, store, post).
    """
    from execution.executor import order_dispatch  # execution builds on strategies

    order_dispatch(order_id)


def signal_nonces_prune(*, now: float | None = None) -> int:
    """Forget signatures whose timestamps are outside the window (refused as stale anyway)."""
    cutoff = int(time.time() if now is None else now) - WINDOW_SECONDS - 1
    deleted, _ = SignalNonce.objects.filter(request_ts__lt=cutoff).delete()
    return deleted


def _signal_from(
    payload: dict[str, Any], *, credential: ApiCredential, request_hash: str, now: datetime
) -> Signal:
    return Signal(
        strategy=credential.strategy,
        credential=credential,
        idempotency_key=payload["idempotency_key"],
        request_hash=request_hash,
        ft_signal_id=payload["ft_signal_id"],
        ft_created_at=payload["ft_created_at"],
        token_id=payload["token_id"],
        condition_id=payload.get("condition_id") or "",
        side=payload["side"],
        price=payload["price"],
        size=payload.get("size"),
        max_slippage_bps=payload.get("max_slippage_bps"),
        leader=payload.get("leader") or "",
        received_at=now,
    )


def _replay(strategy: Strategy, key: str, request_hash: str) -> IntakeAnswer:
    first = Signal.objects.get(strategy=strategy, idempotency_key=key)
    if first.request_hash != request_hash:
        raise IdempotencyKeyReused(key)
    body = first.response_body if isinstance(first.response_body, dict) else {}
    return IntakeAnswer(status=200, body=body)


def _answer_body(signal: Signal, decision: Decided) -> dict[str, Any]:
    row = decision.decision
    order = decision.order
    return {
        "signal_id": signal.pk,
        "strategy": signal.strategy.slug,
        "idempotency_key": signal.idempotency_key,
        "decision": row.outcome,
        "reason_code": row.reason_code,
        "message": row.message,
        "order": None if order is None else _order_body(order),
    }


def _order_body(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "side": order.side,
        "token_id": order.token_id,
        "price": str(order.price),
        "size": str(order.size),
        "notional": str(order.notional),
        "order_type": order.order_type,
        "mode": order.mode,
        "status": order.status,
        "expires_at": order.expires_at.isoformat() if order.expires_at else None,
    }
