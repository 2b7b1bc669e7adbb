"""Fault injection: rules that make the sandbox misbehave the way the real venue does.

A rule has a kind, an optional path (exact, a `prefix*`, or `*`) and a count (None = until
cleared). Kinds:

- `latency`: sleep `seconds` before handling the request;
- `stall`: handle the request (an order *is* placed), then sleep `seconds` before answering,
  so the client times out on an order that exists;
- `status`: answer HTTP `status` (5xx, 429, ...) without handling the request;
- `balance`: reject orders with "not enough balance / allowance" although funds exist;
- `delayed`: accept orders with status `delayed`; they match at the next clock step;
- `trade_failed`: the next `count` trades settle as FAILED instead of CONFIRMED;
- `split_legs`: the next `count` trades of orders sent to the venue report each maker fill as
  two legs of the same maker order (the venue does that; a client must add them up);
- `heartbeat_loss`: heartbeats are answered but not recorded, so orders get cancelled;
- `cancel_only`: new orders get 503 "Trading is currently cancel-only ...";
- `relayer_lost_answer`: the relayer executes a submitted wallet call, then answers 502;
- `relayer_failed`: the relayer takes a submitted wallet call and gives up on it: the call is
  `STATE_FAILED` and never reaches the chain;
- `relayer_nonce_skew`: the relayer's `/nonce` or `/relay-payload` answers one more than the
  chain's nonce;
- `ws_drop`: every `every_seconds` of wall time, every WebSocket connection is dropped at once
  (the TCP connection just ends, no close frame), as when the venue restarts; each drop that
  found a connection uses one `count` (None, the default for this kind: until cleared).
  `POST /_sandbox/ws {"drop": true}` drops them all once, now.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = frozenset(
    {
        "latency",
        "stall",
        "status",
        "balance",
        "delayed",
        "trade_failed",
        "split_legs",
        "heartbeat_loss",
        "cancel_only",
        "relayer_lost_answer",
        "relayer_failed",
        "relayer_nonce_skew",
        "ws_drop",
    }
)
# Kinds that, given no count, last until cleared (the others fire once).
_UNTIL_CLEARED = frozenset({"ws_drop"})


class FaultError(ValueError):
    pass


@dataclass(slots=True)
class Fault:
    kind: str
    path: str = "*"
    seconds: float = 0.0
    status: int = 500
    count: int | None = 1
    every_seconds: float = 0.0  # ws_drop: wall seconds between drops

    def matches(self, kind: str, path: str) -> bool:
        if self.kind != kind:
            return False
        if self.path in ("*", path):
            return True
        return self.path.endswith("*") and path.startswith(self.path[:-1])


class Faults:
    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **options: Any) -> Fault:
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
        if kind in _UNTIL_CLEARED:
            options.setdefault("count", None)
        try:
            fault = Fault(kind=kind, **options)
        except TypeError as exc:
            raise FaultError(str(exc)) from exc
        with self._lock:
            self._rules.append(fault)
        return fault

    def take(self, kind: str, path: str = "*") -> Fault | None:
        """The first rule of `kind` for `path`, consuming one of its uses."""
        with self._lock:
            for fault in self._rules:
                if fault.matches(kind, path):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._rules.remove(fault)
                    return fault
        return None

    def first(self, kind: str) -> Fault | None:
        """The first rule of `kind`, left as it is (`take` uses one of its uses)."""
        with self._lock:
            return next((f for f in self._rules if f.kind == kind), None)

    def active(self, kind: str) -> bool:
        with self._lock:
            return any(f.kind == kind for f in self._rules)

    def drain(self, kind: str) -> int:
        """Consume every use of `kind` (for counted kinds like trade_failed)."""
        with self._lock:
            rules = [f for f in self._rules if f.kind == kind]
            self._rules = [f for f in self._rules if f.kind != kind]
        return sum(f.count or 1 for f in rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._rules]

    # Shorthands the pytest fixture exposes.
    def latency(self, path: str = "*", seconds: float = 0.1, count: int | None = None) -> Fault:
        return self.add("latency", path=path, seconds=seconds, count=count)

    def stall(self, path: str = "/order", seconds: float = 1.0, count: int | None = 1) -> Fault:
        return self.add("stall", path=path, seconds=seconds, count=count)

    def http_status(self, path: str, status: int = 500, count: int | None = 1) -> Fault:
        return self.add("status", path=path, status=status, count=count)

    def rate_limit(self, path: str = "*", count: int | None = 1) -> Fault:
        return self.add("status", path=path, status=429, count=count)

    def balance_error(self, count: int | None = 1) -> Fault:
        return self.add("balance", count=count)

    def delayed(self, count: int | None = 1) -> Fault:
        return self.add("delayed", count=count)

    def trade_failed(self, count: int = 1) -> Fault:
        return self.add("trade_failed", count=count)

    def split_legs(self, count: int = 1) -> Fault:
        return self.add("split_legs", count=count)

    def heartbeat_loss(self) -> Fault:
        return self.add("heartbeat_loss", count=None)

    def cancel_only(self) -> Fault:
        return self.add("cancel_only", count=None)

    def ws_drop(self, every_seconds: float = 10.0, count: int | None = None) -> Fault:
        return self.add("ws_drop", every_seconds=every_seconds, count=count)
