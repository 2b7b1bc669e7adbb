"""Orders, positions, breakers and redemptions as operators read them: by market question
and outcome (token ids in the detail only), newest first, filterable.

Each function returns a queryset with the market's question and outcome annotated
(`execution.selectors.with_market_labels`), so a page of rows is one query however long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from execution.models import MarketToken, MidPrice, Order, Position, PositionStatus
from execution.selectors import with_market_labels
from redemption.models import Redemption, RedemptionRoute, RedemptionState
from redemption.selectors import OPEN_STATES
from risk.models import Breaker, RiskRules

HUNDRED = Decimal(100)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PRICE: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=6)


def mark_now() -> Coalesce:
    """A position's mark as the risk checks value it: the newest of the last recorded mid
    and the position's own mark (the minute job's), else its average cost."""
    newer_mid = MidPrice.objects.filter(
        token_id=OuterRef("token_id"),
        observed_at__gt=Coalesce(OuterRef("marked_at"), Value(EPOCH)),
    )
    latest = Subquery(newer_mid.order_by("-observed_at").values("mid")[:1], output_field=_PRICE)
    return Coalesce(latest, "mark_price", "avg_cost", output_field=_PRICE)


def token_names(token_ids: set[str]) -> dict[str, tuple[str, str]]:
    """token id → (market question, outcome) for the tokens LT knows."""
    rows = MarketToken.objects.filter(token_id__in=token_ids).values_list(
        "token_id", "market__question", "outcome"
    )
    return {token: (question, outcome) for token, question, outcome in rows}


def orders_table(*, strategy: str = "", status: str = "", mode: str = "") -> QuerySet[Order]:
    rows = Order.objects.select_related("strategy").order_by("-created_at", "-pk")
    if strategy:
        rows = rows.filter(strategy__slug=strategy)
    if status:
        rows = rows.filter(status=status)
    if mode:
        rows = rows.filter(mode=mode)
    return with_market_labels(rows, token_path="token_id", market_path="market")


def positions_table(*, strategy: str = "", status: str = "open") -> QuerySet[Position]:
    rows = (
        Position.objects.select_related("strategy", "strategy__risk_rules")
        .filter(mode=F("strategy__mode"))
        .order_by("-opened_at", "-pk")
    )
    if strategy:
        rows = rows.filter(strategy__slug=strategy)
    if status:
        rows = rows.filter(status=status)
    return with_market_labels(
        rows.annotate(mark=mark_now()), token_path="token_id", market_path="market"
    )


@dataclass(frozen=True)
class StopLevels:
    """Where a position's exits trigger, on the best bid (execution.stops)."""

    stop_loss: Decimal | None
    take_profit: Decimal | None
    trailing_stop: Decimal | None


def stop_levels(position: Position, rules: RiskRules) -> StopLevels:
    def below(base: Decimal | None, pct: Decimal | None) -> Decimal | None:
        if base is None or pct is None:
            return None
        return (base * (1 - pct / HUNDRED)).quantize(Decimal("0.0001"))

    take = rules.take_profit_pct
    return StopLevels(
        stop_loss=below(position.avg_cost, rules.stop_loss_pct),
        take_profit=None
        if take is None
        else (position.avg_cost * (1 + take / HUNDRED)).quantize(Decimal("0.0001")),
        trailing_stop=below(position.peak_price, rules.trailing_stop_pct),
    )


def unrealised(position: Position) -> Decimal | None:
    """At the mark `positions_table` annotates (`mark`), for an open position."""
    mark = getattr(position, "mark", None)
    if mark is None or position.status != PositionStatus.OPEN:
        return None
    value: Decimal = position.size * mark - position.cost_basis
    return value.quantize(Decimal("0.01"))


def breakers_open() -> QuerySet[Breaker]:
    return (
        Breaker.objects.filter(state=Breaker.State.OPEN)
        .select_related("strategy")
        .order_by("tripped_at", "pk")
    )


def redemptions_table(*, state: str = "") -> QuerySet[Redemption]:
    rows = Redemption.objects.select_related("market").order_by("-resolved_at", "-pk")
    if state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state:
        rows = rows.filter(state=state)
    return rows


def redemptions_waiting(*, now: datetime) -> tuple[int, int]:
    """(pending, overdue) winners still to redeem."""
    waiting = Redemption.objects.filter(state__in=OPEN_STATES).exclude(route=RedemptionRoute.NONE)
    overdue_before = now - timedelta(minutes=settings.REDEMPTION_ALERT_AFTER_MINUTES)
    return waiting.count(), waiting.filter(resolved_at__lt=overdue_before).count()


def redemption_overdue(redemption: Redemption, *, now: datetime) -> bool:
    limit = timedelta(minutes=settings.REDEMPTION_ALERT_AFTER_MINUTES)
    return (
        redemption.state in (RedemptionState.PENDING, RedemptionState.SUBMITTED)
        and redemption.route != RedemptionRoute.NONE
        and redemption.resolved_at is not None
        and now - redemption.resolved_at > limit
    )
