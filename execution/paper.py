"""Paper mode: the same pipeline as live, with fills simulated by walking the real book.

The order is matched against the venue's book as it stands when it would have been sent,
level by level up to its limit price, keeping FOK (all or nothing), FAK (what matches now)
and resting-order (GTC/GTD: what crosses now; the rest waits) semantics. Fills go through the
same ledger code as live fills, marked `is_paper`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ltproject.domain import OrderType, Side
from risk.market_data import Book, get_market_data

from . import risk_hooks
from .fills import OwnFill, fill_record
from .models import Fill, Order, OrderStatus, TradeStatus


@dataclass(frozen=True)
class SimulatedFill:
    price: Decimal
    size: Decimal


def walk_book(book: Book, *, side: str, limit: Decimal, size: Decimal) -> list[SimulatedFill]:
    """Fills a taker order would get now: best levels first, never past the limit price."""
    levels = book.asks if side == Side.BUY else book.bids
    fills, remaining = [], size
    for price, available in levels:
        crosses = price <= limit if side == Side.BUY else price >= limit
        if remaining <= 0 or not crosses:
            break
        taken = min(remaining, available)
        fills.append(SimulatedFill(price, taken))
        remaining -= taken
    return fills


def paper_execute(*, order: Order) -> Order:
    """Simulate sending `order` now; records fills and sets the final or resting status."""
    # The same book source the risk engine decided with (the venue in production).
    book = get_market_data().book(order.token_id)
    remaining = order.size - order.size_matched
    fills = walk_book(book, side=order.side, limit=order.price, size=remaining)
    filled = sum((f.size for f in fills), Decimal(0))
    if order.order_type == OrderType.FOK and filled < remaining:
        fills = []  # killed: a FOK fills entirely or not at all
    Order.objects.filter(pk=order.pk).update(
        venue_order_id=order.venue_order_id or f"paper-{order.pk}",
        posted_at=order.posted_at or timezone.now(),
        acked_at=timezone.now(),
    )
    for index, fill in enumerate(fills, start=order.fills.count()):
        fill_record(
            OwnFill(
                order_id=order.pk,
                venue_trade_id=f"paper-{order.pk}-{index}",
                status=TradeStatus.CONFIRMED,
                side=Side(order.side),
                trader_side=Fill.TraderSide.TAKER,
                size=fill.size,
                price=fill.price,
                match_time=timezone.now(),
                is_paper=True,
            )
        )
    order.refresh_from_db()
    if order.status == OrderStatus.MATCHED:
        return order
    rests = order.order_type in (OrderType.GTC, OrderType.GTD)
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.LIVE if rests else OrderStatus.CANCELLED,
        completed_at=None if rests else timezone.now(),
    )
    order.refresh_from_db()
    if not rests:
        risk_hooks.budget_release_rest(order=order)
    return order
