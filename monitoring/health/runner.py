"""One health run: every check, one stored row each, each strategy's health, and alerts.

A check that turns FAILING raises a critical alert (dedupe key `health:<check>`); when it
has passed twice in a row, the alert is resolved and says so (once would let a check that
hovers at its threshold mail every five minutes). A strategy's `health_status` is the worst
status of the checks that concern it, written on every run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Case, Count, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from execution.executor import BALANCE_ALERT_PREFIX
from execution.models import Order, OrderStatus, ReconcileRun
from ltproject.jsontext import jsonable
from monitoring.alerts import UNRESOLVED, alert_create, alert_resolve
from monitoring.models import (
    STATUS_RANK,
    Alert,
    HealthCheck,
    HealthDaily,
    HealthStatus,
    VenueCalls,
)
from strategies.models import Strategy

from .alerting import ALERTS
from .base import Check, CheckResult, Context, StrategyRef, worst
from .chain import CHAIN
from .jobs import DATABASE, JOBS
from .orders import ORDERS
from .redemption import REDEMPTION
from .risk import RISK
from .stream import STREAM
from .venue import VENUE
from .wallet import WALLET

log = logging.getLogger(__name__)

CHECKS: tuple[Check, ...] = (
    DATABASE, JOBS, VENUE, STREAM, CHAIN, WALLET, ORDERS, REDEMPTION, RISK, ALERTS,
)  # fmt: skip
DEFAULT_ACTION = (
    "Checked again every 5 minutes; this alert resolves itself once the check has passed twice "
    "in a row."
)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """Run one check; an exception is a failing result, never a crashed run."""
    started = time.perf_counter()
    try:
        result = check.run(ctx)
    except Exception as error:
        log.warning("health check %s raised", check.name, exc_info=True)
        result = CheckResult(check.name, HealthStatus.FAILING, f"{type(error).__name__}: {error}")
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result


def health_checks_run(
    *, now: datetime | None = None, checks: Sequence[Check] = CHECKS
) -> list[HealthCheck]:
    """Run every check, store one row per check, write each strategy's health, alert."""
    ctx = Context.build(now or timezone.now())
    results = [(check, run_check(check, ctx)) for check in checks]
    statuses = strategy_statuses(ctx.strategies, results)
    rows = [_row(check, result, ctx, statuses) for check, result in results]
    with transaction.atomic():
        HealthCheck.objects.bulk_create(rows)
        _strategies_write(statuses, ctx.now)
    for check, result in results:
        _alert_on_change(check, result)
    balance_alerts_resolve()
    return rows


def balance_alerts_resolve() -> int:
    """A strategy whose order the venue refused for balance, and which has had an order
    taken since, has its balance back: the alert is over."""
    resolved = 0
    open_ones = Alert.objects.filter(
        dedupe_key__startswith=BALANCE_ALERT_PREFIX, state__in=UNRESOLVED, strategy__isnull=False
    ).values_list("dedupe_key", "strategy_id", "last_seen_at")
    for key, strategy_id, seen in open_ones:
        taken = Order.objects.filter(strategy_id=strategy_id, acked_at__gt=seen).exclude(
            status=OrderStatus.REJECTED
        )
        if taken.exists():
            resolved += alert_resolve(dedupe_key=key, note="the venue took an order of it again")
    return resolved


def strategy_statuses(
    strategies: Iterable[StrategyRef], results: Sequence[tuple[Check, CheckResult]]
) -> dict[int, dict[str, HealthStatus]]:
    """strategy pk → {check name: the status that check gives the strategy}."""
    statuses: dict[int, dict[str, HealthStatus]] = {}
    for strategy in strategies:
        mine: dict[str, HealthStatus] = {}
        for check, result in results:
            if strategy.mode not in check.concerns:
                continue
            if result.per_strategy is None:
                mine[check.name] = result.status
            else:
                mine[check.name] = result.per_strategy.get(strategy.pk, (HealthStatus.OK, ""))[0]
        statuses[strategy.pk] = mine
    return statuses


def _row(
    check: Check,
    result: CheckResult,
    ctx: Context,
    statuses: dict[int, dict[str, HealthStatus]],
) -> HealthCheck:
    slugs = {s.pk: s.slug for s in ctx.strategies}
    marked = {
        slugs[pk]: str(by_check[check.name])
        for pk, by_check in statuses.items()
        if by_check.get(check.name, HealthStatus.OK) != HealthStatus.OK
    }
    details = jsonable(result.details)
    if marked:
        details["strategies"] = marked
    return HealthCheck(
        name=result.name,
        status=result.status,
        message=result.message[:5000],
        details=details,
        duration_ms=Decimal(f"{result.duration_ms:.3f}"),
        checked_at=ctx.now,
    )


def _strategies_write(statuses: dict[int, dict[str, HealthStatus]], now: datetime) -> None:
    overall = {pk: worst(by_check.values()) for pk, by_check in statuses.items()}
    if not overall:
        return
    Strategy.objects.filter(pk__in=list(overall)).update(
        health_status=Case(
            *(When(pk=pk, then=Value(str(status))) for pk, status in overall.items()),
            default=Value(str(HealthStatus.OK)),
        ),
        health_checked_at=now,
    )


def _alert_on_change(check: Check, result: CheckResult) -> None:
    key = f"health:{check.name}"
    label = check.label or check.name
    with transaction.atomic():
        if result.status == HealthStatus.FAILING:
            alert_create(
                reason_code="HEALTH_CHECK_FAILING",
                severity=Alert.Severity.CRITICAL,
                subject=f"Health: {label} failing",
                message=result.message,
                context=_figures(result),
                action=check.on_failing or DEFAULT_ACTION,
                dedupe_key=key,
            )
        elif _passed_before(check.name):
            alert_resolve(
                dedupe_key=key, note=f"{label} is {result.status} again: {result.message}"
            )


def _passed_before(name: str) -> bool:
    """Whether the run before this one (already stored) passed as well."""
    statuses = HealthCheck.objects.filter(name=name).order_by("-checked_at", "-pk")
    previous = list(statuses.values_list("status", flat=True)[1:2])
    return bool(previous) and previous[0] != HealthStatus.FAILING


def _figures(result: CheckResult) -> dict[str, object]:
    """The scalar figures of a result (what fits in a mail)."""
    return {
        key: value
        for key, value in result.details.items()
        if isinstance(value, str | int | float | bool) or value is None
    }


# --- the trend: five-minute rows kept for LT_RETENTION["health_checks"], then one row per
# check and day (monitoring.retention runs these with the other retention rules) ---


def _always() -> bool:
    return True


def health_history_compact(
    *, now: datetime | None = None, batch: int = 5000, more: Callable[[], bool] = _always
) -> int:
    """Roll rows older than the kept history up into daily rows, in bounded batches, while
    `more()` says there is time.

    Returns how many rows were rolled up. Safe to run twice at once: each batch is one
    transaction whose rows are locked (SKIP LOCKED), counted, then deleted.
    """
    cutoff = (now or timezone.now()) - settings.LT_RETENTION["health_checks"]
    done = 0
    while more():
        with transaction.atomic():
            ids = list(
                HealthCheck.objects.select_for_update(skip_locked=True)
                .filter(checked_at__lt=cutoff)
                .order_by("checked_at")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return done
            _roll_up(ids)
            HealthCheck.objects.filter(pk__in=ids).delete()
        done += len(ids)
    return done


def measurements_prune(
    *, now: datetime | None = None, batch: int = 5000, more: Callable[[], bool] = _always
) -> int:
    """Delete venue call counts and reconciliation passes (one a minute each) past their
    kept age, in bounded batches while `more()` says there is time; returns how many went."""
    now = now or timezone.now()
    kept = settings.LT_RETENTION
    old = (
        VenueCalls.objects.filter(minute__lt=now - kept["venue_calls"]),
        ReconcileRun.objects.filter(started_at__lt=now - kept["reconcile_runs"]),
    )
    deleted = 0
    for rows in old:
        while more() and (ids := list(rows.order_by("pk").values_list("pk", flat=True)[:batch])):
            deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
    return deleted


def _roll_up(ids: list[int]) -> None:
    groups = (
        HealthCheck.objects.filter(pk__in=ids)
        .annotate(day=TruncDate("checked_at"))
        .values("day", "name")
        .annotate(
            runs=Count("pk"),
            ok=Count("pk", filter=Q(status=HealthStatus.OK)),
            warning=Count("pk", filter=Q(status=HealthStatus.WARNING)),
            failing=Count("pk", filter=Q(status=HealthStatus.FAILING)),
            avg_ms=Avg("duration_ms"),
        )
    )
    for group in groups:
        daily, _ = HealthDaily.objects.select_for_update().get_or_create(
            day=group["day"], name=group["name"], defaults={"worst": HealthStatus.OK}
        )
        runs = daily.runs + group["runs"]
        if group["avg_ms"] is not None:
            previous = (daily.avg_duration_ms or Decimal(0)) * daily.runs
            daily.avg_duration_ms = (
                (previous + Decimal(str(group["avg_ms"])) * group["runs"]) / runs
            ).quantize(Decimal("0.001"))
        daily.runs = runs
        daily.ok += group["ok"]
        daily.warning += group["warning"]
        daily.failing += group["failing"]
        seen = [s for s in HealthStatus if group[str(s.value)]] + [HealthStatus(daily.worst)]
        daily.worst = max(seen, key=lambda s: STATUS_RANK[s])
        daily.save()
