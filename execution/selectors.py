"""Reads for execution quality and the FT-vs-LT comparison.

For every signal of a strategy: what FT did on paper (its price and size, marked now or at
resolution) beside what LT did (its fills at their prices, marked the same way), how LT's
order went (decision→post latency, post→first fill, slippage against the FT price, fill
ratio), and — for signals LT did not trade — why (the risk reason code, or the venue's).

The latencies, in milliseconds (Decimal, 0.1 ms), never negative:

- `decision_to_post_ms`: from the risk decision (`RiskDecision.created_at`, written by the
  intake) to LT handing the order to the venue (`Order.posted_at`, written just before the
  POST). Both are LT's clock, but possibly two processes' (the intake and the executor), so
  a skew between hosts is clamped to 0 rather than shown as time running backwards.
- `post_to_fill_ms`: from the POST to the order's first fill. `Order.first_fill_at` is the
  venue trade's `match_time` — the venue's clock, in whole seconds — so it cannot be
  subtracted from LT's `posted_at` as is: an order matched at the POST would show its fill
  up to a second before it was sent. A fill at the POST (one the venue had made by the time
  LT read its answer, `Order.acked_at`, or any fill of a FAK/FOK order, which only matches
  there) counts as the POST round trip, `acked_at - posted_at`: the time LT waited for the
  venue to match it. A later fill (a resting order, taken by someone else's order) counts
  from the post to the venue's match time, never less than 0; its error is the venue's
  truncation to the second and the skew between the clocks.
  When the POST's outcome was unknown and found out later (`order_resolve_unknown`),
  `acked_at` is when LT found out, so the round trip includes that wait.

The quality figures give p50 (the median) and p99 (nearest rank: an observed value) of the
latencies, and the slippage as counts per bucket of basis points (`SLIPPAGE_BUCKETS_BPS`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import F, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from ltproject.domain import OrderType, Side
from ltproject.money import ZERO, quantize_pusd
from strategies.models import Signal, Strategy

from .models import Fill, MarketToken, MidPrice, Order

if TYPE_CHECKING:
    from risk.models import RiskDecision

MS = Decimal(1000)
MS_PLACES = Decimal("0.1")
# FAK and FOK orders never rest: whatever they fill, they fill at the POST.
TAKE_ONLY = frozenset({OrderType.FAK, OrderType.FOK})
# Edges of the slippage buckets, in bps; each bucket holds [lower, upper) and the first and
# last are open-ended. One tick is ~100+ bps at 0.01 ticks (and ~10+ bps at 0.001), so
# [0, 10) is in practice "at the FT price", and the others count ticks.
SLIPPAGE_BUCKETS_BPS: tuple[Decimal, ...] = tuple(
    Decimal(edge) for edge in (-500, -100, -10, 0, 10, 100, 500)
)


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
    fees: Decimal = ZERO  # pUSD the venue charged the order's fills


def _latest_mids(token_ids: set[str]) -> dict[str, Decimal]:
    """The latest recorded mid of each token, in two queries whatever the number of tokens.

    Portable on purpose: PostgreSQL's DISTINCT ON would take one query, but `make run` runs
    on SQLite. First the newest `observed_at` per token (a grouped MAX, which the
    (token_id, observed_at) index serves), then the rows at those instants.
    """
    if not token_ids:
        return {}
    newest: dict[str, datetime] = dict(
        MidPrice.objects.filter(token_id__in=token_ids)
        .values("token_id")
        .annotate(newest=Max("observed_at"))
        .values_list("token_id", "newest")
    )
    if not newest:
        return {}
    mids: dict[str, Decimal] = {}
    for token_id, observed_at, mid in (
        MidPrice.objects.filter(token_id__in=newest, observed_at__in=set(newest.values()))
        .order_by("pk")
        .values_list("token_id", "observed_at", "mid")
    ):
        # The IN lists also match a token's older row at another token's newest instant;
        # of two rows at one token's newest instant, the later insert (higher pk) wins.
        if observed_at == newest[token_id]:
            mids[token_id] = mid
    return mids


def _marks(token_ids: set[str]) -> dict[str, Decimal]:
    """1 / 0 for resolved tokens, else the latest recorded mid."""
    marks = _latest_mids(token_ids)
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


def _ms(start: datetime, end: datetime) -> Decimal:
    """end - start in milliseconds, exactly (timedelta's parts, not its float seconds)."""
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return (Decimal(micros) / MS).quantize(MS_PLACES)


def _elapsed_ms(start: datetime | None, end: datetime | None) -> Decimal | None:
    """end - start in ms; 0 when end reads earlier (it came from another process's clock, or
    the venue's); None when either is unknown."""
    if start is None or end is None:
        return None
    return _ms(start, max(start, end))


def _decision_to_post_ms(decision: RiskDecision | None, order: Order | None) -> Decimal | None:
    if decision is None or order is None:
        return None
    return _elapsed_ms(decision.created_at, order.posted_at)


def _post_to_fill_ms(order: Order | None) -> Decimal | None:
    """From the POST to the first fill, on LT's clock where the fill came with the POST's
    answer (see the module docstring)."""
    if order is None or order.posted_at is None or order.first_fill_at is None:
        return None
    posted, acked = order.posted_at, order.acked_at
    if acked is not None and acked >= posted:
        at_post = order.first_fill_at <= acked or order.order_type in TAKE_ONLY
        if at_post:
            return _ms(posted, acked)
    return _elapsed_ms(posted, order.first_fill_at)


def _slippage_bps(signal: Signal, fill_price: Decimal | None, filled: Decimal) -> Decimal | None:
    """How much worse than FT's price LT's average fill came, in bps (negative: better)."""
    if fill_price is None or not filled:
        return None
    worse = fill_price - signal.price if signal.side == Side.BUY else signal.price - fill_price
    bps: Decimal = (worse / signal.price * 10_000).quantize(Decimal("0.01"))
    return bps


def _outcome(signal: Signal, marks: dict[str, Decimal], fees: dict[int, Decimal]) -> SignalOutcome:
    decision: RiskDecision | None = getattr(signal, "decision", None)
    order: Order | None = getattr(signal, "order", None)
    mark = marks.get(signal.token_id)
    filled = order.size_matched if order else ZERO
    fill_price = order.avg_fill_price if order else None
    fee = fees.get(order.pk, ZERO) if order else ZERO
    gross = _pnl(signal.side, filled, fill_price, mark) if fill_price is not None else None
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
        lt_pnl=None if gross is None else gross - fee,
        decision_to_post_ms=_decision_to_post_ms(decision, order),
        post_to_fill_ms=_post_to_fill_ms(order),
        slippage_bps=_slippage_bps(signal, fill_price, filled),
        fill_ratio=(filled / order.size).quantize(Decimal("0.0001")) if order else None,
        fees=fee,
    )


def _fees_by_order(order_ids: list[int]) -> dict[int, Decimal]:
    """The fees of each order's fills that stood (voided fills were never charged)."""
    if not order_ids:
        return {}
    return dict(
        Fill.objects.filter(order_id__in=order_ids, voided_at=None)
        .values("order_id")
        .annotate(total=Sum("fee"))
        .values_list("order_id", "total")
    )


# The comparison reads each strategy's newest signals, this many; retention never prunes them
# (monitoring.retention), so pruning cannot change it.
COMPARED_SIGNALS = 1000


def strategy_outcomes(*, strategy: Strategy, limit: int | None = None) -> list[SignalOutcome]:
    signals = list(
        Signal.objects.filter(strategy=strategy)
        .select_related("decision", "order")
        .order_by("-received_at")[: limit or COMPARED_SIGNALS]
    )
    marks = _marks({s.token_id for s in signals})
    orders = [order.pk for s in signals if (order := getattr(s, "order", None)) is not None]
    fees = _fees_by_order(orders)
    return [_outcome(signal, marks, fees) for signal in signals]


def _present(values: Iterable[Decimal | None]) -> list[Decimal]:
    return [v for v in values if v is not None]


def _total(values: Iterable[Decimal | None]) -> Decimal:
    return sum(_present(values), ZERO)


def _median(values: Iterable[Decimal | None]) -> Decimal | None:
    present = _present(values)
    return Decimal(statistics.median(present)) if present else None


def _percentile(values: Iterable[Decimal | None], percent: int) -> Decimal | None:
    """The nearest-rank percentile: the smallest observed value with at least `percent`% of
    the values at or below it (an observed value, unlike an interpolated one)."""
    present = sorted(_present(values))
    if not present:
        return None
    rank = -(-percent * len(present) // 100)  # ceil, in integers
    return present[max(rank, 1) - 1]


def _slippage_buckets(values: Iterable[Decimal | None]) -> list[dict[str, Any]]:
    """How many traded signals fell in each [lower, upper) bucket of slippage bps."""
    edges: list[Decimal | None] = [None, *SLIPPAGE_BUCKETS_BPS, None]
    counts = [0] * (len(edges) - 1)
    for value in _present(values):
        # The bucket index is the number of inner edges at or below the value.
        counts[sum(1 for edge in SLIPPAGE_BUCKETS_BPS if edge <= value)] += 1
    return [
        {"min_bps": _str(lower), "max_bps": _str(upper), "count": count}
        for lower, upper, count in zip(edges[:-1], edges[1:], counts, strict=True)
    ]


def _quality(outcomes: list[SignalOutcome]) -> dict[str, Any]:
    to_post = [o.decision_to_post_ms for o in outcomes]
    to_fill = [o.post_to_fill_ms for o in outcomes]
    slippage = [o.slippage_bps for o in outcomes]
    return {
        "decision_to_post_ms_p50": _str(_median(to_post)),
        "decision_to_post_ms_p99": _str(_percentile(to_post, 99)),
        "post_to_fill_ms_p50": _str(_median(to_fill)),
        "post_to_fill_ms_p99": _str(_percentile(to_fill, 99)),
        "slippage_bps_p50": _str(_median(slippage)),
        "slippage_bps_buckets": _slippage_buckets(slippage),
        "fill_ratio_p50": _str(_median([o.fill_ratio for o in outcomes])),
        "fees": str(_total(o.fees for o in outcomes)),
    }


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
        "ft_pnl": str(_total(o.ft_pnl for o in outcomes)),
        "lt_pnl": str(_total(o.lt_pnl for o in outcomes)),
        "ft_pnl_on_traded": str(_total(o.ft_pnl for o in outcomes if o.filled)),
        "quality": _quality(outcomes),
        "rows": [_row(o) for o in outcomes],
    }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _row(outcome: SignalOutcome) -> dict[str, Any]:
    return {
        key: (str(value) if isinstance(value, Decimal) else value)
        for key, value in outcome.__dict__.items()
    }


_M = TypeVar("_M", bound=models.Model)


def with_market_labels(
    queryset: QuerySet[_M], *, token_path: str, market_path: str | None = None
) -> QuerySet[_M]:
    """Annotate each row with its market's question (`market_question`) and its token's
    outcome (`market_outcome`), for lists people read (the admin, the dashboard, the API).

    Subqueries on MarketToken's unique token_id, so a list of any length costs one query,
    not one per row. Where the row also has a market foreign key (`market_path`), its question
    wins: it is there even when the market's tokens were never recorded.
    """
    token = MarketToken.objects.filter(token_id=OuterRef(token_path))
    question: Combinable = Subquery(token.values("market__question")[:1])
    if market_path is not None:
        question = Coalesce(F(f"{market_path}__question"), question)
    # The plugin types `annotate` on a generic queryset as Any; the rows are still the
    # caller's model.
    annotated: QuerySet[_M] = queryset.annotate(
        market_question=question, market_outcome=Subquery(token.values("outcome")[:1])
    )
    return annotated
