"""The sandbox clock: time only moves when someone advances it.

Tests step it by hand (deterministic, no sleeping); `lt_sandbox --speed N` has a ClockDriver
(server.py) advance it N times faster than wall time.
"""

from __future__ import annotations

import threading
import time
from typing import Self


class Periodic:
    """A daemon thread that calls `tick(now)` every `interval` wall seconds until stopped
    (the clock driver, the WebSocket dropper)."""

    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick(time.monotonic())

    def tick(self, now: float) -> None:
        raise NotImplementedError


class SandboxClock:
    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock never goes back")
        self._now += seconds
        return self._now
