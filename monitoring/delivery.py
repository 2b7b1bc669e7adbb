"""Alert mail: claim what is due, send it as one message, record how it went.

Routing by severity: a critical alert is due at once; a warning waits out a short batching
window (ALERT_BATCH_SECONDS) so that a burst goes in one message; info goes only in the
digest (`alerts_digest`). When a message goes out it also takes every warning still inside
its window, and each message names its worst severity and how many alerts it carries.

Delivery is started by a queued task once an alert commits (`deliver_soon`) and by a sweep
every minute, so a lost task or a mail outage delays a mail but never loses it: a failed
send is retried with backoff (ALERT_RETRY_SECONDS doubling up to ALERT_RETRY_MAX_SECONDS).
Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` and a lease, so two senders never
mail the same alert; a sender that dies mid-send leaves a lease that expires.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from .leases import lease_release, lease_take
from .mail import render_alert_mail, render_digest_mail
from .models import Alert

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=2)  # a send that takes longer is presumed dead
MAX_PER_MESSAGE = 50
BATCH_LEASE = "alert-batch"
WAIT_BUDGET_S = 40.0  # under the q-cluster's task timeout (60 s)
DIGEST_MAX = 500


def _outage(error: Exception) -> bool:
    """No mail server to talk to (refused, reset, timed out, gone): every message would fail
    alike. Anything else (an answer about this message, a message that cannot be made) may
    be one alert's doing."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(error, smtplib.SMTPException):  # an OSError too, but the server answered
        return False
    return isinstance(error, OSError)


def deliver_soon() -> None:
    """Queue a delivery run (called once an alert's transaction commits)."""
    async_task("monitoring.tasks.deliver_alerts", task_name="deliver_alerts")


def alerts_deliver(*, wait: bool = False) -> int:
    """Send every alert that is due; returns how many messages went out.

    With `wait`, stay to send the warnings of a batch still inside its window (one waiting
    sender at a time, under a lease; the others leave their alerts to it).
    """
    messages = _send_due()
    deadline = time.monotonic() + WAIT_BUDGET_S
    while wait:
        pause = _batch_wait()
        if pause is None or time.monotonic() + pause > deadline:
            break
        token = lease_take(BATCH_LEASE, seconds=pause + SEND_LEASE.total_seconds())
        if token is None:
            break  # another sender is waiting out this batch; it sends these too
        try:
            time.sleep(pause)
            messages += _send_due()
        finally:
            lease_release(BATCH_LEASE, token)
    return messages


def _batch_wait() -> float | None:
    """Seconds until the next pending mail inside its batching window is due, if any."""
    now = timezone.now()
    horizon = now + timedelta(seconds=settings.ALERT_BATCH_SECONDS)
    soonest = (
        Alert.objects.filter(delivery=Alert.Delivery.PENDING, next_attempt_at__lte=horizon)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if soonest is None or not settings.ALERT_EMAILS:
        return None
    return max(0.0, (soonest - now).total_seconds())


def _send_due() -> int:
    """Send due alerts, a message at a time, until none is due or a send fails."""
    messages = 0
    while settings.ALERT_EMAILS:
        claimed = _claim(timezone.now())
        if claimed is None:
            break
        if not _send(claimed):
            break
        messages += 1
    return messages


def _due(now: datetime) -> Q:
    waiting = Q(
        delivery__in=(Alert.Delivery.PENDING, Alert.Delivery.FAILED), next_attempt_at__lte=now
    )
    abandoned = Q(delivery=Alert.Delivery.SENDING, lease_until__lt=now)
    return waiting | abandoned


@dataclass(frozen=True)
class Claimed:
    """Alerts one sender holds for one message; `token` proves it still holds them."""

    token: str
    alerts: list[Alert]

    @property
    def ids(self) -> list[int]:
        return [a.pk for a in self.alerts]

    def held(self) -> QuerySet[Alert]:
        return Alert.objects.filter(
            pk__in=self.ids, delivery=Alert.Delivery.SENDING, claim=self.token
        )


@transaction.atomic
def _claim(now: datetime) -> Claimed | None:
    """Take the due alerts (and the warnings still batching) for one message."""
    locked = Alert.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "strategy", "market"
    )
    due = list(locked.filter(_due(now)).order_by("next_attempt_at", "pk")[:MAX_PER_MESSAGE])
    if not due:
        return None
    room = MAX_PER_MESSAGE - len(due)
    batching = now + timedelta(seconds=settings.ALERT_BATCH_SECONDS)
    joining = (
        list(
            locked.filter(delivery=Alert.Delivery.PENDING, next_attempt_at__lte=batching)
            .exclude(pk__in=[a.pk for a in due])
            .order_by("next_attempt_at", "pk")[:room]
        )
        if room > 0
        else []
    )
    return _hold(due + joining, now)


def _hold(alerts: list[Alert], now: datetime) -> Claimed:
    claimed = Claimed(uuid.uuid4().hex, alerts)
    Alert.objects.filter(pk__in=claimed.ids).update(
        delivery=Alert.Delivery.SENDING, lease_until=now + SEND_LEASE, claim=claimed.token
    )
    return claimed


def _send(claimed: Claimed) -> bool:
    """One message for the claimed alerts; the rows record the outcome either way.

    A message that cannot be made or that the server refuses for itself (not an outage) is
    tried again one alert per message, so one bad alert cannot hold the others back.
    """
    try:
        subject, text, html = render_alert_mail(claimed.alerts)
        message_id = _mail(subject, text, html, claimed.ids)
    except Exception as error:  # noqa: BLE001 - any failure is recorded on the rows, retried
        if len(claimed.alerts) > 1 and not _outage(error):
            return any([_send(_hold([alert], timezone.now())) for alert in claimed.alerts])
        _failed(claimed, error)
        return False
    _sent(claimed, message_id=message_id)
    return True


def _sent(claimed: Claimed, *, message_id: str) -> None:
    claimed.held().update(
        message_id=message_id,
        delivery=Alert.Delivery.SENT,
        sent_at=timezone.now(),
        sent_count=F("count"),
        attempts=F("attempts") + 1,
        last_error="",
        lease_until=None,
        claim="",
    )


def _failed(claimed: Claimed, error: Exception) -> None:
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    for alert in claimed.alerts:  # each row's own backoff, from its own attempt count
        attempts = alert.attempts + 1
        claimed.held().filter(pk=alert.pk).update(
            delivery=Alert.Delivery.FAILED,
            attempts=attempts,
            last_error=text,
            lease_until=None,
            claim="",
            next_attempt_at=now + retry_after(attempts),
        )
    log.warning("alert mail failed (%d alerts): %s", len(claimed.alerts), text)


def retry_after(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: doubling from the base, capped."""
    base, cap = settings.ALERT_RETRY_SECONDS, settings.ALERT_RETRY_MAX_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _mail(subject: str, text: str, html: str, ids: list[int]) -> str:
    """Send one message to ALERT_EMAILS; its Message-ID (raises what the backend raises)."""
    message_id = make_msgid(domain="lt.local")
    headers = {"Message-ID": message_id, "X-LT-Alerts": ",".join(str(i) for i in ids)}
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(settings.ALERT_EMAILS),
        headers=headers,
        connection=get_connection(fail_silently=False),
    )
    message.attach_alternative(html, "text/html")
    message.send()
    return message_id


# --- the digest -------------------------------------------------------------------------------


def alerts_digest() -> int:
    """Mail the info alerts not told yet in one digest; returns how many it carried."""
    if not settings.ALERT_EMAILS:
        return 0
    now = timezone.now()
    with transaction.atomic():
        alerts = list(
            Alert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("strategy", "market")
            .filter(
                severity=Alert.Severity.INFO,
                delivery__in=(Alert.Delivery.PENDING, Alert.Delivery.FAILED),
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "pk")[:DIGEST_MAX]
        )
        if not alerts:
            return 0
        claimed = _hold(alerts, now)
    try:
        subject, text, html = render_digest_mail(alerts, open_count=_open_count())
        message_id = _mail(subject, text, html, claimed.ids)
    except Exception as error:  # noqa: BLE001 - tried again at the next digest run
        # `next_attempt_at` stays empty: a digest alert goes only with a digest.
        claimed.held().update(
            delivery=Alert.Delivery.FAILED,
            attempts=F("attempts") + 1,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            lease_until=None,
            claim="",
        )
        return 0
    _sent(claimed, message_id=message_id)
    return len(alerts)


def _open_count() -> int:
    return (
        Alert.objects.exclude(state=Alert.State.RESOLVED)
        .exclude(severity=Alert.Severity.INFO)
        .count()
    )


def alert_retry_now(*, alert: Alert) -> bool:
    """Operator action: try a failed mail again at the next delivery run."""
    rows = Alert.objects.filter(pk=alert.pk, delivery=Alert.Delivery.FAILED).update(
        delivery=Alert.Delivery.PENDING,
        next_attempt_at=None if alert.severity == Alert.Severity.INFO else timezone.now(),
    )
    if rows:
        transaction.on_commit(deliver_soon, robust=True)
    return rows == 1
