"""Retention: detail rows past their kept age (settings.LT_RETENTION) are pruned, or rolled up
into daily rows first, so that the tables stay bounded however long LT runs.

At 3 signals a second, rejected signals and their decisions alone grew the database by
~35 MB an hour. What is pruned, and what stays in its place:

- rejected signals with their risk decisions → lt_signals_daily (count and FT notional per
  strategy, day, side and reason). Never a strategy's newest COMPARED_SIGNALS signals,
  whatever their age: the FT-vs-LT comparison (and the dashboard's curves) read exactly
  those, so pruning never changes it. Never a signal with an order.
- mid prices → lt_mid_prices_daily (open, high, low, close per token and day). Never a
  token's newest mid (positions are marked with it), nor any mid within the longest
  volatility lookback of any strategy's rules (sizing reads them).
- five-minute health rows → lt_health_daily; venue call counts, reconciliation passes,
  failed job results and expired dashboard sessions are deleted.

Accepted signals, orders, fills, positions, budgets and redemptions — whatever money
touched — are never pruned. Every batch is one transaction over at most LT_RETENTION_BATCH
rows, locked with SKIP LOCKED, so two runs at once share the work, and a run stops starting
batches once its time budget is spent; the next run goes on from there.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django_q.models import Task

from execution import selectors as execution_selectors
from execution.models import MidPrice
from ltproject.money import ZERO, quantize_pusd
from risk.models import RiskDecision, RiskRules
from strategies.models import Signal, Strategy

from .health.runner import health_history_compact, measurements_prune
from .models import MidPriceDaily, SignalDaily

# A run stops starting new batches after this long: well inside the job timeout (60 s).
BUDGET_SECONDS = 40.0


@dataclass(frozen=True)
class _Run:
    now: datetime
    batch: int
    deadline: float

    def more(self) -> bool:
        return time.monotonic() < self.deadline


def retention_apply(
    *, now: datetime | None = None, batch: int | None = None, budget: float = BUDGET_SECONDS
) -> dict[str, int]:
    """One pass of every retention rule; how many rows each pruned (or rolled up)."""
    run = _Run(
        now=now or timezone.now(),
        batch=batch or settings.LT_RETENTION_BATCH,
        deadline=time.monotonic() + budget,
    )
    return {
        "rejected_signals": rejected_signals_roll_up(run),
        "mid_prices": mid_prices_roll_up(run),
        "health_checks": health_history_compact(now=run.now, batch=run.batch, more=run.more),
        "measurements": measurements_prune(now=run.now, batch=run.batch, more=run.more),
        "failed_jobs": _delete_in_batches(
            Task.objects.filter(success=False, stopped__lt=_cutoff(run, "failed_jobs")), run
        ),
        "expired_sessions": _delete_in_batches(
            Session.objects.filter(expire_date__lt=_cutoff(run, "expired_sessions")), run
        ),
    }


def _cutoff(run: _Run, name: str) -> datetime:
    return run.now - settings.LT_RETENTION[name]


def _until_done(run: _Run, batch: Callable[[], int]) -> int:
    done = 0
    while run.more() and (n := batch()):
        done += n
    return done


def _delete_in_batches(rows: QuerySet[Task] | QuerySet[Session], run: _Run) -> int:
    def one() -> int:
        keys = list(rows.order_by("pk").values_list("pk", flat=True)[: run.batch])
        return rows.model.objects.filter(pk__in=keys).delete()[0] if keys else 0

    return _until_done(run, one)


# --- rejected signals -----------------------------------------------------------------------


def rejected_signals_roll_up(run: _Run) -> int:
    """Prune rejected signals (and decisions) past their age, counted per day into
    lt_signals_daily; a strategy's newest COMPARED_SIGNALS signals stay whatever their age."""
    age_cutoff = _cutoff(run, "rejected_signals")
    done = 0
    for strategy_id in Strategy.objects.order_by("pk").values_list("pk", flat=True):
        cutoff = min(age_cutoff, _compared_since(strategy_id) or age_cutoff)
        done += _until_done(run, partial(_rejected_batch, strategy_id, cutoff, run.batch))
    return done


def _compared_since(strategy_id: int) -> datetime | None:
    """When the oldest signal the comparison reads arrived (None: it reads them all)."""
    newest = Signal.objects.filter(strategy_id=strategy_id).order_by("-received_at")
    last = execution_selectors.COMPARED_SIGNALS - 1
    return newest.values_list("received_at", flat=True)[last : last + 1].first()


@transaction.atomic
def _rejected_batch(strategy_id: int, cutoff: datetime, batch: int) -> int:
    rows = list(
        Signal.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            strategy_id=strategy_id,
            received_at__lt=cutoff,
            decision__outcome=RiskDecision.Outcome.REJECTED,
            order__isnull=True,
        )
        .order_by("received_at")
        .values_list("pk", "received_at", "side", "price", "size", "decision__reason_code")[:batch]
    )
    if not rows:
        return 0
    groups: dict[tuple[date, str, str], list[Decimal]] = defaultdict(list)
    for _, received_at, side, price, size, reason in rows:
        groups[(_day(received_at), side, reason)].append(price * size if size else ZERO)
    for (day, side, reason), notionals in groups.items():
        daily, _ = SignalDaily.objects.get_or_create(
            strategy_id=strategy_id, day=day, side=side, reason_code=reason
        )
        SignalDaily.objects.filter(pk=daily.pk).update(
            signals=F("signals") + len(notionals),
            ft_notional=F("ft_notional") + quantize_pusd(sum(notionals, ZERO)),
        )
    ids = [row[0] for row in rows]
    RiskDecision.objects.filter(signal_id__in=ids).delete()
    Signal.objects.filter(pk__in=ids).delete()
    return len(ids)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# --- mid prices -----------------------------------------------------------------------------


def mid_prices_roll_up(run: _Run) -> int:
    """Prune mid prices past their age (and past the longest volatility lookback) into
    lt_mid_prices_daily; each token's newest mid stays."""
    cutoff = _cutoff(run, "mid_prices")
    lookback = RiskRules.objects.aggregate(m=Max("sizing_lookback_minutes"))["m"]
    if lookback:
        cutoff = min(cutoff, run.now - timedelta(minutes=lookback))
    return _until_done(run, partial(_mid_batch, cutoff, run.batch))


@transaction.atomic
def _mid_batch(cutoff: datetime, batch: int) -> int:
    rows = list(
        MidPrice.objects.select_for_update(skip_locked=True)
        .filter(observed_at__lt=cutoff)
        .order_by("observed_at", "pk")
        .values_list("pk", "token_id", "mid", "observed_at")[:batch]
    )
    newest = _newest_mids({token for _, token, _, _ in rows})
    rows = [row for row in rows if row[3] != newest[row[1]]]
    if not rows:
        return 0
    by_day: dict[tuple[str, date], list[tuple[Decimal, datetime]]] = defaultdict(list)
    for _, token, mid, observed_at in rows:
        by_day[(token, _day(observed_at))].append((mid, observed_at))
    for (token, day), mids in by_day.items():
        _mid_daily_merge(token, day, mids)
    return MidPrice.objects.filter(pk__in=[row[0] for row in rows]).delete()[0]


def _newest_mids(tokens: Iterable[str]) -> dict[str, datetime]:
    """When each token's newest mid was observed (the marks and the comparison read it)."""
    return dict(
        MidPrice.objects.filter(token_id__in=list(tokens))
        .values("token_id")
        .annotate(newest=Max("observed_at"))
        .values_list("token_id", "newest")
    )


def _mid_daily_merge(token: str, day: date, mids: list[tuple[Decimal, datetime]]) -> None:
    """Fold one token-day's mids (in observation order) into its daily row."""
    (open_, first_at), (close, last_at) = mids[0], mids[-1]
    prices = [mid for mid, _ in mids]
    daily = MidPriceDaily.objects.select_for_update().filter(token_id=token, day=day).first()
    if daily is None:
        daily, created = MidPriceDaily.objects.get_or_create(
            token_id=token,
            day=day,
            defaults={
                "open": open_,
                "close": close,
                "high": max(prices),
                "low": min(prices),
                "samples": len(mids),
                "first_at": first_at,
                "last_at": last_at,
            },
        )
        if created:
            return
        daily = MidPriceDaily.objects.select_for_update().get(pk=daily.pk)
    if first_at < daily.first_at:
        daily.open, daily.first_at = open_, first_at
    if last_at >= daily.last_at:
        daily.close, daily.last_at = close, last_at
    daily.high, daily.low = max(daily.high, *prices), min(daily.low, *prices)
    daily.samples += len(mids)
    daily.save()
