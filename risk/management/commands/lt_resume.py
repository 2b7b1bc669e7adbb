from __future__ import annotations

from risk.management.state_command import TradingStateCommand
from risk.services import risk_resume


class Command(TradingStateCommand):
    help = (
        "Resume one strategy (lifting its pause and closing its open breakers), or lift the "
        "global kill switch and close the global breakers."
    )
    verb = "resume"
    change = staticmethod(risk_resume)
