"""Raising alerts: dedupe, repeats, re-notification, routing by severity, lifecycle.

Mail goes to Django's locmem outbox here; tests/monitoring/test_alert_smtp.py checks what a
real SMTP server receives.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from monitoring.alerts import alert_acknowledge, alert_close, alert_create, alert_resolve
from monitoring.delivery import alerts_deliver, alerts_digest
from monitoring.models import Alert
from tests.factories import MarketTokenFactory, StrategyFactory

pytestmark = pytest.mark.django_db

CRITICAL, WARNING, INFO = Alert.Severity.CRITICAL, Alert.Severity.WARNING, Alert.Severity.INFO


def _raise(severity: str = CRITICAL, key: str = "", subject: str = "", **extra: object) -> Alert:
    return alert_create(
        reason_code="TEST",
        subject=subject or f"{severity} thing",
        severity=severity,
        dedupe_key=key,
        **extra,  # type: ignore[arg-type]
    )


def test_a_critical_alert_is_mailed_once_its_transaction_commits(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alert = _raise()
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert (alert.delivery, alert.attempts, alert.last_error) == (Alert.Delivery.SENT, 1, "")
    assert alert.sent_at is not None and alert.message_id
    assert mail.outbox[0].subject.startswith("[LT] CRITICAL")
    assert mail.outbox[0].to == ["ops@example.com"]
    assert mail.outbox[0].extra_headers["X-LT-Alerts"] == str(alert.pk)


def test_twenty_repeats_of_one_key_are_one_row_and_one_mail(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    for _ in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            _raise(key="venue-down")
    alert = Alert.objects.get()
    assert (alert.count, alert.delivery) == (20, Alert.Delivery.SENT)
    assert len(mail.outbox) == 1


def test_a_repeat_is_mailed_again_after_exactly_the_quiet_period(
    settings: Settings,
) -> None:
    settings.ALERT_RENOTIFY_MINUTES = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _raise(key="k")
        assert alerts_deliver() == 1
    with time_machine.travel(start + timedelta(minutes=60) - timedelta(seconds=1), tick=False):
        alert = _raise(key="k")
        assert alert.delivery == Alert.Delivery.SENT  # inside the quiet period: counted only
        assert alerts_deliver() == 0
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        alert = _raise(key="k")
        assert alert.delivery == Alert.Delivery.PENDING
        assert alerts_deliver() == 1
    assert len(mail.outbox) == 2
    assert "(×3)" in mail.outbox[1].subject
    assert "1 since the last mail" not in mail.outbox[1].body  # 2 new since the first mail
    assert "2 since the last mail" in mail.outbox[1].body


def test_an_escalation_is_mailed_at_once_even_inside_the_quiet_period() -> None:
    _raise(WARNING, key="k")
    assert alerts_deliver() == 1
    alert = _raise(CRITICAL, key="k")
    assert (alert.severity, alert.delivery) == (CRITICAL, Alert.Delivery.PENDING)
    assert alerts_deliver() == 1
    assert mail.outbox[1].subject.startswith("[LT] CRITICAL")


def test_an_acknowledged_alert_is_counted_but_not_mailed_again(settings: Settings) -> None:
    settings.ALERT_RENOTIFY_MINUTES = 1
    alert = _raise(key="k")
    alerts_deliver()
    assert alert_acknowledge(alert=alert, actor="ana")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        repeated = _raise(key="k")
        assert alerts_deliver() == 0
    repeated.refresh_from_db()
    assert (repeated.count, repeated.state, repeated.acknowledged_by) == (
        2,
        Alert.State.ACKNOWLEDGED,
        "ana",
    )
    assert repeated.acknowledged_at is not None
    assert len(mail.outbox) == 1


def test_warnings_wait_exactly_the_batching_window_then_go_together(
    settings: Settings,
) -> None:
    settings.ALERT_BATCH_SECONDS = 10
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = _raise(WARNING)
    with time_machine.travel(start + timedelta(seconds=4), tick=False):
        _raise(WARNING)
    with time_machine.travel(start + timedelta(seconds=9.999), tick=False):
        assert alerts_deliver() == 0  # the first is not due yet
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        assert alerts_deliver() == 1  # due: and the second, still batching, goes with it
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[LT] WARNING · 2 alerts")
    first.refresh_from_db()
    assert first.delivery == Alert.Delivery.SENT


def test_a_critical_takes_the_waiting_warnings_and_names_the_worst_severity(
    settings: Settings,
) -> None:
    settings.ALERT_BATCH_SECONDS = 10
    for _ in range(3):
        _raise(WARNING)
    _raise(CRITICAL)
    assert alerts_deliver() == 1
    (message,) = mail.outbox
    assert message.subject.startswith("[LT] CRITICAL · 4 alerts: critical thing and 3 more")
    assert not Alert.objects.exclude(delivery=Alert.Delivery.SENT).exists()


def test_info_alerts_go_only_in_the_digest() -> None:
    _raise(INFO)
    _raise(INFO)
    assert alerts_deliver() == 0
    assert alerts_digest() == 2
    (digest,) = mail.outbox
    assert digest.subject == "[LT] digest · 2 events"
    assert alerts_digest() == 0


def test_without_recipients_alerts_wait_pending(settings: Settings) -> None:
    settings.ALERT_EMAILS = []
    alert = _raise()
    assert alerts_deliver() == 0
    alert.refresh_from_db()
    assert alert.delivery == Alert.Delivery.PENDING
    settings.ALERT_EMAILS = ["ops@example.com"]
    assert alerts_deliver() == 1


def test_a_failed_send_backs_off_doubling_to_the_cap(settings: Settings) -> None:
    settings.EMAIL_BACKEND = "tests.monitoring.failing_mail.FailingBackend"
    settings.ALERT_RETRY_SECONDS, settings.ALERT_RETRY_MAX_SECONDS = 10, 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        alert = _raise()
    waits = []
    for step in range(4):
        with time_machine.travel(start + timedelta(minutes=step), tick=False):
            assert alerts_deliver() == 0
            alert.refresh_from_db()
            assert alert.next_attempt_at is not None
            waits.append((alert.next_attempt_at - timezone.now()).total_seconds())
    assert waits == [10, 20, 30, 30]
    assert (alert.delivery, alert.attempts) == (Alert.Delivery.FAILED, 4)
    assert "refused" in alert.last_error


def test_a_resolution_is_told_to_whoever_was_told_of_the_alert() -> None:
    _raise(key="breaker:x:spread")
    alerts_deliver()
    assert alert_resolve(dedupe_key="breaker:x:spread", note="back under threshold")
    alert = Alert.objects.get()
    assert (alert.state, alert.resolved_by, alert.resolution) == (
        Alert.State.RESOLVED,
        "LT",
        "back under threshold",
    )
    assert alerts_deliver() == 1
    assert mail.outbox[1].subject.startswith("[LT] RESOLVED")
    assert "back under threshold" in mail.outbox[1].body
    # The condition again: a new alert, a new mail.
    again = _raise(key="breaker:x:spread")
    assert again.pk != alert.pk and again.count == 1


def test_closing_by_hand_records_who(django_capture_on_commit_callbacks) -> None:
    alert = _raise(WARNING)
    assert alert_close(alert=alert, actor="ana", note="known issue")
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_by, alert.resolution) == (
        Alert.State.RESOLVED,
        "ana",
        "known issue",
    )
    assert not alert_close(alert=alert, actor="ana")  # once


def test_the_mail_names_the_market_and_strategy_not_the_token_id() -> None:
    token = MarketTokenFactory(market__question="Will BTC close above $150k in 2026?", outcome="No")
    strategy = StrategyFactory(slug="copy-whale")
    alert_create(
        reason_code="TEST",
        subject="Spread breaker tripped: copy-whale",
        severity=CRITICAL,
        strategy=strategy,
        context={"observed": "0.12", "threshold": "0.05", "tokens": {token.token_id: "off"}},
        action="New entries of copy-whale are refused while it is open.",
        token_id=token.token_id,
    )
    alerts_deliver()
    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    for text in (str(message.body), html):
        assert "Will BTC close above $150k in 2026?" in text
        assert "No" in text
        assert "copy-whale" in text
        assert "New entries of copy-whale are refused" in text
        assert "0.12" in text and "0.05" in text
        assert token.token_id not in text
        assert "/admin/monitoring/alert/" in text


def test_figures_keep_decimals_exact() -> None:
    from decimal import Decimal

    alert = _raise(context={"notional (pUSD)": Decimal("10.000001")})
    assert alert.context == {"notional (pUSD)": "10.000001"}


@pytest.mark.parametrize(("late_s", "alerted"), [(600, False), (601, True)])
def test_the_watchdog_mails_when_the_schedules_stop_running(late_s: int, alerted: bool) -> None:
    from django_q.models import Schedule

    from monitoring.watchdog import jobs_watch

    now = timezone.now()
    Schedule.objects.create(
        name="x",
        func="math.floor",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
        next_run=now - timedelta(seconds=late_s),
    )
    assert jobs_watch(now=now) is alerted
    assert len(mail.outbox) == int(alerted)  # sent directly: the queue is what stopped
    if alerted:
        Schedule.objects.update(next_run=now)
        assert jobs_watch(now=now) is False
        assert Alert.objects.get().state == Alert.State.RESOLVED


def test_one_alert_the_server_refuses_does_not_hold_the_others_back(settings: Settings) -> None:
    settings.EMAIL_BACKEND = "tests.monitoring.failing_mail.PickyBackend"
    good = [_raise(message="fine") for _ in range(2)]
    bad = _raise(message="poison")
    assert alerts_deliver() == 1  # the batch failed, then each went alone: two of three
    for alert in good:
        alert.refresh_from_db()
        assert alert.delivery == Alert.Delivery.SENT
    bad.refresh_from_db()
    assert (bad.delivery, bad.attempts) == (Alert.Delivery.FAILED, 1)
    assert "SMTPDataError" in bad.last_error
    assert len(mail.outbox) == 2


def test_a_line_break_in_a_subject_cannot_break_the_mail() -> None:
    _raise(subject="Will it rain\ntomorrow?")
    alerts_deliver()
    assert mail.outbox[0].subject == "[LT] CRITICAL · Will it rain tomorrow?"


def test_a_sender_that_lost_its_claim_does_not_overwrite_the_newer_state() -> None:
    from monitoring.delivery import _claim, _failed

    alert = _raise()
    claimed = _claim(timezone.now())
    assert claimed is not None
    alert_close(alert=alert, actor="ana")  # told while its mail was in flight: goes again
    second = _claim(timezone.now() + timedelta(seconds=1))
    assert second is not None and second.token != claimed.token
    _failed(claimed, ConnectionRefusedError("late answer of the first sender"))
    alert.refresh_from_db()
    assert (alert.delivery, alert.claim) == (Alert.Delivery.SENDING, second.token)
