"""Position accounting: average cost on buys, realised P&L on sells, reversal of voided fills.

Callers hold the position row lock (`select_for_update`) inside their transaction; these
functions only compute and save.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ltproject.domain import Side
from ltproject.money import ZERO, quantize_price, quantize_pusd

from .models import Order, Position, PositionStatus


@dataclass(frozen=True)
class PositionChange:
    position: Position
    realised: Decimal  # P&L this fill realised (0 for buys)
    closed: bool  # the fill took the position to zero


def position_locked_for(order: Order) -> Position:
    """The open position an order's fills go to, created (empty) on the first buy."""
    assert order.strategy_id is not None
    position = (
        Position.objects.select_for_update()
        .filter(
            strategy_id=order.strategy_id,
            token_id=order.token_id,
            mode=order.mode,
            status=PositionStatus.OPEN,
        )
        .first()
    )
    if position is None:
        position = Position.objects.create(
            strategy_id=order.strategy_id,
            market_id=order.market_id,
            token_id=order.token_id,
            mode=order.mode,
        )
    return position


def position_apply_fill(
    position: Position, *, side: str, size: Decimal, price: Decimal
) -> PositionChange:
    """Add a buy at its price, or take a sell off at the average cost."""
    if side == Side.BUY:
        position.cost_basis = quantize_pusd(position.cost_basis + size * price)
        position.size += size
        position.avg_cost = quantize_price(position.cost_basis / position.size)
        position.save()
        return PositionChange(position, ZERO, closed=False)
    sold = min(size, position.size)  # never short: a sell beyond the holding is venue noise
    realised = quantize_pusd(sold * (price - position.avg_cost))
    position.realised_pnl += realised
    position.size -= sold
    position.cost_basis = (
        ZERO if position.size == 0 else quantize_pusd(position.size * position.avg_cost)
    )
    closed = position.size == 0
    if closed:
        position.status = PositionStatus.CLOSED
        position.closed_at = timezone.now()
    position.save()
    return PositionChange(position, realised, closed=closed)


def position_reverse_fill(
    position: Position, *, side: str, size: Decimal, price: Decimal, realised: Decimal
) -> Position:
    """Undo a fill the venue later reported FAILED (the trade never settled)."""
    if side == Side.BUY:
        position.size = max(ZERO, position.size - size)
        position.cost_basis = max(ZERO, quantize_pusd(position.cost_basis - size * price))
        position.avg_cost = (
            quantize_price(position.cost_basis / position.size) if position.size else ZERO
        )
    else:
        position.size += size
        position.realised_pnl -= realised
        position.cost_basis = quantize_pusd(position.size * position.avg_cost)
        if position.status == PositionStatus.CLOSED:
            position.status, position.closed_at = PositionStatus.OPEN, None
    position.save()
    return position
