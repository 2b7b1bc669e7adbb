"""Keeping LT's orders and fills in step with the venue.

Fill sync reads the trade feed by match time rather than by the venue's paging cursor: the
cursor is an offset into a listing that shifts as trades arrive, and a trade's status keeps
changing (MATCHED → MINED → CONFIRMED | FAILED) after it was first listed. So each pass
re-reads everything since the older of the high-water mark (minus a margin) and the oldest
fill not yet settled; recording is idempotent, so re-reading is harmless. Two passes at once
only record the same rows twice — the unique (trade id, order) constraint and the order row
lock keep that exact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from . import risk_hooks
from .fills import fills_record, own_fills
from .models import Fill, Order, OrderStatus, SyncCursor, TradeStatus
from .venue import VenueAdapter
from .venue.session import get_venue

TRADES_CURSOR = "venue_trades_after"
REREAD_MARGIN = timedelta(minutes=2)
UNSETTLED = (TradeStatus.MATCHED, TradeStatus.MINED, TradeStatus.RETRYING)
OPEN_AT_VENUE = (OrderStatus.LIVE, OrderStatus.DELAYED, OrderStatus.UNKNOWN, OrderStatus.SUBMITTED)


def _sync_from() -> datetime | None:
    row = SyncCursor.objects.filter(name=TRADES_CURSOR).first()
    marks = []
    if row and row.cursor:
        marks.append(datetime.fromtimestamp(int(row.cursor), tz=UTC) - REREAD_MARGIN)
    unsettled = Fill.objects.filter(status__in=UNSETTLED, is_paper=False, voided_at=None)
    oldest = unsettled.aggregate(t=Min("match_time"))["t"]
    if oldest is not None:
        marks.append(oldest - timedelta(seconds=1))
    return min(marks) if marks else None


def fills_sync(*, venue: VenueAdapter | None = None) -> int:
    """One pass over the trade feed; returns how many fills were added or advanced."""
    venue = venue or get_venue()
    since = _sync_from()
    page = venue.trades(after=str(int(since.timestamp()))) if since else venue.trades()
    hashes = {t.taker_order_id for t in page.trades} | {
        leg.order_id for t in page.trades for leg in t.maker_orders
    }
    rows = Order.objects.filter(venue_order_id__in=hashes).values_list("venue_order_id", "pk")
    ids = {venue_id: pk for venue_id, pk in rows if venue_id}
    changed = fills_record(fill for trade in page.trades for fill in own_fills(trade, ids))
    newest = max((t.match_time for t in page.trades if t.match_time), default=None)
    if newest is not None:
        _advance_high_water_mark(newest)
    return changed


def _advance_high_water_mark(newest: datetime) -> None:
    row, _ = SyncCursor.objects.get_or_create(name=TRADES_CURSOR)
    mark = str(int(newest.timestamp()))
    if not row.cursor or int(row.cursor) < int(mark):
        # Conditional on the value read: a slower concurrent pass cannot move it back.
        SyncCursor.objects.filter(pk=row.pk, cursor=row.cursor).update(cursor=mark)


def orders_expire(*, venue: VenueAdapter | None = None, now: datetime | None = None) -> int:
    """Cancel resting orders whose TTL has passed; returns how many were cancelled."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(
            status__in=(OrderStatus.LIVE, OrderStatus.DELAYED), expires_at__lte=now
        ).values_list("pk", "venue_order_id", "mode")
    )
    if not due:
        return 0
    live_ids = [vid for _, vid, mode in due if mode == "live" and vid]
    if live_ids:
        (venue or get_venue()).cancel_many(live_ids)
    cancelled = 0
    for pk, _, _ in due:
        cancelled += Order.objects.filter(pk=pk, status__in=OPEN_AT_VENUE).update(
            status=OrderStatus.EXPIRED, completed_at=now
        )
        risk_hooks.budget_release_rest(order=Order.objects.get(pk=pk))
    return cancelled
