"""Reconciliation imports what only the venue knows and closes what only LT thinks is open."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from execution.markets import market_for_token
from execution.models import Order, OrderPurpose, OrderStatus, PositionStatus, ReconcileRun
from execution.reconcile import reconcile
from execution.venue import OrderRequest
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side, TradingMode
from monitoring.models import Alert
from risk.selectors import global_risk_state
from sandbox.testing import SandboxHandle
from tests.factories import OrderFactory, PositionFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _token(sandbox: SandboxHandle) -> str:
    return sandbox.market("btc-above-150k-2026").yes.token_id


def test_unknown_venue_orders_are_imported_once(live_venue: SandboxHandle) -> None:
    adapter = get_venue()
    request = OrderRequest(token_id=_token(live_venue), side=Side.BUY, price=D("0.10"), size=D(10))
    placed = {adapter.post_order(adapter.sign_order(request)).order_id for _ in range(3)}
    report = reconcile()
    assert set(report.orders_imported) == placed
    imported = Order.objects.filter(purpose=OrderPurpose.IMPORTED)
    assert {o.venue_order_id for o in imported} == placed
    assert all(o.status == OrderStatus.LIVE and o.strategy is None for o in imported)
    assert reconcile().orders_imported == []
    assert global_risk_state().reconciled_at is not None


def test_a_local_order_the_venue_never_saw_is_closed_out(live_venue: SandboxHandle) -> None:
    phantom = OrderFactory(
        mode=TradingMode.LIVE,
        token_id=_token(live_venue),
        order_type=OrderType.GTC,
        status=OrderStatus.LIVE,
        venue_order_id="0x" + "77" * 32,
        posted_at=timezone.now() - timedelta(minutes=5),
    )
    report = reconcile()
    phantom.refresh_from_db()
    assert report.orders_closed == [phantom.venue_order_id]
    assert (phantom.status, phantom.error_code) == (OrderStatus.CANCELLED, "not_at_venue")


def test_a_resting_order_cancelled_at_the_venue_follows_locally(live_venue: SandboxHandle) -> None:
    adapter = get_venue()
    signed = adapter.sign_order(
        OrderRequest(token_id=_token(live_venue), side=Side.BUY, price=D("0.10"), size=D(10))
    )
    order = OrderFactory(
        mode=TradingMode.LIVE,
        token_id=_token(live_venue),
        status=OrderStatus.LIVE,
        venue_order_id=adapter.post_order(signed).order_id,
        posted_at=timezone.now() - timedelta(minutes=5),
    )
    adapter.cancel_all()  # as the venue's dead-man switch would
    reconcile()
    order.refresh_from_db()
    assert (order.status, order.error_code) == (OrderStatus.CANCELLED, "canceled")


def test_ledger_and_wallet_disagreeing_is_reported_and_not_stamped(
    live_venue: SandboxHandle,
) -> None:
    PositionFactory(
        token_id=_token(live_venue), mode=TradingMode.LIVE, size=D(10), status=PositionStatus.OPEN
    )
    report = reconcile()
    assert report.balance_mismatches == {_token(live_venue): ("10.000000", "0.000000")}
    assert global_risk_state().reconciled_at is None
    run = ReconcileRun.objects.get()
    assert (run.agreed, run.mismatches, run.persisting) == (
        False,
        {_token(live_venue): ["10.000000", "0.000000"]},
        [],
    )


def test_a_mismatch_alerts_only_when_the_next_pass_finds_it_too(
    live_venue: SandboxHandle,
) -> None:
    token = _token(live_venue)
    market_for_token(venue=get_venue(), token_id=token)  # LT knows the market: named in mail
    position = PositionFactory(
        token_id=token, mode=TradingMode.LIVE, size=D(10), status=PositionStatus.OPEN
    )
    reconcile()  # a settlement in flight looks like this once
    assert not Alert.objects.filter(reason_code="RECONCILE_MISMATCH").exists()

    assert reconcile().persisting == [token]
    alert = Alert.objects.get(reason_code="RECONCILE_MISMATCH")
    assert alert.market is not None
    assert (alert.severity, alert.state, alert.market.condition_id) == (
        Alert.Severity.CRITICAL,
        Alert.State.OPEN,
        live_venue.market("btc-above-150k-2026").condition_id,
    )
    reconcile()
    alert.refresh_from_db()
    assert alert.count == 2  # the third pass counts on the same alert

    position.delete()  # the ledger agrees with the wallet again
    assert reconcile().clean
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED
    assert "no difference" in alert.resolution


def test_a_mismatch_cleared_by_the_next_pass_raises_nothing(live_venue: SandboxHandle) -> None:
    position = PositionFactory(
        token_id=_token(live_venue), mode=TradingMode.LIVE, size=D(10), status=PositionStatus.OPEN
    )
    reconcile()
    position.delete()  # the fill landed: the settlement was only in flight
    assert reconcile().clean
    PositionFactory(
        token_id=_token(live_venue), mode=TradingMode.LIVE, size=D(5), status=PositionStatus.OPEN
    )
    assert reconcile().persisting == []  # the pass before was clean: once again, not twice
    assert not Alert.objects.filter(reason_code="RECONCILE_MISMATCH").exists()


def test_lt_reconcile_prints_its_report_with_the_collateral_as_a_decimal_string(
    live_venue: SandboxHandle,
) -> None:
    """The report holds the wallet's pUSD as a Decimal: printed as its exact digits."""
    import json
    from io import StringIO

    from django.core.management import call_command

    live_venue.fund(live_venue.account.address, pusd=1234)
    out = StringIO()
    call_command("lt_reconcile", stdout=out)
    report = json.loads(out.getvalue())
    assert report["clean"] is True
    assert isinstance(report["collateral"], str) and D(report["collateral"]) >= D(1234)
