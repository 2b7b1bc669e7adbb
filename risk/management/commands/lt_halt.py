"""`manage.py lt_halt [--strategy SLUG] [--message M]`: stop new entries of one strategy, or of
all of them (the global kill switch). It says, where the operator halts, what a halt stops,
what keeps running and how to resume."""

from __future__ import annotations

from typing import Any

from risk.management.state_command import TradingStateCommand
from risk.services import strategy_halt


class Command(TradingStateCommand):
    help = (
        "Halt new entries for one strategy, or for all (the global kill switch); exits of held "
        "positions, stop-losses and redemptions still run."
    )
    verb = "halt"
    change = staticmethod(strategy_halt)

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        for line in halt_meaning(options["strategy"]):
            self.stdout.write(line)


def halt_meaning(slug: str | None) -> list[str]:
    """What the halt just set means (risk.engine: HALTED refuses entries, never exits)."""
    scope = f"strategy {slug}" if slug else "any strategy"
    resume = "python manage.py lt_resume" + (f" --strategy {slug}" if slug else "")
    return [
        f"  no new entries for {scope}; exits of held positions, stop-losses and redemptions "
        "still run",
        # A halt cancels nothing at the venue: an operator must not think resting buys are gone.
        "  orders already at the venue stay there until they fill or expire",
        f"  to resume: {resume}",
    ]
