"""Client-side rate limits: LT stays under the venue's limits by design, not by luck.

Polymarket throttles per 10 s window and per endpoint family (reference/polymarket.md §3);
going over is answered with 429 or silently queued. Each family gets a token bucket refilled
continuously at its documented rate; a call takes a token, waiting for one when the bucket is
empty. Buckets are per process: the budgets below are set at half the venue's figures so
that a web process and the q-cluster together stay under the account's limits.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

WINDOW_S = 10.0


@dataclass
class TokenBucket:
    capacity: float
    refill_per_s: float
    tokens: float = field(init=False)
    updated: float = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.tokens, self.updated = self.capacity, time.monotonic()

    def wait_time(self, now: float) -> float:
        """Refill, then take a token if one is there; else how long until one is."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.refill_per_s)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.refill_per_s

    def acquire(self) -> float:
        """Block until a token is taken; returns the seconds waited."""
        waited = 0.0
        while True:
            with self.lock:
                delay = self.wait_time(time.monotonic())
            if delay == 0:
                return waited
            time.sleep(delay)
            waited += delay


def _per_window(requests: int) -> TokenBucket:
    share = requests / 2  # two processes (web and jobs) share the account's budget
    return TokenBucket(capacity=share, refill_per_s=share / WINDOW_S)


# Families and limits per 10 s (docs: api-reference/rate-limits), halved above.
LIMITS: dict[str, TokenBucket] = {
    "post_order": _per_window(3_500),
    "post_orders": _per_window(1_000),
    "cancel": _per_window(3_000),
    "books": _per_window(500),
    "book": _per_window(1_500),
    "data": _per_window(500),  # /data/orders, /data/trades, /data/order
    "balance": _per_window(200),
    "auth": _per_window(100),
    "other": _per_window(9_000),
}


def throttle(family: str) -> float:
    return LIMITS.get(family, LIMITS["other"]).acquire()
