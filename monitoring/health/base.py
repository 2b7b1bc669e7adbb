"""What a health check is: a function from a context to a result with figures.

A check measures one part of the machinery and says OK, WARNING or FAILING, with the
figures it measured (`details`) and, for the strategies it concerns, a status each: either
the check's own (`concerns` names the modes it matters to) or one it works out per strategy
(`per_strategy`). Thresholds come from settings (HEALTH_THRESHOLDS).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from ltproject.domain import TradingMode
from monitoring.models import STATUS_RANK, HealthStatus
from strategies.models import Strategy

ALL_MODES = frozenset(TradingMode.values)
TRADING = frozenset({TradingMode.PAPER, TradingMode.LIVE})
LIVE = frozenset({TradingMode.LIVE})


def threshold(name: str) -> Any:
    """One health threshold (settings.HEALTH_THRESHOLDS; README lists them)."""
    return settings.HEALTH_THRESHOLDS[name]


def worst(statuses: Iterable[str]) -> HealthStatus:
    found = [HealthStatus(s) for s in statuses]
    return max(found, key=lambda s: STATUS_RANK[s]) if found else HealthStatus.OK


@dataclass(frozen=True)
class StrategyRef:
    pk: int
    slug: str
    mode: str


@dataclass
class Context:
    """What every check may read: the time of the run and the strategies there are."""

    now: datetime
    strategies: list[StrategyRef]

    @classmethod
    def build(cls, now: datetime) -> Context:
        rows = Strategy.objects.order_by("pk").values_list("pk", "slug", "mode")
        return cls(now=now, strategies=[StrategyRef(*row) for row in rows])

    def in_modes(self, modes: frozenset[str]) -> list[StrategyRef]:
        return [s for s in self.strategies if s.mode in modes]

    @property
    def any_live(self) -> bool:
        return any(s.mode == TradingMode.LIVE for s in self.strategies)


@dataclass
class CheckResult:
    name: str
    status: HealthStatus
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    # strategy pk → (status, why), for checks that judge strategies one by one; a strategy
    # the check concerns and does not list is OK.
    per_strategy: dict[int, tuple[HealthStatus, str]] | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Context], CheckResult]
    concerns: frozenset[str]  # the strategy modes whose health this check is part of
    label: str = ""
    on_failing: str = ""  # what LT does meanwhile, for the alert


class Findings:
    """Problems a check found, each with its status; the result says the worst."""

    def __init__(self) -> None:
        self.items: list[tuple[HealthStatus, str]] = []

    def add(self, status: HealthStatus, text: str) -> None:
        self.items.append((status, text))

    def warn(self, text: str) -> None:
        self.add(HealthStatus.WARNING, text)

    def fail(self, text: str) -> None:
        self.add(HealthStatus.FAILING, text)

    def warn_if(self, condition: bool, text: str) -> None:
        if condition:
            self.warn(text)

    def fail_if(self, condition: bool, text: str) -> None:
        if condition:
            self.fail(text)

    @property
    def status(self) -> HealthStatus:
        return worst(s for s, _ in self.items)

    def message(self, ok: str) -> str:
        if not self.items:
            return ok
        ordered = sorted(self.items, key=lambda item: -STATUS_RANK[item[0]])
        return "; ".join(text for _, text in ordered)

    def result(self, name: str, ok: str, details: dict[str, Any]) -> CheckResult:
        return CheckResult(name, self.status, self.message(ok), details)
