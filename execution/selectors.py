"""Reads for execution quality and the FT-vs-LT comparison.

For every signal of a strategy: what FT did on paper (its price and size, marked now or at
resolution) beside what LT did (its fills at their prices, marked the same way), how LT's
order went (decision→post latency, post→first fill, slippage against the FT price, fill
ratio), and — for signals LT did not trade — why (the risk reason code, or the venue's).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ltproject.domain import Side
from ltproject.money import ZERO, quantize_pusd
from strategies.models import Signal, Strategy

from .models import MarketToken, MidPrice, Order

MS = Decimal(1000)


@dataclass(frozen=True)
class SignalOutcome:
    signal_id: int
    ft_signal_id: str
    token_id: str
    side: str
    ft_price: Decimal
    ft_size: Decimal | None
    decision: str
    reason_code: str
    order_status: str | None
    filled: Decimal
    avg_fill_price: Decimal | None
    mark: Decimal | None
    ft_pnl: Decimal | None
    lt_pnl: Decimal | None
    decision_to_post_ms: Decimal | None
    post_to_fill_ms: Decimal | None
    slippage_bps: Decimal | None
    fill_ratio: Decimal | None


def _marks(token_ids: set[str]) -> dict[str, Decimal]:
    """1 / 0 for resolved tokens, else the latest recorded mid."""
    marks: dict[str, Decimal] = {}
    for token_id, mid in (
        MidPrice.objects.filter(token_id__in=token_ids)
        .order_by("token_id", "-observed_at")
        .distinct("token_id")
        .values_list("token_id", "mid")
    ):
        marks[token_id] = mid
    for token_id, winner in MarketToken.objects.filter(
        token_id__in=token_ids, winner__isnull=False
    ).values_list("token_id", "winner"):
        marks[token_id] = Decimal(1) if winner else ZERO
    return marks


def _pnl(side: str, size: Decimal, price: Decimal, mark: Decimal | None) -> Decimal | None:
    if mark is None or not size:
        return None
    direction = 1 if side == Side.BUY else -1
    return quantize_pusd(direction * size * (mark - price))


def _ms(start: Any, end: Any) -> Decimal | None:
    if start is None or end is None:
        return None
    return (Decimal((end - start).total_seconds()) * MS).quantize(Decimal("0.1"))


def _outcome(signal: Signal, marks: dict[str, Decimal]) -> SignalOutcome:
    decision = getattr(signal, "decision", None)
    order: Order | None = getattr(signal, "order", None)
    mark = marks.get(signal.token_id)
    filled = order.size_matched if order else ZERO
    fill_price = order.avg_fill_price if order else None
    slippage = None
    if fill_price is not None and filled:
        worse = fill_price - signal.price if signal.side == Side.BUY else signal.price - fill_price
        slippage = (worse / signal.price * 10_000).quantize(Decimal("0.01"))
    return SignalOutcome(
        signal_id=signal.pk,
        ft_signal_id=signal.ft_signal_id,
        token_id=signal.token_id,
        side=signal.side,
        ft_price=signal.price,
        ft_size=signal.size,
        decision=decision.outcome if decision else "none",
        reason_code=(order.error_code if order and order.error_code else "")
        or (decision.reason_code if decision else ""),
        order_status=order.status if order else None,
        filled=filled,
        avg_fill_price=fill_price,
        mark=mark,
        ft_pnl=_pnl(signal.side, signal.size or ZERO, signal.price, mark),
        lt_pnl=_pnl(signal.side, filled, fill_price, mark) if fill_price is not None else None,
        decision_to_post_ms=_ms(
            decision.created_at if decision else None, order and order.posted_at
        ),
        post_to_fill_ms=_ms(order and order.posted_at, order and order.first_fill_at),
        slippage_bps=slippage,
        fill_ratio=(filled / order.size).quantize(Decimal("0.0001")) if order else None,
    )


def strategy_outcomes(*, strategy: Strategy, limit: int = 1000) -> list[SignalOutcome]:
    signals = list(
        Signal.objects.filter(strategy=strategy)
        .select_related("decision", "order")
        .order_by("-received_at")[:limit]
    )
    marks = _marks({s.token_id for s in signals})
    return [_outcome(signal, marks) for signal in signals]


def _total(values: list[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _median(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return Decimal(statistics.median(present)) if present else None


def strategy_comparison(*, strategy: Strategy) -> dict[str, Any]:
    """FT paper result vs LT's on the same signals, execution quality, and missed trades."""
    outcomes = strategy_outcomes(strategy=strategy)
    missed = [o for o in outcomes if not o.filled]
    reasons = Counter(o.reason_code or "UNFILLED" for o in missed)
    return {
        "strategy": strategy.slug,
        "signals": len(outcomes),
        "traded": len(outcomes) - len(missed),
        "missed": len(missed),
        "missed_by_reason": dict(reasons),
        "ft_pnl": str(_total([o.ft_pnl for o in outcomes])),
        "lt_pnl": str(_total([o.lt_pnl for o in outcomes])),
        "ft_pnl_on_traded": str(_total([o.ft_pnl for o in outcomes if o.filled])),
        "quality": {
            "decision_to_post_ms_p50": _str(_median([o.decision_to_post_ms for o in outcomes])),
            "post_to_fill_ms_p50": _str(_median([o.post_to_fill_ms for o in outcomes])),
            "slippage_bps_p50": _str(_median([o.slippage_bps for o in outcomes])),
            "fill_ratio_p50": _str(_median([o.fill_ratio for o in outcomes])),
        },
        "rows": [_row(o) for o in outcomes],
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _row(outcome: SignalOutcome) -> dict[str, Any]:
    return {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in outcome.__dict__.items()
    }
