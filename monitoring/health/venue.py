"""The venue: reachable now, and how its requests went over the last window.

Reachability is a probe made now (`GET /version`, the request LT's start-up makes). The
window's figures come from every process's venue metrics (`lt_venue_calls`): latency
percentiles, the share of calls that failed (timeouts, resets, 5xx), the share of orders the
venue refused, 429 answers, and the age of the last heartbeat while live orders rest (the
venue cancels them all 10 s after a missed one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from execution.heartbeat import resting_live_orders
from execution.venue import VenueError
from execution.venue import metrics as venue_metrics
from execution.venue.metrics import CallCounts, percentile_ms
from execution.venue.session import get_venue
from monitoring.models import VenueCalls

from .base import TRADING, Check, CheckResult, Context, Findings, threshold

ORDER_CALLS = ("post_order", "post_orders")


@dataclass(frozen=True)
class Probe:
    reachable: bool
    latency_ms: float
    error: str = ""


def venue_probe() -> Probe:
    """One request to the venue, timed; an error makes it unreachable."""
    started = time.perf_counter()
    try:
        get_venue().server_version()
    except VenueError as error:
        elapsed = (time.perf_counter() - started) * 1000
        return Probe(False, elapsed, f"{type(error).__name__}: {error.message}")
    except OSError as error:  # refused before the adapter could wrap it (connect())
        elapsed = (time.perf_counter() - started) * 1000
        return Probe(False, elapsed, f"{type(error).__name__}: {error}")
    return Probe(True, (time.perf_counter() - started) * 1000)


@dataclass(frozen=True)
class Window:
    """The venue metrics of every process since `since`, per call kind and in total."""

    by_call: dict[str, CallCounts]

    @classmethod
    def since(cls, since: datetime) -> Window:
        venue_metrics.flush(everything=True)  # this process's calls count too
        rows = VenueCalls.objects.filter(minute__gte=since.replace(second=0, microsecond=0))
        return cls(venue_metrics.merged((row.call, row.to_counts()) for row in rows))

    @property
    def total(self) -> CallCounts:
        total = CallCounts()
        for counts in self.by_call.values():
            total.merge(counts)
        return total

    def error_rate(self) -> Decimal | None:
        total = self.total
        if total.count < threshold("venue_min_calls"):
            return None
        return (Decimal(total.errors) / total.count).quantize(Decimal("0.0001"))

    def rejection_rate(self) -> Decimal | None:
        orders = CallCounts()
        for call in ORDER_CALLS:
            orders.merge(self.by_call.get(call, CallCounts()))
        if orders.count == 0:
            return None
        return (Decimal(orders.rejected) / orders.count).quantize(Decimal("0.0001"))


def heartbeat_age_s(now: datetime) -> float | None:
    last = (
        VenueCalls.objects.filter(call="heartbeat", last_ok_at__isnull=False)
        .order_by("-last_ok_at")
        .values_list("last_ok_at", flat=True)
        .first()
    )
    return None if last is None else round((now - last).total_seconds(), 1)


def check_venue(ctx: Context) -> CheckResult:
    probe = venue_probe()
    window = Window.since(ctx.now - timedelta(minutes=threshold("venue_window_minutes")))
    total = window.total
    details: dict[str, Any] = {
        "reachable": probe.reachable,
        "probe_ms": round(probe.latency_ms, 1),
        "window_minutes": threshold("venue_window_minutes"),
        "calls": total.count,
        "p50_ms": percentile_ms(total.histogram, 0.50),
        "p99_ms": percentile_ms(total.histogram, 0.99),
        "errors": total.errors,
        "error_rate": _text(window.error_rate()),
        "rejection_rate": _text(window.rejection_rate()),
        "rate_limited": total.rate_limited,
        "by_call": {
            call: {
                "calls": c.count,
                "p50_ms": percentile_ms(c.histogram, 0.50),
                "p99_ms": percentile_ms(c.histogram, 0.99),
                "errors": c.errors,
            }
            for call, c in sorted(window.by_call.items())
        },
    }
    found = Findings()
    found.fail_if(not probe.reachable, f"CLOB unreachable: {probe.error}")
    _judge_window(found, window, details)
    _judge_heartbeat(found, ctx.now, details)
    return found.result("venue", f"CLOB answers in {probe.latency_ms:.0f} ms", details)


def _judge_window(found: Findings, window: Window, details: dict[str, Any]) -> None:
    p99 = details["p99_ms"]
    found.warn_if(
        p99 is not None and p99 > threshold("venue_p99_ms"),
        f"request latency p99 {p99} ms over {threshold('venue_p99_ms')} ms",
    )
    rate = window.error_rate()
    if rate is not None:
        found.fail_if(
            rate > Decimal(str(threshold("venue_error_rate_failing"))),
            f"{rate:.1%} of venue calls failed",
        )
        found.warn_if(
            Decimal(str(threshold("venue_error_rate_failing")))
            >= rate
            > Decimal(str(threshold("venue_error_rate"))),
            f"{rate:.1%} of venue calls failed",
        )
    rejected = window.rejection_rate()
    found.warn_if(
        rejected is not None and rejected > Decimal(str(threshold("venue_rejection_rate"))),
        f"{rejected:.1%} of orders refused by the venue" if rejected is not None else "",
    )
    limited = window.total.rate_limited
    found.warn_if(limited > 0, f"{limited} rate-limited answer(s) (429)")


def _judge_heartbeat(found: Findings, now: datetime, details: dict[str, Any]) -> None:
    if not resting_live_orders():
        details["heartbeat_age_s"] = None
        return
    age = heartbeat_age_s(now)
    details["heartbeat_age_s"] = age
    limit = threshold("venue_heartbeat_age_s")
    found.warn_if(
        age is None or age > limit,
        "live orders rest but no heartbeat was sent"
        if age is None
        else f"last heartbeat {age:.0f} s ago (over {limit} s): is lt_heartbeat running?",
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


VENUE = Check(
    "venue",
    check_venue,
    TRADING,
    "Venue (CLOB)",
    on_failing="Orders cannot reach the venue: accepted entries wait as intents (the sweep "
    "sends them once it answers) and the global latency and error-rate breakers refuse new "
    "entries while the probe keeps failing. Checked again every 5 minutes.",
)
