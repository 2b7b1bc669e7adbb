"""`manage.py lt_resume [--strategy SLUG] [--message M]`: lift a halt or pause and close the
open breakers, of one strategy or globally (the kill switch), and say what was lifted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from risk.management.state_command import TradingStateCommand
from risk.models import Breaker, RiskState, TradingState
from risk.reasons import ReasonCode
from risk.selectors import global_risk_state, strategy_risk_state
from risk.services import risk_resume
from strategies.models import Strategy
from strategies.selectors import strategy_by_slug_or_error


@dataclass(frozen=True)
class Standing:
    """What stopped entries before the resume: the trading state and the open breakers."""

    state: str
    reason: str
    breakers: list[str]
    global_state: str  # the kill switch's, which a strategy's resume leaves as it is


class Command(TradingStateCommand):
    help = (
        "Resume one strategy (lifting its halt or pause and closing its open breakers), or lift "
        "the global kill switch and close the global breakers."
    )
    verb = "resume"
    change = staticmethod(risk_resume)

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["strategy"]
        strategy = strategy_by_slug_or_error(slug) if slug else None
        before = standing(strategy)  # read first: the resume erases what it lifted
        super().handle(*args, **options)
        for line in resume_lines(slug, before):
            self.stdout.write(line)


def standing(strategy: Strategy | None) -> Standing:
    row: RiskState = strategy_risk_state(strategy=strategy) if strategy else global_risk_state()
    reason = ReasonCode(row.reason_code).label if row.reason_code in ReasonCode.values else ""
    breakers = Breaker.objects.filter(strategy=strategy, state=Breaker.State.OPEN)
    return Standing(
        state=row.trading_state,
        reason=reason,
        breakers=sorted(str(b.get_kind_display()) for b in breakers),
        global_state=global_risk_state().trading_state,
    )


def resume_lines(slug: str | None, before: Standing) -> list[str]:
    return [_lifted_line(slug, before), _entries_line(slug, before)]


def _lifted_line(slug: str | None, before: Standing) -> str:
    lifted = []
    if before.state != TradingState.ACTIVE:
        lifted.append(f"{before.state}" + (f" ({before.reason})" if before.reason else ""))
    if before.breakers:
        lifted.append(
            f"{len(before.breakers)} open breaker(s) closed: {', '.join(before.breakers)}"
        )
    if not lifted:
        return (
            f"  nothing to lift: {slug or 'the global kill switch'} was active with no open breaker"
        )
    return f"  lifted: {'; '.join(lifted)}"


def _entries_line(slug: str | None, before: Standing) -> str:
    if not slug:
        # The kill switch and each strategy's state are separate rows: lifting one leaves the other.
        return (
            "  new entries are allowed again, except for strategies halted or paused on their own "
            "(lt_status lists them; lt_resume --strategy SLUG lifts one)"
        )
    counters = "its drawdown peak and loss streak start from now"
    if before.global_state != TradingState.ACTIVE:
        return (
            f"  {slug} takes new entries once the kill switch is lifted (globally "
            f"{before.global_state}: python manage.py lt_resume); {counters}"
        )
    return f"  {slug} takes new entries again; {counters}"
