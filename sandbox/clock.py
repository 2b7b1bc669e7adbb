"""The sandbox clock: time only moves when someone advances it.

Tests step it by hand (deterministic, no sleeping); `lt_sandbox --speed N` has a ClockDriver
(server.py) advance it N times faster than wall time.
"""

from __future__ import annotations


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
