from __future__ import annotations

from risk.management.state_command import TradingStateCommand
from risk.services import strategy_resume


class Command(TradingStateCommand):
    help = "Resume one strategy, or lift the global kill switch."
    verb = "resume"
    change = staticmethod(strategy_resume)
