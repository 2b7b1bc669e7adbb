"""The fast send path signs before it claims: a worker that loses the claim sends nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from execution import executor
from execution.models import Order, OrderStatus
from execution.venue import SignedOrder
from execution.venue.session import get_venue
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent

pytestmark = pytest.mark.django_db
D = Decimal


def _signed_by_a_slow_worker(order: Order) -> tuple[Order, SignedOrder]:
    found = executor._live_intent(order.pk)
    assert found is not None
    stale, market = found
    assert market == {"tick_size": D("0.01"), "neg_risk": False, "exchange_version": 2}
    signed = get_venue().sign_order(executor._request(stale), **market)
    return stale, signed


def test_intent_sent_by_another_worker_meanwhile_is_not_stored_or_sent_again(
    live_venue: SandboxHandle,
) -> None:
    order = live_intent(live_venue)
    stale, signed = _signed_by_a_slow_worker(order)
    sent = executor.order_submit(order_id=order.pk)  # the other worker, start to finish
    assert not executor._claim_and_store(stale, signed)
    order.refresh_from_db()
    assert order.venue_order_id == sent.venue_order_id != signed.order_hash
    assert [o["id"] for o in live_venue.orders()] == [sent.venue_order_id]


def test_intent_claimed_by_another_worker_is_left_to_it(live_venue: SandboxHandle) -> None:
    order = live_intent(live_venue)
    stale, signed = _signed_by_a_slow_worker(order)
    # The other worker holds the lease and is still signing.
    Order.objects.filter(pk=order.pk).update(lease_until=timezone.now() + timedelta(seconds=30))
    assert not executor._claim_and_store(stale, signed)
    assert executor._live_intent(order.pk) is None  # nor does the next submit take it
    order.refresh_from_db()
    assert (order.status, order.signed_order, order.attempts) == (OrderStatus.INTENT, None, 0)
    assert live_venue.orders() == []
