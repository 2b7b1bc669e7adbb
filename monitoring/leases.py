"""Named leases in the database: one holder at a time, across processes and hosts.

Taken with a conditional UPDATE (free, or expired), released by its holder; a holder that
dies simply lets its lease run out.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import Lease


def lease_take(name: str, *, seconds: float) -> str | None:
    """Take the lease for `seconds`; its token, or None when someone else holds it."""
    Lease.objects.get_or_create(name=name)
    now = timezone.now()
    token = uuid.uuid4().hex
    taken = Lease.objects.filter(Q(until__isnull=True) | Q(until__lt=now), name=name).update(
        holder=token, until=now + timedelta(seconds=seconds)
    )
    return token if taken else None


def lease_renew(name: str, token: str, *, seconds: float) -> bool:
    """Extend a lease its holder still holds; False when it ran out and someone took it."""
    until = timezone.now() + timedelta(seconds=seconds)
    return bool(Lease.objects.filter(name=name, holder=token).update(until=until))


def lease_release(name: str, token: str) -> None:
    Lease.objects.filter(name=name, holder=token).update(until=None, holder="")
