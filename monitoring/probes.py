"""The venue probe every minute: its observations feed the circuit breakers.

Without it, a latency or error-rate breaker that stopped a strategy's entries would only hear
about the venue again from the next order, which it forbids; a breaker that resumes when
normal would never close. So every minute the probe measures the venue (one request, timed;
the error rate of every venue call of the last window) and feeds:

- the global latency and error-rate breakers (thresholds in GLOBAL_BREAKERS);
- the latency and error-rate breakers of every live strategy, as its own orders would;
- a strategy's open slippage breaker, with the slippage a marketable order would pay now
  (best ask over the mid, in basis points, on the tokens it holds or last traded). A book
  is not a fill, so this only keeps a slippage breaker open or lets it close; it never trips
  one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from execution.models import Order, Position, PositionStatus
from execution.venue import Book, VenueError
from execution.venue.metrics import CallCounts
from execution.venue.session import get_venue
from ltproject.domain import TradingMode
from risk.breakers import breaker_observe
from risk.models import Breaker, BreakerKind
from strategies.models import Strategy

from .health.base import threshold
from .health.venue import Window, venue_probe

BPS = Decimal(10_000)


UNREACHABLE_FOR = timedelta(minutes=2)  # probes in a row that must fail before it counts


@dataclass(frozen=True)
class VenueObservation:
    """What the probe tells the breakers; a field left out (`judged` False) feeds nothing."""

    latency_ms: Decimal | None  # None: the venue did not answer (an unbounded latency)
    latency_judged: bool
    error_rate: Decimal | None  # None: too few calls, with errors among them, to judge


def venue_observe(*, now: datetime) -> VenueObservation:
    """One probe now, read against the window. A single failed request is not an outage: the
    venue counts as unreachable once every probe of the last two minutes failed (at least
    two). An error rate is judged on `venue_min_calls` calls, or on any number without an
    error (a quiet, clean venue is a normal one)."""
    probe = venue_probe()
    window = Window.since(now - timedelta(minutes=threshold("venue_window_minutes"))).total
    rate = None
    if window.count >= threshold("venue_min_calls") or (window.count and not window.errors):
        rate = (Decimal(window.errors) / window.count).quantize(Decimal("0.0001"))
    if probe.reachable:
        return VenueObservation(Decimal(f"{probe.latency_ms:.3f}"), True, rate)
    probes = Window.since(now - UNREACHABLE_FOR).by_call.get("version", CallCounts())
    down = probes.count >= 2 and probes.errors == probes.count
    return VenueObservation(None, down, rate)


def breakers_feed(*, now: datetime | None = None) -> dict[str, object]:
    """Probe the venue and feed what it saw to the breakers; returns the observation."""
    now = now or timezone.now()
    seen = venue_observe(now=now)
    fed = _fed(seen)
    _global_feed(fed, now)
    live = Strategy.objects.filter(mode=TradingMode.LIVE).select_related("risk_rules")
    for strategy in live:
        for kind, value in fed.items():
            breaker_observe(strategy=strategy, kind=kind, value=value, at=now)
    return {
        "latency_ms": "unjudged" if not seen.latency_judged else _text(seen.latency_ms),
        "error_rate": "unjudged" if seen.error_rate is None else str(seen.error_rate),
        "slippage_bps": _slippage_feed(now),
    }


def _fed(seen: VenueObservation) -> dict[BreakerKind, Decimal | None]:
    """The observations the probe may feed this minute, by breaker kind."""
    fed: dict[BreakerKind, Decimal | None] = {}
    if seen.latency_judged:
        fed[BreakerKind.LATENCY] = seen.latency_ms
    if seen.error_rate is not None:
        fed[BreakerKind.ERROR_RATE] = seen.error_rate
    return fed


def _text(value: Decimal | None) -> str:
    return "unbounded" if value is None else str(value)


GLOBAL_THRESHOLDS = {
    BreakerKind.LATENCY: "max_latency_ms",
    BreakerKind.ERROR_RATE: "max_error_rate",
}


def _global_feed(fed: dict[BreakerKind, Decimal | None], now: datetime) -> None:
    conf = settings.GLOBAL_BREAKERS
    for kind, value in fed.items():
        limit = conf.get(GLOBAL_THRESHOLDS[kind])
        if limit is None:
            continue
        breaker_observe(
            strategy=None,
            kind=kind,
            value=value,
            threshold=Decimal(str(limit)),
            resume_after_minutes=conf["resume_after_minutes"],
            resume_when_normal=conf["resume_when_normal"],
            at=now,
        )


def _slippage_feed(now: datetime) -> dict[str, str]:
    """Feed each open slippage breaker that resumes when normal; slug → bps fed."""
    open_breakers = Breaker.objects.filter(
        kind=BreakerKind.SLIPPAGE,
        state=Breaker.State.OPEN,
        resume_when_normal=True,
        strategy__isnull=False,
    ).select_related("strategy__risk_rules")
    fed = {}
    for breaker in open_breakers:
        strategy = breaker.strategy
        assert strategy is not None
        bps = book_slippage_bps(_tokens_of(strategy))
        if bps is None:
            continue  # nothing to look at: the breaker closes by hand or on the next fill
        breaker_observe(strategy=strategy, kind=BreakerKind.SLIPPAGE, value=bps, at=now)
        fed[strategy.slug] = str(bps)
    return fed


def _tokens_of(strategy: Strategy) -> list[str]:
    tokens = set(
        Position.objects.filter(
            strategy=strategy, status=PositionStatus.OPEN, size__gt=0
        ).values_list("token_id", flat=True)
    )
    last = Order.objects.filter(strategy=strategy).order_by("-pk").values_list("token_id").first()
    if last:
        tokens.add(last[0])
    return sorted(tokens)


def book_slippage_bps(tokens: Iterable[str]) -> Decimal | None:
    """The worst (best ask − mid) / mid over the tokens' books, in basis points."""
    wanted = list(tokens)
    if not wanted:
        return None
    try:
        books = get_venue().books(wanted)
    except VenueError:
        return None
    values = [_half_spread_bps(book) for book in books]
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _half_spread_bps(book: Book) -> Decimal | None:
    mid, ask = book.mid, book.best_ask
    if mid is None or ask is None or mid <= 0:
        return None
    return ((ask - mid) / mid * BPS).quantize(Decimal("0.01"))
