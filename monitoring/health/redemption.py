"""Redemption (for live trading): winners paid within the hour, a success rate, no stuck
transaction.

The success rate over 7 days is the plan's > 95 % target as a figure: redemptions that ended
paid (or found already redeemed) against those that ended failed.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from redemption.models import (
    ChainTransaction,
    Redemption,
    RedemptionRoute,
    RedemptionState,
    RelayedTransaction,
    RelayState,
    TransactionStatus,
)
from redemption.selectors import redemptions_overdue

from .base import LIVE, Check, CheckResult, Context, Findings, threshold

RELAY_PENDING = (RelayState.SIGNED, RelayState.NEW, RelayState.EXECUTED, RelayState.MINED)


def success_rate(*, since: Any) -> tuple[Decimal | None, int, int]:
    """(rate, succeeded, failed) of the sending redemptions that ended since `since`."""
    ended = Redemption.objects.exclude(route=RedemptionRoute.NONE).filter(updated_at__gte=since)
    succeeded = ended.filter(
        state__in=(RedemptionState.CONFIRMED, RedemptionState.NOT_NEEDED)
    ).count()
    failed = ended.filter(state=RedemptionState.FAILED).count()
    if succeeded + failed == 0:
        return None, 0, 0
    rate = (Decimal(succeeded) / (succeeded + failed)).quantize(Decimal("0.0001"))
    return rate, succeeded, failed


def check_redemption(ctx: Context) -> CheckResult:
    if not ctx.any_live:
        return Findings().result("redemption", "not used: no live strategy", {"used": False})
    now = ctx.now
    overdue = list(
        redemptions_overdue(
            resolved_before=now - timedelta(minutes=threshold("redemption_overdue_minutes"))
        ).values_list("pk", flat=True)
    )
    rate, succeeded, failed = success_rate(since=now - timedelta(days=7))
    stuck_before = now - timedelta(minutes=threshold("redemption_stuck_minutes"))
    stuck_chain = ChainTransaction.objects.filter(
        status=TransactionStatus.BROADCAST, replaced_by__isnull=True, broadcast_at__lt=stuck_before
    ).count()
    stuck_relayed = RelayedTransaction.objects.filter(
        state__in=RELAY_PENDING, created_at__lt=stuck_before
    ).count()
    details: dict[str, Any] = {
        "used": True,
        "overdue": len(overdue),
        "success_rate_7d": None if rate is None else str(rate),
        "succeeded_7d": succeeded,
        "failed_7d": failed,
        "stuck_transactions": stuck_chain + stuck_relayed,
    }
    found = Findings()
    found.warn_if(
        bool(overdue),
        f"{len(overdue)} winning position(s) unredeemed "
        f"{threshold('redemption_overdue_minutes')} min after resolution",
    )
    minimum = Decimal(str(threshold("redemption_success_rate")))
    found.warn_if(
        rate is not None and rate < minimum,
        f"redemption success rate {rate:.1%} over 7 days, under {minimum:.0%}"
        if rate is not None
        else "",
    )
    found.warn_if(
        bool(details["stuck_transactions"]),
        f"{details['stuck_transactions']} transaction(s) pending over "
        f"{threshold('redemption_stuck_minutes')} min",
    )
    # One wallet redeems for every live strategy: its state is theirs.
    return found.result("redemption", "winners are being paid", details)


REDEMPTION = Check("redemption", check_redemption, LIVE, "Redemption")
