"""What a real SMTP server receives: each kind of alert as one mail within a minute of its
commit, one mail for twenty repeats, and nothing lost to a five-minute mail outage.

These tests commit for real (`transaction=True`), so mail starts the way it does in
production: once the alert's transaction commits, through the job queue (run synchronously
by the test settings).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from pytest_django.fixtures import Settings

from execution.markets import market_for_token
from execution.models import PositionStatus
from execution.reconcile import reconcile
from execution.venue.session import get_venue, reset_venue
from ltproject.domain import TradingMode
from monitoring.delivery import alerts_deliver
from monitoring.health.runner import health_checks_run
from monitoring.models import Alert, HealthCheck, HealthStatus
from monitoring.testing import Received, SmtpServer
from redemption.models import RedemptionState
from redemption.services import redemptions_alert_overdue
from risk.breakers import breaker_observe
from risk.models import BreakerKind
from risk.services import strategy_halt
from sandbox.chain.anvil import free_port
from sandbox.testing import SandboxHandle
from tests.factories import MarketFactory, PositionFactory, RedemptionFactory, StrategyFactory

pytestmark = pytest.mark.django_db(transaction=True)

WITHIN_S = 60


def _one_mail_within_a_minute(smtp: SmtpServer, raise_it: Callable[[], object]) -> Received:
    committed = time.time()
    raise_it()
    (received,) = smtp.wait_for(1)
    assert received.accepted_at - committed < WITHIN_S
    assert received.recipients == ["ops@example.com"]
    assert (
        Alert.objects.exclude(delivery=Alert.Delivery.SENT)
        .filter(severity__in=(Alert.Severity.WARNING, Alert.Severity.CRITICAL))
        .count()
        == 0
    )
    return received


def test_a_breaker_trip_is_one_mail(smtp_server: SmtpServer) -> None:
    strategy = StrategyFactory(slug="copy-whale", risk_rules__breaker_max_latency_ms=500)
    mail = _one_mail_within_a_minute(
        smtp_server,
        lambda: breaker_observe(strategy=strategy, kind=BreakerKind.LATENCY, value=Decimal(900)),
    )
    assert mail.subject == "[LT] WARNING · Venue latency breaker tripped: copy-whale"
    text = mail.part("text/plain")
    assert "observed: 900" in text and "threshold: 500" in text
    assert "New entries of copy-whale are refused" in text


def test_a_halt_is_one_mail(smtp_server: SmtpServer) -> None:
    strategy = StrategyFactory(slug="copy-whale")
    mail = _one_mail_within_a_minute(
        smtp_server, lambda: strategy_halt(strategy=strategy, actor="ana", message="odd fills")
    )
    assert mail.subject == "[LT] WARNING · copy-whale halted: Halted by an operator"
    assert "odd fills" in mail.part("text/plain")
    assert "until an operator resumes" in mail.part("text/html")


def test_an_overdue_redemption_is_one_mail(smtp_server: SmtpServer) -> None:
    market = MarketFactory(question="Will the Fed cut rates in December?")
    RedemptionFactory(
        market=market,
        condition_id=market.condition_id,
        state=RedemptionState.PENDING,
        resolved_at=timezone.now() - timedelta(minutes=61),
        expected_payout=Decimal("42.5"),
    )
    mail = _one_mail_within_a_minute(smtp_server, redemptions_alert_overdue)
    assert "Will the Fed cut rates in December?" in mail.subject
    assert "42.5" in mail.part("text/plain")


def test_a_persisting_reconcile_mismatch_is_one_mail(
    smtp_server: SmtpServer, live_venue: SandboxHandle
) -> None:
    token = live_venue.market("btc-above-150k-2026").yes.token_id
    market_for_token(venue=get_venue(), token_id=token)
    PositionFactory(
        token_id=token, mode=TradingMode.LIVE, size=Decimal(10), status=PositionStatus.OPEN
    )
    reconcile()
    assert smtp_server.messages() == []  # one pass is not a mismatch yet
    mail = _one_mail_within_a_minute(smtp_server, reconcile)
    assert mail.subject.startswith("[LT] CRITICAL · Reconciliation: 1 token balance(s) differ")
    text = mail.part("text/plain")
    assert "Will Bitcoin close 2026 above $150,000" in text and "Yes" in text
    assert token not in text


@pytest.fixture
def venue_down(settings: Settings) -> Iterator[None]:
    settings.CLOB_HOST = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    reset_venue()
    yield
    reset_venue()


def test_a_failing_health_check_is_one_mail(smtp_server: SmtpServer, venue_down: None) -> None:
    StrategyFactory(mode=TradingMode.PAPER)
    mail = _one_mail_within_a_minute(smtp_server, health_checks_run)
    assert mail.subject == "[LT] CRITICAL · Health: Venue (CLOB) failing"
    assert "CLOB unreachable" in mail.part("text/plain")


def test_twenty_alerts_with_one_key_are_one_mail_and_one_row(smtp_server: SmtpServer) -> None:
    from monitoring.alerts import alert_create

    for n in range(20):
        alert_create(
            reason_code="TEST", subject="venue slow", dedupe_key="venue-slow", context={"n": n}
        )
    (mail,) = smtp_server.wait_for(1)
    time.sleep(0.3)  # a second mail, if any, would have arrived by now
    row = Alert.objects.get(dedupe_key="venue-slow")
    assert (row.count, row.context) == (20, {"n": 19})
    assert mail.alert_ids == [row.pk]
    assert len(smtp_server.messages()) == 1


def test_a_five_minute_mail_outage_loses_no_alert(smtp_server: SmtpServer) -> None:
    from monitoring.alerts import alert_create

    smtp_server.stop()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        raised = [
            alert_create(
                reason_code="TEST", subject=f"problem {n}", severity=Alert.Severity.CRITICAL
            )
            for n in range(3)
        ]
    for second in range(30, 301, 30):  # the minute sweep, through five minutes of outage
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            alerts_deliver()
    assert not Alert.objects.filter(delivery=Alert.Delivery.SENT).exists()
    with time_machine.travel(start + timedelta(seconds=300), tick=False):
        health_checks_run()
        outage = HealthCheck.objects.get(name="alerts")
        assert outage.status == HealthStatus.FAILING  # the outage is visible in health
        assert "Connection refused" in outage.message
    smtp_server.start()
    with time_machine.travel(start + timedelta(seconds=300 + 120), tick=False):
        alerts_deliver()
    received = smtp_server.wait_for(1)
    delivered = {pk for message in received for pk in message.alert_ids}
    assert {a.pk for a in raised} <= delivered
    assert (
        Alert.objects.filter(pk__in=[a.pk for a in raised], delivery=Alert.Delivery.SENT).count()
        == 3
    )
