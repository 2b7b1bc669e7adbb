"""Writes for strategies and their credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from risk.models import RiskRules, RiskState

from .credentials import derive_secret
from .models import ApiCredential, Strategy


@transaction.atomic
def strategy_create(*, slug: str, mode: str, name: str = "") -> Strategy:
    """A new strategy with its own default risk rules and an ACTIVE risk state."""
    if Strategy.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A strategy {slug!r} already exists."})
    rules = RiskRules.objects.create()
    strategy = Strategy(slug=slug, name=name or slug, mode=mode, risk_rules=rules)
    strategy.full_clean()  # mode choices, slug format, live-mode availability
    strategy.save()
    RiskState.objects.create(strategy=strategy)
    return strategy


@dataclass(frozen=True)
class IssuedCredential:
    key_id: str
    secret: str


@transaction.atomic
def credential_issue(*, strategy: Strategy) -> IssuedCredential:
    """A new signing key for one strategy. The secret is returned here and nowhere else."""
    key_id = f"ltk_{secrets.token_hex(12)}"
    salt = secrets.token_hex(16)
    ApiCredential.objects.create(strategy=strategy, key_id=key_id, salt=salt)
    return IssuedCredential(key_id=key_id, secret=derive_secret(key_id=key_id, salt=salt))


def credential_revoke(*, credential: ApiCredential) -> None:
    ApiCredential.objects.filter(pk=credential.pk, is_active=True).update(
        is_active=False, revoked_at=timezone.now()
    )
