"""Venue faults the executor must survive without losing or duplicating an order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from execution.executor import order_submit
from execution.heartbeat import heartbeat_once
from execution.models import Order, OrderStatus
from execution.reconcile import reconcile
from monitoring.models import Alert
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent

pytestmark = pytest.mark.django_db
D = Decimal


def test_429_is_retried_within_the_limiter_and_places_one_order(live_venue: SandboxHandle) -> None:
    live_venue.faults.rate_limit("/order", count=2)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.LIVE
    assert len(live_venue.orders()) == 1


def test_5xx_is_resolved_by_hash_then_the_same_bytes_are_sent_once(
    live_venue: SandboxHandle,
) -> None:
    live_venue.faults.http_status("/order", 502)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.UNKNOWN and live_venue.orders() == []
    signed_hash = order.venue_order_id
    # Past the grace period the sweep sends the stored bytes again — never re-signed.
    Order.objects.filter(pk=order.pk).update(posted_at=timezone.now() - timedelta(minutes=1))
    order = order_submit(order_id=order.pk)
    assert order.status == OrderStatus.LIVE and order.venue_order_id == signed_hash
    assert [o["id"] for o in live_venue.orders()] == [signed_hash]
    assert order_submit(order_id=order.pk).status == OrderStatus.LIVE
    assert len(live_venue.orders()) == 1


def test_phantom_balance_refusal_is_retried_after_a_refresh(live_venue: SandboxHandle) -> None:
    live_venue.faults.balance_error(count=1)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.LIVE and len(live_venue.orders()) == 1
    assert not Alert.objects.filter(reason_code="VENUE_BALANCE_REJECTED").exists()


def test_balance_refused_every_time_is_rejected_with_an_alert(live_venue: SandboxHandle) -> None:
    live_venue.faults.balance_error(count=5)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert (order.status, order.error_code) == (OrderStatus.REJECTED, "insufficient_balance")
    assert live_venue.orders() == []
    assert Alert.objects.filter(reason_code="VENUE_BALANCE_REJECTED").count() == 1


def test_heartbeat_loss_cancels_resting_orders_and_local_state_follows(
    live_venue: SandboxHandle,
) -> None:
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert heartbeat_once()  # arms the venue's dead-man switch
    live_venue.faults.heartbeat_loss()
    assert heartbeat_once()  # sent, but the venue never hears it
    live_venue.step(12)
    assert [o["status"] for o in live_venue.orders()] != ["LIVE"]
    Order.objects.filter(pk=order.pk).update(posted_at=timezone.now() - timedelta(minutes=1))
    report = reconcile()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and report.orders_closed == [order.venue_order_id]
