"""Position accounting: cost basis (fees included) on buys, realised P&L net of fees on sells,
reversal of voided fills.

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
    sold: Decimal = ZERO  # shares a sell took off the position (never more than it held)
    cost: Decimal = ZERO  # the cost basis those shares took with them


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
    position: Position,
    *,
    side: str,
    size: Decimal,
    price: Decimal,
    fee: Decimal = ZERO,
    notional: Decimal | None = None,
) -> PositionChange:
    """Add a buy at what it cost (fee included), or take a sell off at its share of the cost
    basis: realised P&L is proceeds − fee − the cost of the shares sold, exact to the unit
    when a position is sold out. `notional` is the fill's pUSD before fees when its legs
    priced it (default size × price)."""
    paid = quantize_pusd(size * price) if notional is None else notional
    if side == Side.BUY:
        position.cost_basis = quantize_pusd(position.cost_basis + paid + fee)
        position.size += size
        position.avg_cost = quantize_price(position.cost_basis / position.size)
        position.save()
        return PositionChange(position, ZERO, closed=False)
    sold = min(size, position.size)  # never short: a sell beyond the holding is venue noise
    if sold < size:  # only the held part counts, its proceeds and fee pro rata
        paid, fee = quantize_pusd(paid * sold / size), quantize_pusd(fee * sold / size)
    cost = _cost_of(position, sold)
    realised = paid - fee - cost
    position.realised_pnl += realised
    position.size -= sold
    position.cost_basis -= cost
    closed = position.size == 0
    if closed:
        position.status = PositionStatus.CLOSED
        position.closed_at = timezone.now()
    position.save()
    return PositionChange(position, realised, closed=closed, sold=sold, cost=cost)


def _cost_of(position: Position, shares: Decimal) -> Decimal:
    """The cost basis of `shares` of the position: all of it when they are all of it."""
    if shares >= position.size:
        return Decimal(position.cost_basis)
    return quantize_pusd(position.cost_basis * shares / position.size)


def position_reverse_fill(
    position: Position,
    *,
    side: str,
    size: Decimal,
    price: Decimal,
    realised: Decimal,
    fee: Decimal = ZERO,
    notional: Decimal | None = None,
    sold: Decimal | None = None,
    cost: Decimal | None = None,
) -> Position:
    """Undo a fill the venue later reported FAILED (the trade never settled). A sell gives
    back the shares and cost basis it took off (`sold`, `cost`, as `position_apply_fill`
    reported them; fills booked before they were kept: its size, and its proceeds less fee
    and realised P&L)."""
    paid = quantize_pusd(size * price) if notional is None else notional
    if side == Side.BUY:
        position.size = max(ZERO, position.size - size)
        position.cost_basis = max(ZERO, quantize_pusd(position.cost_basis - paid - fee))
        position.avg_cost = (
            quantize_price(position.cost_basis / position.size) if position.size else ZERO
        )
    else:
        position.size += size if sold is None else sold
        position.realised_pnl -= realised
        position.cost_basis += max(ZERO, paid - fee - realised) if cost is None else cost
        if position.status == PositionStatus.CLOSED:
            position.status, position.closed_at = PositionStatus.OPEN, None
    position.save()
    return position
