"""Fills: venue trades (or simulated paper fills) recorded once and applied to orders,
positions and budgets.

A trade can involve LT's orders as the taker (`taker_order_id`) and/or as makers
(`maker_orders[]`, possibly on the other outcome token), so each trade maps to zero or more
fills, each unique by (venue trade id, order). Status moves MATCHED → MINED → CONFIRMED;
a trade that ends FAILED never settled, so its fill is voided and its effects undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ltproject.domain import Side
from ltproject.money import quantize_price, quantize_pusd
from risk.models import BreakerKind

from . import risk_hooks
from .models import Fill, Order, OrderPurpose, OrderStatus, Position, TradeStatus
from .positions import position_apply_fill, position_locked_for, position_reverse_fill
from .venue.types import VenueTrade

_STATUS_RANK = {
    TradeStatus.MATCHED: 0,
    TradeStatus.RETRYING: 0,
    TradeStatus.MINED: 1,
    TradeStatus.CONFIRMED: 2,
    TradeStatus.FAILED: 2,
}


@dataclass(frozen=True)
class OwnFill:
    """One of LT's orders' share of a trade."""

    order_id: int
    venue_trade_id: str
    status: str
    side: Side
    trader_side: str
    size: Decimal
    price: Decimal
    match_time: datetime
    transaction_hash: str = ""
    is_paper: bool = False


def own_fills(trade: VenueTrade, order_ids_by_hash: dict[str, int]) -> list[OwnFill]:
    """The fills a venue trade makes for LT's orders (taker side and each maker leg)."""

    def fill(order_id: int, side: Side, trader_side: str, size: Decimal, price: Decimal) -> OwnFill:
        return OwnFill(
            order_id=order_id,
            venue_trade_id=trade.trade_id,
            status=trade.status,
            side=side,
            trader_side=trader_side,
            size=size,
            price=price,
            match_time=trade.match_time or timezone.now(),
            transaction_hash=trade.transaction_hash,
        )

    fills = []
    taker = order_ids_by_hash.get(trade.taker_order_id)
    if taker is not None:
        fills.append(fill(taker, trade.side, Fill.TraderSide.TAKER, trade.size, trade.price))
    for leg in trade.maker_orders:
        maker = order_ids_by_hash.get(leg.order_id)
        if maker is not None:
            side = Side(leg.side) if leg.side in Side.values else _opposite(trade.side)
            fills.append(fill(maker, side, Fill.TraderSide.MAKER, leg.matched_amount, leg.price))
    return fills


def _opposite(side: Side) -> Side:
    return Side.SELL if side == Side.BUY else Side.BUY


def fills_record(fills: Iterable[OwnFill]) -> int:
    """Record each fill (idempotent); returns how many changed something."""
    return sum(fill_record(fill) for fill in fills)


@transaction.atomic
def fill_record(own: OwnFill) -> bool:
    """Insert or advance one fill. Replays of the same trade change nothing."""
    order = Order.objects.select_for_update().get(pk=own.order_id)
    fill = Fill.objects.filter(order=order, venue_trade_id=own.venue_trade_id).first()
    status = TradeStatus(own.status) if own.status in TradeStatus.values else TradeStatus.MATCHED
    if fill is None:
        fill = Fill.objects.create(
            order=order,
            venue_trade_id=own.venue_trade_id,
            status=status,
            side=own.side,
            trader_side=own.trader_side,
            price=own.price,
            size=own.size,
            transaction_hash=own.transaction_hash,
            match_time=own.match_time,
            is_paper=own.is_paper,
            voided_at=timezone.now() if status == TradeStatus.FAILED else None,
        )
        if status != TradeStatus.FAILED:
            _apply(order, fill)
        return True
    if fill.voided_at is not None or _STATUS_RANK[status] < _STATUS_RANK[TradeStatus(fill.status)]:
        return False  # terminal already, or an older status arriving late
    if status == fill.status and own.transaction_hash == fill.transaction_hash:
        return False
    if status == TradeStatus.FAILED:
        _void(order, fill)
    fill.status = status
    fill.transaction_hash = own.transaction_hash or fill.transaction_hash
    fill.save(update_fields=["status", "transaction_hash", "voided_at", "updated_at"])
    return True


def _apply(order: Order, fill: Fill) -> None:
    notional = quantize_pusd(fill.size * fill.price)
    previous = order.size_matched
    order.size_matched = min(order.size, previous + fill.size)
    paid = (order.avg_fill_price or 0) * previous + notional
    order.avg_fill_price = quantize_price(paid / (previous + fill.size))
    order.first_fill_at = order.first_fill_at or fill.match_time
    if order.size_matched >= order.size:
        order.status, order.completed_at = OrderStatus.MATCHED, timezone.now()
    order.save()
    if order.strategy_id is None:
        return  # an order reconciliation imported and no strategy owns
    if fill.side == Side.BUY and order.purpose == OrderPurpose.ENTRY:
        risk_hooks.budget_spend_fill(order=order, amount=notional)
    if order.reference_price:
        risk_hooks.observe(
            order=order, kind=BreakerKind.SLIPPAGE, value=slippage_bps(order, fill.price)
        )
    change = position_apply_fill(
        position_locked_for(order), side=fill.side, size=fill.size, price=fill.price
    )
    if change.realised:
        Fill.objects.filter(pk=fill.pk).update(realised_pnl=change.realised)
        fill.realised_pnl = change.realised
    if change.closed:
        risk_hooks.position_closed(position=change.position)
    if order.status == OrderStatus.MATCHED:
        risk_hooks.budget_release_rest(order=order)


def slippage_bps(order: Order, price: Decimal) -> Decimal:
    """How much worse than the FT reference price a fill came, in basis points."""
    reference = Decimal(order.reference_price or 0)
    worse = price - reference if order.side == Side.BUY else reference - price
    bps: Decimal = (worse / reference * 10_000).quantize(Decimal("0.01"))
    return bps


def _void(order: Order, fill: Fill) -> None:
    fill.voided_at = timezone.now()
    notional = quantize_pusd(fill.size * fill.price)
    order.size_matched = max(order.size_matched - fill.size, Decimal(0))
    if order.status == OrderStatus.MATCHED:
        # The order is no longer complete; what remains is neither resting nor fillable.
        order.status = OrderStatus.CANCELLED
    order.save()
    if order.strategy_id is None:
        return
    if fill.side == Side.BUY and order.purpose == OrderPurpose.ENTRY:
        risk_hooks.budget_unspend(order=order, amount=notional)
    position = (
        Position.objects.select_for_update()
        .filter(strategy_id=order.strategy_id, token_id=order.token_id, mode=order.mode)
        .order_by("-opened_at")
        .first()
    )
    if position is not None:
        position_reverse_fill(
            position,
            side=fill.side,
            size=fill.size,
            price=fill.price,
            realised=fill.realised_pnl,
        )
