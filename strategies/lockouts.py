"""Repeated bad signatures under one signal key from one address: counted, locked out, alerted.

A key's secret is 256 bits of HMAC key: it cannot be guessed, so a run of bad signatures
means a sender with the wrong secret (a leaked key id, a misconfigured FT system, a replay
tool). At SIGNAL_KEY_FAILURE_LIMIT bad signatures within SIGNAL_KEY_FAILURE_WINDOW_MINUTES
the pair (key, address) is locked out for SIGNAL_KEY_LOCKOUT_MINUTES: its bad requests are
answered 429 with Retry-After and counted without more work, and a critical alert names the
strategy, key and address. A correctly signed request is still taken, from anywhere: only
the holder of the secret can sign one, and refusing it would let anybody who knows a key id
stop that strategy's trading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiCredential, SignatureLockout


@dataclass(frozen=True)
class FailureOutcome:
    locked_until: datetime | None  # set while the pair is locked out

    def retry_after(self, now: datetime) -> int:
        assert self.locked_until is not None
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def signature_failure_record(
    *, credential: ApiCredential, address: str, reason: str, now: datetime | None = None
) -> FailureOutcome:
    """Count one bad signature under `credential` from `address`; lock the pair out (with an
    alert) when it reaches the limit. Commits on its own: the request it answers fails."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.SIGNAL_KEY_FAILURE_WINDOW_MINUTES)
    with transaction.atomic():
        row, _ = SignatureLockout.objects.select_for_update().get_or_create(
            credential=credential,
            address=address[:64],
            defaults={"first_failure_at": now, "last_failure_at": now},
        )
        if row.locked_until is not None and row.locked_until > now:
            row.refused += 1
            row.save(update_fields=["refused"])
            return FailureOutcome(locked_until=row.locked_until)
        if row.failures and now - row.first_failure_at > window:
            row.failures, row.first_failure_at = 0, now  # a new window
        row.failures += 1
        row.last_failure_at, row.last_reason = now, reason[:200]
        if row.failures >= settings.SIGNAL_KEY_FAILURE_LIMIT:
            row.locked_until = now + timedelta(minutes=settings.SIGNAL_KEY_LOCKOUT_MINUTES)
            row.failures, row.first_failure_at = 0, now
            _alert(row, credential)
        row.save()
        locked = row.locked_until if row.locked_until and row.locked_until > now else None
        return FailureOutcome(locked_until=locked)


def _alert(row: SignatureLockout, credential: ApiCredential) -> None:
    from monitoring.alerts import alert_create
    from monitoring.models import Alert

    alert_create(
        reason_code="SIGNAL_KEY_LOCKED_OUT",
        severity=Alert.Severity.CRITICAL,
        strategy=credential.strategy,
        subject=f"Signal key {credential.key_id} locked out for {row.address}",
        message=(
            f"{settings.SIGNAL_KEY_FAILURE_LIMIT} bad signatures under key {credential.key_id} "
            f"({credential.strategy.slug}) from {row.address} within "
            f"{settings.SIGNAL_KEY_FAILURE_WINDOW_MINUTES} minutes; the last: {row.last_reason}."
            " Is an FT system sending with an old secret, or is the key id known to somebody "
            "else? Rotate the key if in doubt (lt_credentials)."
        ),
        action=(
            f"Bad requests from {row.address} under this key refused (429) until "
            f"{row.locked_until:%Y-%m-%d %H:%M} UTC; correctly signed ones still taken."
        ),
        context={"key_id": credential.key_id, "address": row.address},
        dedupe_key=f"signal-key-locked:{credential.key_id}:{row.address}",
    )
