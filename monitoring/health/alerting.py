"""Alert mail itself: is it reaching anybody? A mail outage must be visible somewhere other
than the mail (the dashboard, `lt_status`, the admin), and its alert goes out once mail
works again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from monitoring.models import Alert

from .base import Check, CheckResult, Context, Findings, threshold


def check_alerts(ctx: Context) -> CheckResult:
    mailed = Alert.objects.exclude(severity=Alert.Severity.INFO)
    overdue = mailed.filter(
        delivery__in=(Alert.Delivery.PENDING, Alert.Delivery.SENDING, Alert.Delivery.FAILED),
        next_attempt_at__isnull=False,
    ).filter(
        next_attempt_at__lt=ctx.now - timedelta(minutes=threshold("alerts_undelivered_minutes"))
    )
    failed = mailed.filter(delivery=Alert.Delivery.FAILED)
    last_error = failed.order_by("-pk").values_list("last_error", flat=True).first() or ""
    undelivered = overdue.count() + failed.exclude(pk__in=overdue).count()
    details = {
        "recipients": len(settings.ALERT_EMAILS),
        "undelivered": undelivered,
        "failed": failed.count(),
        "last_error": last_error[:300],
    }
    found = Findings()
    found.warn_if(not settings.ALERT_EMAILS, "ALERT_EMAILS is empty: alerts reach nobody")
    found.fail_if(
        bool(settings.ALERT_EMAILS) and undelivered > 0,
        f"{undelivered} alert mail(s) undelivered"
        + (f"; last error: {last_error[:200]}" if last_error else ""),
    )
    return found.result("alerts", "alert mail is delivered", details)


# Concerns no strategy: trading goes on while mail is down; the outage is shown on its own.
ALERTS = Check("alerts", check_alerts, frozenset(), "Alert mail")
