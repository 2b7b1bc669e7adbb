"""Reconciliation: make LT's orders, fills and positions agree with the venue.

Runs at start-up (new live entries wait for it: see `risk` NOT_RECONCILED), on a schedule and
on demand (`lt_reconcile`). Steps, each idempotent:

1. fills: the trade feed is synced, so every venue fill of a known order is recorded;
2. venue orders LT does not know are imported (purpose `imported`, no strategy) so that they
   are visible and can be cancelled; trades of unknown orders import their order first;
3. local orders LT thinks are open but the venue does not list are looked up one by one —
   filled or cancelled at the venue, or never seen (closed out, budget released);
4. live positions are compared with the wallet's token balances; a mismatch is reported.

Success stamps the global risk state's `reconciled_at`. Every pass is stored
(`ReconcileRun`). A balance mismatch is alerted (critical) only when it persists across two
passes: a settlement in flight shows up once and is gone by the next pass, and is not a loss.
A clean pass resolves the alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ltproject.domain import OrderType, TradingMode
from ltproject.money import quantize_pusd
from monitoring.models import Alert
from monitoring.services import alert_create, alert_resolve
from risk.selectors import global_risk_state

from . import risk_hooks
from .executor import UNKNOWN_GRACE, order_resolve_unknown
from .models import Order, OrderPurpose, OrderStatus, Position, PositionStatus, ReconcileRun
from .sync import OPEN_AT_VENUE, fills_sync
from .venue import VenueAdapter, VenueError, VenueOrder
from .venue.session import get_venue

BALANCE_TOLERANCE = Decimal("0.01")  # shares: rounding dust between venue and ledger
MISMATCH_KEY = "reconcile-mismatch"


@dataclass
class ReconcileReport:
    fills_recorded: int = 0
    orders_imported: list[str] = field(default_factory=list)
    orders_closed: list[str] = field(default_factory=list)
    balance_mismatches: dict[str, tuple[str, str]] = field(default_factory=dict)
    persisting: list[str] = field(default_factory=list)
    collateral: Decimal | None = None

    @property
    def clean(self) -> bool:
        return not self.balance_mismatches


def reconcile(*, venue: VenueAdapter | None = None) -> ReconcileReport:
    run = ReconcileRun.objects.create()
    try:
        venue = venue or get_venue()
        report = ReconcileReport()
        venue_open = {o.order_id: o for o in venue.open_orders()}
        report.orders_imported = [_import(o) for o in venue_open.values() if _unknown(o.order_id)]
        report.fills_recorded = fills_sync(venue=venue)
        _close_out_missing(venue, venue_open, report)
        report.balance_mismatches = _balance_mismatches(venue)
        report.collateral = _collateral(venue)
    except Exception as error:
        ReconcileRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    _stamp_and_alert(report, run)
    return report


def _unknown(order_id: str) -> bool:
    return not Order.objects.filter(venue_order_id=order_id).exists()


def _import(found: VenueOrder) -> str:
    Order.objects.get_or_create(
        venue_order_id=found.order_id,
        defaults={
            "token_id": found.token_id,
            "side": found.side,
            "order_type": found.order_type if found.order_type in OrderType.values else "GTC",
            "purpose": OrderPurpose.IMPORTED,
            "mode": TradingMode.LIVE,
            "price": found.price,
            "size": found.original_size,
            "notional": quantize_pusd(found.price * found.original_size),
            "size_matched": min(found.size_matched, found.original_size),
            "status": OrderStatus.LIVE,
            "acked_at": timezone.now(),
        },
    )
    return found.order_id


def _close_out_missing(
    venue: VenueAdapter, venue_open: dict[str, VenueOrder], report: ReconcileReport
) -> None:
    """Orders LT thinks are open but the venue does not list as open.

    An acknowledged order not resting at the venue is finished there: its fills (if any) were
    just synced, so what is left is closed out — filled, or cancelled by the venue — and the
    rest of its budget released. An order sent but never acknowledged is resolved by hash.
    """
    settled_before = timezone.now() - UNKNOWN_GRACE
    candidates = Order.objects.filter(
        mode=TradingMode.LIVE, status__in=OPEN_AT_VENUE, posted_at__lt=settled_before
    ).exclude(venue_order_id__in=list(venue_open))
    for order in candidates:
        if order.status in (OrderStatus.SUBMITTED, OrderStatus.UNKNOWN):
            # Never acknowledged: found by its hash, or the same signed bytes sent again
            # (the venue refuses a second copy) — an intent is not dropped for a lost answer.
            order_resolve_unknown(order=order, resend_after=UNKNOWN_GRACE)
            continue
        found = venue.get_order(str(order.venue_order_id))
        if found is not None and found.status in ("LIVE", "DELAYED"):
            continue  # the open-orders listing lagged; it is still resting
        status, reason = _final_status(found)
        if _close(order, status=status, reason=reason):
            report.orders_closed.append(str(order.venue_order_id))


def _final_status(found: VenueOrder | None) -> tuple[OrderStatus, str]:
    if found is None:
        return OrderStatus.CANCELLED, "not_at_venue"
    if found.status == "MATCHED":
        return OrderStatus.MATCHED, ""
    if found.status == "CANCELED_EXPIRED_ORDER":
        return OrderStatus.EXPIRED, found.status.lower()
    return OrderStatus.CANCELLED, found.status.lower()


@transaction.atomic
def _close(order: Order, *, status: OrderStatus, reason: str) -> bool:
    closed = Order.objects.filter(pk=order.pk, status__in=OPEN_AT_VENUE).update(
        status=status, completed_at=timezone.now(), error_code=reason
    )
    if closed:
        risk_hooks.budget_release_rest(order=order)
    return bool(closed)


def _balance_mismatches(venue: VenueAdapter) -> dict[str, tuple[str, str]]:
    held = (
        Position.objects.filter(mode=TradingMode.LIVE, status=PositionStatus.OPEN)
        .values("token_id")
        .annotate(total=Sum("size"))
    )
    mismatches = {}
    for row in held:
        at_venue = venue.balance(row["token_id"]).balance
        if abs(at_venue - row["total"]) > BALANCE_TOLERANCE:
            mismatches[row["token_id"]] = (str(row["total"]), str(at_venue))
    return mismatches


def _collateral(venue: VenueAdapter) -> Decimal | None:
    """The wallet's pUSD, for the health check's figures; a figure, never a reason to fail."""
    try:
        return venue.balance().balance
    except VenueError:
        return None


@transaction.atomic
def _stamp_and_alert(report: ReconcileReport, run: ReconcileRun) -> None:
    """Store the pass; a clean one vouches for the ledger, a persisting mismatch alerts."""
    report.persisting = _persisting(report, before=run)
    ReconcileRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        agreed=report.clean,
        fills_recorded=report.fills_recorded,
        orders_imported=len(report.orders_imported),
        orders_closed=len(report.orders_closed),
        mismatches={t: list(pair) for t, pair in report.balance_mismatches.items()},
        persisting=report.persisting,
        collateral=report.collateral,
    )
    state = global_risk_state()
    if report.clean:
        type(state).objects.filter(pk=state.pk).update(reconciled_at=timezone.now())
        alert_resolve(dedupe_key=MISMATCH_KEY, note="a reconciliation pass found no difference")
        return
    if not report.persisting:
        return  # once is not yet a mismatch: the next pass decides
    persisting = {t: report.balance_mismatches[t] for t in report.persisting}
    alert_create(
        reason_code="RECONCILE_MISMATCH",
        severity=Alert.Severity.CRITICAL,
        subject=f"Reconciliation: {len(persisting)} token balance(s) differ in two passes",
        message="Shares in LT's ledger against shares in the wallet, per token "
        "(ledger / wallet), found off in two passes in a row.",
        context={"ledger / wallet": persisting},
        action="New live entries are refused (NOT_RECONCILED) from 5 minutes after the last "
        "clean pass until a pass finds the ledger and the wallet in agreement.",
        dedupe_key=MISMATCH_KEY,
        token_id=report.persisting[0],
    )


def _persisting(report: ReconcileReport, *, before: ReconcileRun) -> list[str]:
    """Tokens off in this pass and in the last finished pass before it."""
    if report.clean:
        return []
    # A pass that ran alongside this one saw the same moment: only one that had finished
    # before this one began is a second look.
    previous = (
        ReconcileRun.objects.filter(
            finished_at__isnull=False, finished_at__lte=before.started_at, error=""
        )
        .order_by("-finished_at")
        .first()
    )
    if previous is None:
        return []
    return sorted(set(report.balance_mismatches) & set(previous.mismatches))
