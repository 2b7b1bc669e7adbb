"""Open exposure by market and by event, against each strategy's limits.

Exposure is what the risk engine counts: the cost of the shares a strategy holds plus what
its BUY orders still to fill may spend, in pUSD, of its current mode. A market outside any
event (neg-risk group) is its own event, as the engine treats it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from execution.models import TERMINAL_ORDER_STATUSES, Market, Order, Position, PositionStatus
from ltproject.domain import Side
from ltproject.money import ZERO, quantize_pusd
from strategies.models import Strategy

from .strategies import share_of_limit

_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=6)


@dataclass(frozen=True)
class Exposure:
    strategy: str
    name: str  # the market's question, or the event's name
    outcome_count: int
    exposure: Decimal
    limit: Decimal | None

    @property
    def share(self) -> Decimal | None:
        return share_of_limit(self.exposure, self.limit)

    @property
    def over(self) -> bool:
        return self.limit is not None and self.exposure > self.limit


def _by_market(strategy: str) -> dict[tuple[int, int | None], Decimal]:
    """(strategy id, market id) → pUSD held or committed."""
    totals: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
    positions = Position.objects.filter(status=PositionStatus.OPEN, mode=F("strategy__mode"))
    buys = Order.objects.filter(side=Side.BUY, mode=F("strategy__mode")).exclude(
        status__in=TERMINAL_ORDER_STATUSES
    )
    if strategy:
        positions, buys = (
            positions.filter(strategy__slug=strategy),
            buys.filter(strategy__slug=strategy),
        )
    remaining = ExpressionWrapper((F("size") - F("size_matched")) * F("price"), output_field=_MONEY)
    for rows, amount in ((positions, Sum("cost_basis")), (buys, Sum(remaining))):
        for row in rows.values("strategy_id", "market_id").annotate(total=amount):
            if row["strategy_id"] is not None:
                totals[(row["strategy_id"], row["market_id"])] += _money(row["total"])
    return totals


def exposures(*, strategy: str = "") -> tuple[list[Exposure], list[Exposure]]:
    """(by market, by event), largest share of its limit first."""
    totals = _by_market(strategy)
    strategies = {
        s.pk: s
        for s in Strategy.objects.select_related("risk_rules").filter(pk__in={k[0] for k in totals})
    }
    markets = Market.objects.in_bulk([m for _, m in totals if m is not None])
    by_market: list[Exposure] = []
    by_event: defaultdict[tuple[int, str], tuple[Decimal, int, str]] = defaultdict(
        lambda: (ZERO, 0, "")
    )
    for (strategy_id, market_id), total in totals.items():
        owner, market = strategies[strategy_id], markets.get(market_id) if market_id else None
        name = market.question if market else "(market not known to LT)"
        rules = owner.risk_rules
        by_market.append(
            Exposure(owner.slug, name, 1, quantize_pusd(total), rules.max_exposure_per_market)
        )
        event = (market.event_id or market.condition_id) if market else f"?{market_id}"
        label = f"event {market.event_id}" if market and market.event_id else name
        running, count, _ = by_event[(strategy_id, event)]
        by_event[(strategy_id, event)] = (running + total, count + 1, label)
    events = [
        Exposure(
            strategies[sid].slug,
            label,
            count,
            quantize_pusd(total),
            strategies[sid].risk_rules.max_exposure_per_event,
        )
        for (sid, _), (total, count, label) in by_event.items()
    ]
    return _ranked(by_market), _ranked(events)


def _ranked(rows: list[Exposure]) -> list[Exposure]:
    return sorted(rows, key=lambda r: (-(r.share or 0), -r.exposure, r.strategy, r.name))


def _money(value: object) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))
