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
from django.db.models import Subquery
from django.utils import timezone

from ltproject.domain import Side
from ltproject.fees import FeeSchedule
from ltproject.money import ONE, quantize_price, quantize_pusd
from risk.models import BreakerKind, RiskState

from . import risk_hooks
from .models import Fill, Order, OrderPurpose, OrderStatus, Position, TradeStatus
from .positions import position_apply_fill, position_locked_for, position_reverse_fill
from .venue.types import MakerFill, VenueTrade

_STATUS_RANK = {
    TradeStatus.MATCHED: 0,
    TradeStatus.RETRYING: 0,
    TradeStatus.MINED: 1,
    TradeStatus.CONFIRMED: 2,
    TradeStatus.FAILED: 2,
}


Leg = tuple[Decimal, Decimal]  # (price from this order's side, shares)


@dataclass(frozen=True)
class OwnFill:
    """One of LT's orders' share of a trade.

    `price` is what the order actually got: for a taker, the VWAP of the maker legs it
    matched (a trade's top-level price is only the taker's limit); `legs` are those legs as
    (price, shares) on the order's own token, for fees and the audit trail.
    """

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
    legs: tuple[Leg, ...] = ()
    fee_rate_bps: Decimal | None = None  # as the trade reports it; None: the market's rate

    @property
    def notional(self) -> Decimal:
        """pUSD the shares cost or fetched, leg by leg, before fees."""
        if not self.legs:
            return quantize_pusd(self.size * self.price)
        return quantize_pusd(sum((price * shares for price, shares in self.legs), Decimal(0)))


def own_fills(trade: VenueTrade, order_ids_by_hash: dict[str, int]) -> list[OwnFill]:
    """The fills a venue trade makes for LT's orders: the taker's, and one per maker order
    (a maker order that appears in several legs of one trade is one fill of their sum)."""

    def fill(order_id: int, side: Side, trader_side: str, legs: list[Leg]) -> OwnFill:
        size = sum((shares for _, shares in legs), Decimal(0))
        return OwnFill(
            order_id=order_id,
            venue_trade_id=trade.trade_id,
            status=trade.status,
            side=side,
            trader_side=trader_side,
            size=size,
            price=vwap(legs),
            match_time=trade.match_time or timezone.now(),
            transaction_hash=trade.transaction_hash,
            legs=tuple(legs),
            fee_rate_bps=trade.fee_rate_bps or None,
        )

    fills = []
    taker = order_ids_by_hash.get(trade.taker_order_id)
    if taker is not None:
        fills.append(fill(taker, trade.side, Fill.TraderSide.TAKER, taker_legs(trade)))
    maker_legs: dict[int, list[Leg]] = {}
    maker_sides: dict[int, Side] = {}
    for leg in trade.maker_orders:
        maker = order_ids_by_hash.get(leg.order_id)
        if maker is not None and leg.matched_amount > 0:
            maker_legs.setdefault(maker, []).append((leg.price, leg.matched_amount))
            maker_sides[maker] = maker_side(trade, leg)
    for maker, legs in maker_legs.items():
        fills.append(fill(maker, maker_sides[maker], Fill.TraderSide.MAKER, legs))
    return fills


def taker_legs(trade: VenueTrade) -> list[Leg]:
    """What the taker matched, leg by leg, at the prices it actually got.

    A leg on the other outcome token is a complementary match (mint or merge): a maker
    buying NO at q sells the taker YES at 1 − q. Without legs (an older shape), the trade's
    own price and size stand.
    """
    legs = [
        (_for_taker(trade, leg), leg.matched_amount)
        for leg in trade.maker_orders
        if leg.matched_amount > 0
    ]
    if not legs:
        return [(trade.price, trade.size)]
    matched = sum((shares for _, shares in legs), Decimal(0))
    if matched != trade.size and trade.size > 0:
        # The trade's size is the taker's own; legs that do not add up to it give the price.
        return [(vwap(legs), trade.size)]
    return legs


def _for_taker(trade: VenueTrade, leg: MakerFill) -> Decimal:
    complementary = bool(leg.token_id) and bool(trade.token_id) and leg.token_id != trade.token_id
    return ONE - leg.price if complementary else leg.price


def maker_side(trade: VenueTrade, leg: MakerFill) -> Side:
    """The maker's side: as the leg says, else opposite the taker on the same token and the
    same as the taker on the other token (a complementary match)."""
    if leg.side in Side.values:
        return Side(leg.side)
    if leg.token_id and trade.token_id and leg.token_id != trade.token_id:
        return trade.side
    return _opposite(trade.side)


def vwap(legs: list[Leg]) -> Decimal:
    shares = sum((size for _, size in legs), Decimal(0))
    paid = sum((price * size for price, size in legs), Decimal(0))
    return quantize_price(paid / shares) if shares else Decimal(0)


def _opposite(side: Side) -> Side:
    return Side.SELL if side == Side.BUY else Side.BUY


def fills_record(fills: Iterable[OwnFill]) -> int:
    """Record each fill (idempotent); returns how many changed something."""
    return sum(fill_record(fill) for fill in fills)


@transaction.atomic
def fill_record(own: OwnFill) -> bool:
    """Insert or advance one fill. Replays of the same trade change nothing."""
    _risk_state_lock(own.order_id)
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("market").get(pk=own.order_id)
    )
    fill = Fill.objects.filter(order=order, venue_trade_id=own.venue_trade_id).first()
    status = TradeStatus(own.status) if own.status in TradeStatus.values else TradeStatus.MATCHED
    if fill is None:
        fill = Fill.objects.create(
            order=order,
            venue_trade_id=own.venue_trade_id,
            status=status,
            # A fill has its order's side on its order's token, whatever a leg of a
            # complementary match says about the other token.
            side=order.side,
            trader_side=own.trader_side,
            price=own.price,
            size=own.size,
            notional=own.notional,
            fee=fill_fee(order, own),
            legs=[[str(price), str(shares)] for price, shares in own.legs],
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


def _risk_state_lock(order_id: int) -> None:
    """Lock the order's strategy's risk state first, in the order a decision takes its locks.

    A fill that closes a position updates that row (`risk_position_closed`). A decision locks
    it before writing its rows, one of which (an exit order) names the position; taken after
    the order and position rows, the two transactions would wait for each other.
    """
    strategy = Order.objects.filter(pk=order_id).values("strategy_id")
    list(
        RiskState.objects.select_for_update(no_key=True)
        .filter(strategy_id=Subquery(strategy))
        .values_list("pk", flat=True)
    )


def fill_fee(order: Order, own: OwnFill) -> Decimal:
    """The venue's fee for this fill: its market's schedule (at the rate the trade reports,
    when it reports one), leg by leg, on takers only unless the market charges makers too."""
    schedule = FeeSchedule.from_params(order.market.fee_params if order.market else None)
    schedule = schedule.with_rate_bps(own.fee_rate_bps)
    if not schedule.applies_to(taker=own.trader_side == Fill.TraderSide.TAKER):
        return Decimal(0)
    return schedule.fee_of_legs(own.legs or ((own.price, own.size),))


def _apply(order: Order, fill: Fill) -> None:
    notional = fill.notional
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
        risk_hooks.budget_spend_fill(order=order, amount=notional + fill.fee)
    if order.reference_price:
        risk_hooks.observe(
            order=order, kind=BreakerKind.SLIPPAGE, value=slippage_bps(order, fill.price)
        )
    change = position_apply_fill(
        position_locked_for(order),
        side=fill.side,
        size=fill.size,
        price=fill.price,
        fee=fill.fee,
        notional=notional,
    )
    if fill.side == Side.SELL:
        kept = {"realised_pnl": change.realised, "position_shares": change.sold,
                "position_cost": change.cost}  # fmt: skip
        Fill.objects.filter(pk=fill.pk).update(**kept)
        for name, value in kept.items():
            setattr(fill, name, value)
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
    notional = fill.notional
    order.size_matched = max(order.size_matched - fill.size, Decimal(0))
    if order.status == OrderStatus.MATCHED:
        # The order is no longer complete; what remains is neither resting nor fillable.
        order.status = OrderStatus.CANCELLED
    order.save()
    if order.strategy_id is None:
        return
    if fill.side == Side.BUY and order.purpose == OrderPurpose.ENTRY:
        risk_hooks.budget_unspend(order=order, amount=notional + fill.fee)
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
            fee=fill.fee,
            notional=notional,
            sold=fill.position_shares,
            cost=fill.position_cost,
        )
