"""Raising alerts, counting repeats, and their lifecycle (open → acknowledged → resolved).

An alert is written in the caller's transaction, beside the change it reports; its mail is
started once that transaction commits (monitoring.delivery). A `dedupe_key` names the
condition behind an alert ("breaker:copy-whale:spread"): while an alert with that key is not
resolved, raising it again counts on that row instead of writing a new one and mailing again,
until the quiet period has passed since the last mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from execution.models import Market, MarketToken
from ltproject.jsontext import jsonable
from strategies.models import Strategy

from .models import Alert

SEVERITY_RANK: dict[str, int] = {
    Alert.Severity.INFO: 0,
    Alert.Severity.WARNING: 1,
    Alert.Severity.CRITICAL: 2,
}
UNRESOLVED = (Alert.State.OPEN, Alert.State.ACKNOWLEDGED)
SYSTEM = "LT"  # who resolves an alert whose condition cleared by itself


def first_attempt_at(severity: str, now: datetime) -> datetime | None:
    """When an alert's mail may first go: critical at once, warnings after the batching
    window (so a burst goes in one message), info with the digest only (None)."""
    if severity == Alert.Severity.CRITICAL:
        return now
    if severity == Alert.Severity.WARNING:
        return now + timedelta(seconds=settings.ALERT_BATCH_SECONDS)
    return None


@dataclass(frozen=True)
class MarketRef:
    market: Market | None
    outcome: str


def market_ref(*, token_id: str = "", condition_id: str = "") -> MarketRef:
    """The market (and outcome) a token or condition id belongs to, as LT knows it."""
    if token_id:
        token = MarketToken.objects.select_related("market").filter(token_id=token_id).first()
        if token is not None:
            return MarketRef(token.market, token.outcome)
    if condition_id:
        return MarketRef(Market.objects.filter(condition_id=condition_id).first(), "")
    return MarketRef(None, "")


def alert_create(
    *,
    reason_code: str,
    subject: str,
    message: str = "",
    severity: str = Alert.Severity.WARNING,
    strategy: Strategy | None = None,
    context: dict[str, Any] | None = None,
    dedupe_key: str = "",
    action: str = "",
    token_id: str = "",
    condition_id: str = "",
) -> Alert:
    """Raise an alert in the caller's transaction (or count a repeat of an unresolved one).

    `action` says what LT did about it; `token_id` / `condition_id` name the market, which
    the mail shows by its question and outcome.
    """
    now = timezone.now()
    fields: dict[str, Any] = {
        "reason_code": reason_code,
        "subject": subject[:200],
        "message": message,
        "severity": severity,
        "strategy": strategy,
        "context": jsonable(context or {}),
        "action": action,
    }
    if token_id or condition_id:
        ref = market_ref(token_id=token_id, condition_id=condition_id)
        fields |= {"market": ref.market, "outcome": ref.outcome}
    if not dedupe_key:
        alert = Alert.objects.create(
            **fields,
            created_at=now,
            last_seen_at=now,
            next_attempt_at=first_attempt_at(severity, now),
        )
    else:
        alert = _raise_deduplicated(dedupe_key, fields, now)
    _deliver_after_commit(alert)
    return alert


@transaction.atomic
def _raise_deduplicated(key: str, fields: dict[str, Any], now: datetime) -> Alert:
    existing = _unresolved_locked(key)
    if existing is not None:
        return _repeat(existing, fields, now)
    try:
        with transaction.atomic():  # a savepoint: a concurrent raiser may take the key first
            return Alert.objects.create(
                **fields,
                dedupe_key=key,
                created_at=now,
                last_seen_at=now,
                next_attempt_at=first_attempt_at(fields["severity"], now),
            )
    except IntegrityError:
        existing = _unresolved_locked(key)
        if existing is None:
            raise
        return _repeat(existing, fields, now)


def _unresolved_locked(key: str) -> Alert | None:
    return Alert.objects.select_for_update().filter(dedupe_key=key, state__in=UNRESOLVED).first()


def _repeat(alert: Alert, fields: dict[str, Any], now: datetime) -> Alert:
    """Count the repeat; tell again only on an escalation or after the quiet period."""
    severity = fields["severity"]
    escalated = SEVERITY_RANK[severity] > SEVERITY_RANK[alert.severity]
    quiet = timedelta(minutes=settings.ALERT_RENOTIFY_MINUTES)
    renotify = escalated or (
        alert.state == Alert.State.OPEN
        and alert.delivery == Alert.Delivery.SENT
        and alert.sent_at is not None
        and now - alert.sent_at >= quiet
    )
    alert.count += 1
    alert.last_seen_at = now
    # The latest figures and words describe the condition as it is now.
    alert.message, alert.context = fields["message"], fields["context"]
    alert.action = fields["action"] or alert.action
    alert.subject = fields["subject"]
    if escalated:
        alert.severity = severity
    changed = ["count", "last_seen_at", "message", "context", "action", "severity", "subject"]
    if renotify and alert.delivery != Alert.Delivery.PENDING:
        # A mail in flight (sending) then stays pending and goes again after it.
        alert.delivery = Alert.Delivery.PENDING
        alert.next_attempt_at = first_attempt_at(alert.severity, now)
        changed += ["delivery", "next_attempt_at"]
    elif alert.delivery == Alert.Delivery.PENDING and (escalated or alert.next_attempt_at is None):
        # An escalation goes sooner; a pending alert with no time yet gets one (it was info).
        alert.next_attempt_at = first_attempt_at(alert.severity, now)
        changed.append("next_attempt_at")
    Alert.objects.filter(pk=alert.pk).update(
        **{name: getattr(alert, name) for name in changed if name != "count"},
        count=F("count") + 1,
    )
    return alert


def _deliver_after_commit(alert: Alert) -> None:
    """Start the mail once the alert is committed (the minute sweep is the safety net)."""
    if alert.next_attempt_at is None or alert.delivery != Alert.Delivery.PENDING:
        return
    from .delivery import deliver_soon  # delivery renders alerts: it imports this module

    transaction.on_commit(deliver_soon, robust=True)


# --- lifecycle -------------------------------------------------------------------------------


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: str) -> bool:
    """A person has seen it: recorded with who and when; repeats no longer mail them."""
    rows = Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(
        state=Alert.State.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    return rows == 1


@transaction.atomic
def alert_close(*, alert: Alert, actor: str, note: str = "") -> bool:
    """Resolve one alert by hand (admin, API)."""
    return _resolve(Alert.objects.filter(pk=alert.pk), actor=actor, note=note or f"by {actor}")


@transaction.atomic
def alert_resolve(*, dedupe_key: str, note: str) -> bool:
    """The condition behind `dedupe_key` cleared by itself: resolve its alert and say so.

    A person who was mailed about it hears that it ended (the resolution goes out like a
    warning); an alert nobody was told about yet goes out once, already resolved.
    """
    return _resolve(Alert.objects.filter(dedupe_key=dedupe_key), actor=SYSTEM, note=note)


def _resolve(alerts: Any, *, actor: str, note: str) -> bool:
    now = timezone.now()
    found = list(alerts.select_for_update().filter(state__in=UNRESOLVED))
    for alert in found:
        # A mail in flight right now still shows it open: the resolution goes after it.
        told = alert.delivery in (Alert.Delivery.SENT, Alert.Delivery.SENDING) and (
            alert.severity != Alert.Severity.INFO
        )
        update: dict[str, Any] = {
            "state": Alert.State.RESOLVED,
            "resolved_at": now,
            "resolved_by": actor,
            "resolution": note[:2000],
        }
        if told:
            update |= {
                "delivery": Alert.Delivery.PENDING,
                "next_attempt_at": first_attempt_at(Alert.Severity.WARNING, now),
            }
        Alert.objects.filter(pk=alert.pk).update(**update)
        if told:
            from .delivery import deliver_soon

            transaction.on_commit(deliver_soon, robust=True)
    return bool(found)
