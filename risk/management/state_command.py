"""The shared shape of `lt_halt` and `lt_resume`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from risk.models import RiskState
from strategies.models import Strategy
from strategies.selectors import strategy_by_slug_or_error


class TradingStateCommand(BaseCommand):
    verb: str
    change: Callable[..., RiskState]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", help="Slug; omit to act on the global kill switch.")
        parser.add_argument("--message", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["strategy"]
        strategy: Strategy | None = strategy_by_slug_or_error(slug) if slug else None
        self.change(strategy=strategy, actor=f"lt_{self.verb}", message=options["message"])
        self.stdout.write(f"{self.verb}: {slug or 'all strategies (global)'}")
