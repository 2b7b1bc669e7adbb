"""Stop-loss, take-profit and trailing stop: mark open positions, exit the ones that crossed.

One cycle reads every open position's book in batches (`/books`, 500 tokens a request), so
its cost grows with batches, not positions. A trigger compares the best bid — the price an
exit can actually get — with the position's average cost (or its peak mark, for the trailing
stop). The exit is a marketable FAK at the best bid: it takes what the book holds now and
never rests below the market. Exits bypass the entry rules (they are allowed while REDUCING
or HALTED) and are idempotent: a position with an exit in flight gets no second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ltproject.domain import OrderType, Side
from ltproject.money import quantize_pusd
from risk.models import RiskRules

from .executor import order_dispatch
from .markets import market_ticks_observed
from .models import (
    TERMINAL_ORDER_STATUSES,
    Order,
    OrderPurpose,
    OrderStatus,
    Position,
    PositionStatus,
)
from .venue import Book, VenueAdapter
from .venue.session import get_venue

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Trigger:
    purpose: OrderPurpose
    threshold: Decimal


def exit_trigger(
    *, rules: RiskRules, avg_cost: Decimal, peak: Decimal | None, bid: Decimal
) -> Trigger | None:
    """Which exit, if any, the best bid has crossed. Stop-loss wins over the others."""
    if rules.stop_loss_pct is not None:
        stop = avg_cost * (1 - rules.stop_loss_pct / HUNDRED)
        if bid <= stop:
            return Trigger(OrderPurpose.STOP_LOSS, stop)
    if rules.trailing_stop_pct is not None and peak is not None:
        trail = peak * (1 - rules.trailing_stop_pct / HUNDRED)
        if bid <= trail and peak > avg_cost:
            return Trigger(OrderPurpose.TRAILING_STOP, trail)
    if rules.take_profit_pct is not None:
        target = avg_cost * (1 + rules.take_profit_pct / HUNDRED)
        if bid >= target:
            return Trigger(OrderPurpose.TAKE_PROFIT, target)
    return None


def stops_cycle(*, venue: VenueAdapter | None = None) -> list[Order]:
    """Mark every open position and send the exits that are due; returns the exits made.

    Marks are written in one bulk UPDATE; only positions whose trigger fired are locked and
    looked at again, so a quiet cycle over 1,000 positions is a handful of queries.
    """
    positions = list(
        Position.objects.filter(status=PositionStatus.OPEN, size__gt=0).select_related(
            "strategy__risk_rules"
        )
    )
    if not positions:
        return []
    tokens = sorted({p.token_id for p in positions})
    books = {b.token_id: b for b in (venue or get_venue()).books(tokens)}
    # Exits are priced at the bid, on the venue's current tick: keep LT's ticks in step.
    market_ticks_observed({t: b.tick_size for t, b in books.items() if b.tick_size is not None})
    now, marked, due = timezone.now(), [], []
    for position in positions:
        book = books.get(position.token_id)
        if book is None or book.best_bid is None:
            continue
        mark = book.mid or book.best_bid
        position.mark_price, position.marked_at = mark, now
        position.peak_price = max(position.peak_price or mark, mark)
        marked.append(position)
        rules = position.strategy.risk_rules
        if exit_trigger(
            rules=rules, avg_cost=position.avg_cost, peak=position.peak_price, bid=book.best_bid
        ):
            due.append((position, book))
    Position.objects.bulk_update(marked, ["mark_price", "marked_at", "peak_price"], batch_size=500)
    exits = [order for position, book in due if (order := _exit(position, book)) is not None]
    for order in exits:
        transaction.on_commit(partial(order_dispatch, order.pk))
    return exits


def exit_send(position: Position, book: Book) -> Order | None:
    """The exit a position is due at this book, created under the position's lock and sent
    through the executor once the caller's transaction commits; None when none is due (or
    one is in flight already)."""
    order = _exit(position, book)
    if order is not None:
        transaction.on_commit(partial(order_dispatch, order.pk))
    return order


@transaction.atomic
def _exit(position: Position, book: Book) -> Order | None:
    """Create the exit for a triggered position, under its lock (a second monitor skips it)."""
    locked = (
        Position.objects.select_for_update(of=("self",))
        .select_related("market")
        .get(pk=position.pk)
    )
    bid = book.best_bid
    if locked.status != PositionStatus.OPEN or locked.size <= 0 or bid is None:
        return None
    trigger = exit_trigger(
        rules=position.strategy.risk_rules,
        avg_cost=locked.avg_cost,
        peak=locked.peak_price,
        bid=bid,
    )
    # The venue trades shares on a 0.01 grid and refuses orders under the market minimum;
    # dust below that cannot be sold on the book (it waits for resolution instead).
    size = locked.size.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    minimum = locked.market.min_order_size if locked.market else Decimal(5)
    if trigger is None or size < minimum or _exit_in_flight(locked) or _merging(locked):
        return None
    return Order.objects.create(
        strategy_id=locked.strategy_id,
        position=locked,
        market_id=locked.market_id,
        token_id=locked.token_id,
        side=Side.SELL,
        order_type=OrderType.FAK,
        purpose=trigger.purpose,
        mode=locked.mode,
        price=bid,
        size=size,
        notional=quantize_pusd(size * bid),
        reference_price=bid,
        risk_check_passed=True,
    )


def _merging(position: Position) -> bool:
    """Shares in an open on-chain merge (redemption/merging.py) are not the book's to sell:
    the exit waits the minute or two until the merge is booked, then sells what is left."""
    return position.redemption_allocations.filter(
        redemption__kind="merge", redemption__state__in=("pending", "submitted")
    ).exists()


# How long a matched exit whose fills are not booked yet still counts as in flight.
EXIT_BOOKING_GRACE = timedelta(minutes=10)


def _exit_in_flight(position: Position) -> bool:
    """An exit still working at the venue, or one the venue matched whose fills are not
    booked yet: the position shrinks only when they are (by the stream or the fill sync), so
    until then it still shows the shares that exit sold, and a second exit would sell them
    again (the venue refuses it for want of shares). Only for EXIT_BOOKING_GRACE: a trade
    the venue later fails must not block the stop for ever."""
    exits = Order.objects.filter(position=position, side=Side.SELL)
    working = ~Q(status__in=TERMINAL_ORDER_STATUSES)
    unbooked = Q(
        status=OrderStatus.MATCHED,
        size_matched=0,
        updated_at__gte=timezone.now() - EXIT_BOOKING_GRACE,
    )
    return exits.filter(working | unbooked).exists()
