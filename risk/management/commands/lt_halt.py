from __future__ import annotations

from risk.management.state_command import TradingStateCommand
from risk.services import strategy_halt


class Command(TradingStateCommand):
    help = "Halt new entries for one strategy, or for all (the global kill switch)."
    verb = "halt"
    change = staticmethod(strategy_halt)
