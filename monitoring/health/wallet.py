"""The wallet against the ledger (for live trading), from the reconciliation's passes.

Reconciliation compares every live position with the wallet's shares each minute and stores
each pass (`lt_reconcile_runs`). A difference seen once may be a settlement in flight: a
warning. The same token off in two passes in a row is a real difference: failing. The wallet's
pUSD must also cover the live BUY orders LT has committed to.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from execution.models import TERMINAL_ORDER_STATUSES, Order, ReconcileRun
from ltproject.domain import Side, TradingMode
from ltproject.money import ZERO, quantize_pusd

from .base import LIVE, Check, CheckResult, Context, Findings, threshold


def committed_pusd() -> Decimal:
    """pUSD the live BUY orders not yet final may still spend."""
    total = (
        Order.objects.filter(mode=TradingMode.LIVE, side=Side.BUY)
        .exclude(status__in=TERMINAL_ORDER_STATUSES)
        .aggregate(total=Sum((F("size") - F("size_matched")) * F("price")))["total"]
    )
    return quantize_pusd(Decimal(str(total))) if total is not None else ZERO


def check_wallet(ctx: Context) -> CheckResult:
    if not ctx.any_live:
        return Findings().result("wallet", "not used: no live strategy", {"used": False})
    latest = ReconcileRun.objects.filter(finished_at__isnull=False).order_by("-pk").first()
    clean = ReconcileRun.objects.filter(agreed=True).order_by("-pk").first()
    found = Findings()
    details: dict[str, Any] = {"used": True, "committed_pusd": str(committed_pusd())}
    if latest is None:
        found.warn("never reconciled with the venue yet")
        return found.result("wallet", "", details)
    # Never clean: measured from the first pass, so a reconciliation that fails for ever (bad
    # credentials, say) turns failing while live entries wait on it.
    since = clean.finished_at if clean else _first_pass_at()
    age = (ctx.now - since).total_seconds() if since else None
    details |= {
        "last_pass_at": latest.finished_at.isoformat() if latest.finished_at else None,
        "last_clean_age_s": None if age is None else round(age),
        "mismatches": latest.mismatches,
        "persisting": latest.persisting,
        "collateral_pusd": None if latest.collateral is None else str(latest.collateral),
    }
    _judge_age(found, age, ever_clean=clean is not None)
    found.warn_if(bool(latest.error), f"last reconciliation failed: {latest.error[:200]}")
    found.fail_if(
        bool(latest.persisting),
        f"{len(latest.persisting)} token balance(s) differ from the ledger in two passes",
    )
    found.warn_if(
        bool(latest.mismatches) and not latest.persisting,
        f"{len(latest.mismatches)} token balance(s) differ in the last pass "
        "(a settlement in flight? the next pass decides)",
    )
    committed = Decimal(details["committed_pusd"])
    found.warn_if(
        latest.collateral is not None and latest.collateral < committed,
        f"wallet holds {latest.collateral} pUSD, open BUY orders need {committed}",
    )
    return found.result("wallet", "wallet and ledger agree", details)


def _first_pass_at() -> datetime | None:
    return ReconcileRun.objects.order_by("pk").values_list("started_at", flat=True).first()


def _judge_age(found: Findings, age: float | None, *, ever_clean: bool) -> None:
    if age is None:
        return  # no pass at all yet: said above
    failing = age > threshold("wallet_reconcile_failing_s")
    if not ever_clean:
        found.fail_if(failing, f"no clean reconciliation in {age / 60:.0f} min: entries wait")
        found.warn_if(not failing, "no clean reconciliation yet: live entries wait")
        return
    found.fail_if(failing, f"last clean reconciliation {age / 60:.0f} min ago: entries wait")
    found.warn_if(
        threshold("wallet_reconcile_failing_s") >= age > threshold("wallet_reconcile_age_s"),
        f"last clean reconciliation {age / 60:.1f} min ago: live entries wait for the next",
    )


WALLET = Check(
    "wallet",
    check_wallet,
    LIVE,
    "Wallet vs ledger",
    on_failing="New live entries are refused until a reconciliation pass finds the wallet "
    "and the ledger in agreement; exits and stops still run.",
)
