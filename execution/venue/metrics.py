"""Every request the venue adapter makes, counted per process and minute.

The adapter records each call (its kind, seconds, outcome) in memory: a lock and a dict
update, nothing on the wire. A daemon thread writes the finished minutes to
`lt_venue_calls` every FLUSH seconds (LT_VENUE_METRICS_FLUSH_SECONDS; 0 = only when asked),
so the health checks, in another process, see every process's latency percentiles, error
and rejection rates and rate-limit hits over their window. Latencies are kept as a
log-scale histogram (four buckets per doubling, so a percentile is within about 19 %).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

Outcome = Literal["ok", "rejected", "rate_limited", "error", "client_error"]
BUCKETS_PER_DOUBLING = 4


def bucket_of(ms: float) -> int:
    """Histogram bucket of a latency: 0 under 1 ms, then four per doubling."""
    if ms < 1:
        return 0
    return math.floor(BUCKETS_PER_DOUBLING * math.log2(ms)) + 1


def bucket_upper_ms(bucket: int) -> float:
    return float(2 ** (bucket / BUCKETS_PER_DOUBLING))


def percentile_ms(histogram: Mapping[int, int], q: float) -> float | None:
    """The q-th quantile (0–1) of a histogram, as its bucket's upper bound."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return round(bucket_upper_ms(bucket), 1)
    return round(bucket_upper_ms(max(histogram)), 1)


@dataclass
class CallCounts:
    """Calls of one kind in one minute (in memory, or merged from stored rows)."""

    count: int = 0
    errors: int = 0
    rejected: int = 0
    rate_limited: int = 0
    client_errors: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    histogram: dict[int, int] = field(default_factory=dict)
    last_ok_at: datetime | None = None

    def add(self, ms: float, outcome: Outcome, at: datetime) -> None:
        self.count += 1
        self.total_ms += ms
        self.max_ms = max(self.max_ms, ms)
        bucket = bucket_of(ms)
        self.histogram[bucket] = self.histogram.get(bucket, 0) + 1
        if outcome == "ok":
            self.last_ok_at = at
        elif outcome == "error":
            self.errors += 1
        elif outcome == "rejected":
            self.rejected += 1
        elif outcome == "rate_limited":
            self.rate_limited += 1
        else:
            self.client_errors += 1

    def merge(self, other: CallCounts) -> None:
        self.count += other.count
        self.errors += other.errors
        self.rejected += other.rejected
        self.rate_limited += other.rate_limited
        self.client_errors += other.client_errors
        self.total_ms += other.total_ms
        self.max_ms = max(self.max_ms, other.max_ms)
        for bucket, n in other.histogram.items():
            self.histogram[bucket] = self.histogram.get(bucket, 0) + n
        if other.last_ok_at and (self.last_ok_at is None or other.last_ok_at > self.last_ok_at):
            self.last_ok_at = other.last_ok_at


Key = tuple[datetime, str]  # (minute, call)

_lock = threading.Lock()
_counts: dict[Key, CallCounts] = {}
_flusher_pid: int | None = None


def record(call: str, seconds: float, outcome: Outcome) -> None:
    """Count one venue call (called by the adapter for every request)."""
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0)
    with _lock:
        counts = _counts.get((minute, call))
        if counts is None:
            counts = _counts[(minute, call)] = CallCounts()
        counts.add(seconds * 1000, outcome, now)
    _ensure_flusher()


def _ensure_flusher() -> None:
    """One flushing thread per process (started again in a forked worker)."""
    global _flusher_pid
    interval = float(getattr(settings, "LT_VENUE_METRICS_FLUSH_SECONDS", 0))
    pid = os.getpid()
    if interval <= 0 or _flusher_pid == pid:
        return
    with _lock:
        if _flusher_pid == pid:
            return
        _flusher_pid = pid
    threading.Thread(
        target=_flush_loop, args=(interval,), name="lt-venue-metrics", daemon=True
    ).start()


def _flush_loop(interval: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval):
        try:
            flush()
        except Exception:
            log.exception("venue metrics: flush failed; counts kept for the next try")
        finally:
            connection.close()  # this thread's own connection: never left open between runs


def _take(*, everything: bool) -> dict[Key, CallCounts]:
    """Remove and return the finished minutes (or every minute, with `everything`)."""
    current = datetime.now(UTC).replace(second=0, microsecond=0)
    with _lock:
        keys = [k for k in _counts if everything or k[0] < current]
        return {k: _counts.pop(k) for k in keys}


def _put_back(taken: Mapping[Key, CallCounts]) -> None:
    with _lock:
        for key, counts in taken.items():
            _counts.setdefault(key, CallCounts()).merge(counts)


def flush(*, everything: bool = False) -> int:
    """Write the finished minutes (with `everything`, the current one too); rows written."""
    from monitoring.models import VenueCalls  # the metrics' table; monitoring reads it

    taken = _take(everything=everything)
    if not taken:
        return 0
    process = f"{socket.gethostname()}:{os.getpid()}"
    rows = [VenueCalls.from_counts(process, minute, call, c) for (minute, call), c in taken.items()]
    try:
        VenueCalls.objects.bulk_create(rows)
    except Exception:
        _put_back(taken)
        raise
    return len(rows)


def merged(rows: Iterable[tuple[str, CallCounts]]) -> dict[str, CallCounts]:
    """Counts per call kind, summed over rows (minutes and processes)."""
    result: dict[str, CallCounts] = {}
    for call, counts in rows:
        result.setdefault(call, CallCounts()).merge(counts)
    return result
