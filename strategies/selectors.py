"""Reads for strategies."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Strategy


def strategy_by_slug_or_error(slug: str) -> Strategy:
    """The strategy, or a CommandError with one readable line (for management commands)."""
    strategy = Strategy.objects.select_related("risk_rules").filter(slug=slug).first()
    if strategy is None:
        raise CommandError(f"no strategy {slug!r} (see `lt_status` for the list)")
    return strategy
