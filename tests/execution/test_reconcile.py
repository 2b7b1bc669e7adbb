"""Reconciliation imports what only the venue knows and closes what only LT thinks is open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from execution.models import Order, OrderPurpose, OrderStatus, PositionStatus
from execution.reconcile import reconcile
from execution.venue import OrderRequest
from execution.venue.session import get_venue, reset_venue
from ltproject.domain import OrderType, Side, TradingMode
from monitoring.models import Alert
from risk.selectors import global_risk_state
from sandbox.testing import SandboxHandle
from tests.factories import OrderFactory, PositionFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def venue(sandbox_venue: SandboxHandle, settings: Settings) -> Iterator[SandboxHandle]:
    settings.CLOB_HOST = sandbox_venue.url
    settings.SIGNER_PRIVATE_KEY = sandbox_venue.account.private_key
    reset_venue()
    yield sandbox_venue
    reset_venue()


def _token(sandbox: SandboxHandle) -> str:
    return sandbox.market("btc-above-150k-2026").yes.token_id


def test_unknown_venue_orders_are_imported_once(venue: SandboxHandle) -> None:
    adapter = get_venue()
    request = OrderRequest(token_id=_token(venue), side=Side.BUY, price=D("0.10"), size=D(10))
    placed = {adapter.post_order(adapter.sign_order(request)).order_id for _ in range(3)}
    report = reconcile()
    assert set(report.orders_imported) == placed
    imported = Order.objects.filter(purpose=OrderPurpose.IMPORTED)
    assert {o.venue_order_id for o in imported} == placed
    assert all(o.status == OrderStatus.LIVE and o.strategy is None for o in imported)
    assert reconcile().orders_imported == []
    assert global_risk_state().reconciled_at is not None


def test_a_local_order_the_venue_never_saw_is_closed_out(venue: SandboxHandle) -> None:
    phantom = OrderFactory(
        mode=TradingMode.LIVE,
        token_id=_token(venue),
        order_type=OrderType.GTC,
        status=OrderStatus.LIVE,
        venue_order_id="0x" + "77" * 32,
        posted_at=timezone.now() - timedelta(minutes=5),
    )
    report = reconcile()
    phantom.refresh_from_db()
    assert report.orders_closed == [phantom.venue_order_id]
    assert (phantom.status, phantom.error_code) == (OrderStatus.CANCELLED, "not_at_venue")


def test_a_resting_order_cancelled_at_the_venue_follows_locally(venue: SandboxHandle) -> None:
    adapter = get_venue()
    signed = adapter.sign_order(
        OrderRequest(token_id=_token(venue), side=Side.BUY, price=D("0.10"), size=D(10))
    )
    order = OrderFactory(
        mode=TradingMode.LIVE,
        token_id=_token(venue),
        status=OrderStatus.LIVE,
        venue_order_id=adapter.post_order(signed).order_id,
        posted_at=timezone.now() - timedelta(minutes=5),
    )
    adapter.cancel_all()  # as the venue's dead-man switch would
    reconcile()
    order.refresh_from_db()
    assert (order.status, order.error_code) == (OrderStatus.CANCELLED, "canceled")


def test_ledger_and_wallet_disagreeing_is_reported_and_not_stamped(venue: SandboxHandle) -> None:
    PositionFactory(
        token_id=_token(venue), mode=TradingMode.LIVE, size=D(10), status=PositionStatus.OPEN
    )
    report = reconcile()
    assert report.balance_mismatches == {_token(venue): ("10.000000", "0.000000")}
    assert global_risk_state().reconciled_at is None
    assert Alert.objects.filter(reason_code="RECONCILE_MISMATCH").exists()
