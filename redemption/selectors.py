"""Reads for resolution and redemption."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from execution.models import Market, Position, PositionStatus
from monitoring.models import Alert

from .models import Redemption, RedemptionRoute, RedemptionState

# The routes that send a transaction (directly from an EOA or as a relayed wallet call).
SENDING_ROUTES = (
    RedemptionRoute.COLLATERAL_ADAPTER,
    RedemptionRoute.NEG_RISK_ADAPTER,
    RedemptionRoute.CTF_LEGACY,
)
OPEN_STATES = (RedemptionState.PENDING, RedemptionState.SUBMITTED)


def markets_awaiting_resolution() -> QuerySet[Market]:
    """Unresolved markets in which some position is still open."""
    open_positions = Position.objects.filter(
        market=OuterRef("pk"), status=PositionStatus.OPEN, size__gt=0
    )
    return (
        Market.objects.filter(resolved_at__isnull=True)
        .filter(Exists(open_positions))
        .order_by("pk")
    )


def redemptions_overdue(*, resolved_before: datetime) -> QuerySet[Redemption]:
    """Redemptions still unpaid although resolved before the cut-off."""
    return (
        Redemption.objects.filter(state__in=OPEN_STATES, resolved_at__lt=resolved_before)
        .exclude(route=RedemptionRoute.NONE)
        .order_by("pk")
    )


def alert_exists(*, dedupe_key: str) -> bool:
    return Alert.objects.filter(dedupe_key=dedupe_key).exists()


def redemptions_due() -> QuerySet[Redemption]:
    """Open redemptions that send a transaction, oldest first (what a pass would look at)."""
    return Redemption.objects.filter(state__in=OPEN_STATES, route__in=SENDING_ROUTES).order_by("pk")
