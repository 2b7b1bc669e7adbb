"""django-q2 entry points for execution; each is safe to run twice at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from strategies.models import Strategy

from . import risk_hooks
from .executor import SUBMITTABLE, order_submit
from .markets import markets_refresh_active
from .models import Order, OrderStatus, Position, PositionStatus, StreamStatus, SyncCursor
from .reconcile import reconcile
from .stops import stops_cycle
from .sync import fills_sync, orders_expire
from .venue.session import get_venue

# With the stream current, the fill poll runs this rarely (the stream status row is written
# every 2 s; older than STREAM_CURRENT, the stream counts as down).
POLLED_AT = "fills_polled_at"
POLL_BEHIND_STREAM = timedelta(minutes=5)
STREAM_CURRENT = timedelta(seconds=30)

# Markets signalled on within this are kept fresh too (the next signal may well come).
MARKETS_RECENT = timedelta(hours=24)

# An intent younger than this is still in its dispatch thread's hands.
SWEEP_AFTER = timedelta(seconds=5)


def sweep_orders() -> int:
    """Safety net: push on every order left between intent and a venue answer."""
    cutoff = timezone.now() - SWEEP_AFTER
    pending = Order.objects.filter(status__in=SUBMITTABLE, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return sum(order_submit(order_id=pk).status not in SUBMITTABLE for pk in pending)


def _trading_at_venue() -> bool:
    """Whether any live order ever reached the venue (no venue calls otherwise)."""
    return Order.objects.filter(mode="live").exclude(venue_order_id=None).exists()


def sync_fills() -> int:
    """Every minute; every 5 minutes while the stream's user channel is current (it books
    fills as they happen, and heals its own gaps from REST): polling is the safety net."""
    if not _trading_at_venue():
        return 0
    now = timezone.now()
    if stream_current("user", now=now) and not _poll_due(now):
        return 0
    SyncCursor.objects.update_or_create(name=POLLED_AT, defaults={"cursor": now.isoformat()})
    return fills_sync()


def stream_current(channel: str, *, now: datetime) -> bool:
    return StreamStatus.objects.filter(
        channel=channel, connected=True, updated_at__gte=now - STREAM_CURRENT
    ).exists()


def _poll_due(now: datetime) -> bool:
    row = SyncCursor.objects.filter(name=POLLED_AT).first()
    return (
        row is None
        or not row.cursor
        or datetime.fromisoformat(row.cursor) <= now - POLL_BEHIND_STREAM
    )


def expire_orders() -> int:
    if not Order.objects.filter(status=OrderStatus.LIVE, expires_at__lte=timezone.now()).exists():
        return 0
    return orders_expire()


def reconcile_with_venue() -> bool:
    """Every minute while a strategy trades live: the startup gate and the periodic check."""
    if not Strategy.objects.filter(mode="live").exists():
        return False
    return reconcile().clean


def monitor_stops() -> int:
    """Every minute: mark open positions at the mid from batched books, send the exits that
    are due, then measure each holding strategy's drawdown on those marks."""
    if not Position.objects.filter(status=PositionStatus.OPEN, size__gt=0).exists():
        return 0
    exits = stops_cycle()
    risk_hooks.drawdowns_measure()
    return len(exits)


def refresh_markets() -> int:
    """Every 10 minutes: the venue's current tick, minimum size, fees and state of the
    markets LT trades (it moves ticks near 0 and 1 while a market trades)."""
    if not Order.objects.exists():
        return 0  # nothing traded yet: no venue calls
    return markets_refresh_active(venue=get_venue(), since=timezone.now() - MARKETS_RECENT)
