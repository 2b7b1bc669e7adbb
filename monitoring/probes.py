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
from execution.venue.session import get_venue
from ltproject.domain import TradingMode
from risk.breakers import breaker_observe
from risk.models import Breaker, BreakerKind
from strategies.models import Strategy

from .health.base import threshold
from .health.venue import Window, venue_probe

BPS = Decimal(10_000)


@dataclass(frozen=True)
class VenueObservation:
    latency_ms: Decimal | None  # None: the venue did not answer (an unbounded latency)
    error_rate: Decimal


def venue_observe(*, now: datetime) -> VenueObservation:
    probe = venue_probe()
    window = Window.since(now - timedelta(minutes=threshold("venue_window_minutes"))).total
    if window.count:
        rate = Decimal(window.errors) / window.count
    else:
        rate = Decimal(0 if probe.reachable else 1)
    latency = Decimal(f"{probe.latency_ms:.3f}") if probe.reachable else None
    return VenueObservation(latency_ms=latency, error_rate=rate.quantize(Decimal("0.0001")))


def breakers_feed(*, now: datetime | None = None) -> dict[str, object]:
    """Probe the venue and feed what it saw to the breakers; returns the observation."""
    now = now or timezone.now()
    seen = venue_observe(now=now)
    _global_feed(seen, now)
    live = Strategy.objects.filter(mode=TradingMode.LIVE).select_related("risk_rules")
    for strategy in live:
        breaker_observe(strategy=strategy, kind=BreakerKind.LATENCY, value=seen.latency_ms, at=now)
        breaker_observe(
            strategy=strategy, kind=BreakerKind.ERROR_RATE, value=seen.error_rate, at=now
        )
    slippage = _slippage_feed(now)
    return {
        "latency_ms": None if seen.latency_ms is None else str(seen.latency_ms),
        "error_rate": str(seen.error_rate),
        "slippage_bps": slippage,
    }


def _global_feed(seen: VenueObservation, now: datetime) -> None:
    conf = settings.GLOBAL_BREAKERS
    policy = {
        "resume_after_minutes": conf["resume_after_minutes"],
        "resume_when_normal": conf["resume_when_normal"],
        "at": now,
    }
    if conf.get("max_latency_ms") is not None:
        breaker_observe(
            strategy=None,
            kind=BreakerKind.LATENCY,
            value=seen.latency_ms,
            threshold=Decimal(str(conf["max_latency_ms"])),
            **policy,
        )
    if conf.get("max_error_rate") is not None:
        breaker_observe(
            strategy=None,
            kind=BreakerKind.ERROR_RATE,
            value=seen.error_rate,
            threshold=Decimal(str(conf["max_error_rate"])),
            **policy,
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
