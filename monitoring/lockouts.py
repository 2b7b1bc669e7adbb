"""An operator login locked out after repeated wrong passwords raises an alert.

django-axes counts the failures (by user and address), refuses the next attempts and keeps
its audit rows (every failure in AccessFailureLog, the counts in AccessAttempt, visible in
the admin); this turns its lockout into an alert a person reads.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver

from .alerts import alert_create
from .models import Alert


@receiver(user_locked_out, dispatch_uid="lt-login-locked-out")
def login_locked_out(sender: Any, request: Any, username: str, ip_address: str, **_: Any) -> None:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    alert_create(
        reason_code="LOGIN_LOCKED_OUT",
        severity=Alert.Severity.CRITICAL,
        subject=f"Login locked out: {username or '(no user name)'} from {ip_address}",
        message=(
            f"{settings.AXES_FAILURE_LIMIT} wrong passwords in a row for {username!r} from "
            f"{ip_address}: further attempts from there are refused for {minutes} minutes."
        ),
        action="Attempts refused; the admin's Access attempts page lists them (and unlocks).",
        context={"username": username, "address": ip_address},
        dedupe_key=f"login-locked:{username}:{ip_address}",
    )
