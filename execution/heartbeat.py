"""The venue's dead-man switch: while LT runs, a heartbeat every few seconds keeps its resting
orders alive; if LT dies, the venue cancels them all 10 s after the last one.

Heartbeats start only once a live order rests at the venue (the venue arms the switch on the
first heartbeat), and a missed beat is logged, never fatal: reconciliation brings the local
state in line with whatever the venue cancelled.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from .models import Order, OrderStatus
from .venue import VenueError
from .venue.session import get_venue

logger = logging.getLogger(__name__)

INTERVAL_S = 5.0  # half the venue's 10 s window


def resting_live_orders() -> bool:
    return Order.objects.filter(
        mode="live", status__in=(OrderStatus.LIVE, OrderStatus.DELAYED)
    ).exists()


def heartbeat_once() -> bool:
    """Send one heartbeat if anything rests at the venue; True if one was sent."""
    try:
        if not resting_live_orders():
            return False
        get_venue().heartbeat()
        return True
    except VenueError as error:
        logger.warning("heartbeat failed: %s: %s", type(error).__name__, error.message)
        return False


def heartbeat_loop(stop: threading.Event, interval: float = INTERVAL_S) -> None:
    while not stop.wait(interval):
        heartbeat_once()
        close_old_connections()  # a long-lived loop must not hold a dead connection
