"""LT's state for operators: `/status/`, `/strategies/`, `/strategies/{slug}/`, `/orders/`,
`/positions/`, read from the selectors the dashboard reads too."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from execution.models import Order, OrderStatus, Position, PositionStatus
from ltproject.domain import TradingMode
from monitoring.selectors import status_summary
from monitoring.selectors.strategies import strategy_figures
from monitoring.selectors.tables import (
    breakers_open,
    orders_table,
    positions_table,
    redemptions_waiting,
    stop_levels,
    unrealised,
)
from risk.models import TradingState
from strategies.models import Strategy

from .common import BAD_FILTER, FORBIDDEN, NOT_FOUND, OperatorApi, paged


def _money(**kwargs: Any) -> serializers.DecimalField:
    """pUSD, prices and shares go out as decimal strings, never floats."""
    return serializers.DecimalField(max_digits=30, decimal_places=6, **kwargs)


class StatusApi(OperatorApi):
    """The kill switch, each strategy's state and health, open alerts, redemptions waiting."""

    class StatusOutput(serializers.Serializer[Any]):
        class GlobalState(serializers.Serializer[Any]):
            trading_state = serializers.CharField()
            reason_code = serializers.CharField()

        class StrategyState(serializers.Serializer[Any]):
            slug = serializers.CharField()
            mode = serializers.CharField()
            trading_state = serializers.CharField(allow_null=True)
            health_status = serializers.CharField()

        global_state = GlobalState(source="global")
        strategies = StrategyState(many=True)
        health = serializers.DictField(child=serializers.CharField())
        open_alerts = serializers.IntegerField()
        undelivered_alerts = serializers.IntegerField()
        open_breakers = serializers.IntegerField()
        redemptions_pending = serializers.IntegerField()
        redemptions_overdue = serializers.IntegerField()

    @extend_schema(operation_id="status", responses={200: StatusOutput, 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        pending, overdue = redemptions_waiting(now=timezone.now())
        answer = status_summary() | {
            "open_breakers": breakers_open().count(),
            "redemptions_pending": pending,
            "redemptions_overdue": overdue,
        }
        return Response(self.StatusOutput(answer).data)


class PeriodOutput(serializers.Serializer[Any]):
    period = serializers.CharField()
    pnl = _money()
    budget_used = _money()
    budget_limit = _money(allow_null=True)


class StrategyOutput(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()
    mode = serializers.CharField()
    trading_state = serializers.CharField()
    reason_code = serializers.CharField()
    paused_until = serializers.DateTimeField(allow_null=True)
    health_status = serializers.CharField()
    health_checked_at = serializers.DateTimeField(allow_null=True)
    capital = _money()
    equity = _money()
    realised_pnl = _money()
    open_pnl = _money()
    exposure = _money()
    open_positions = serializers.IntegerField()
    periods = PeriodOutput(many=True)


class StrategyListApi(OperatorApi):
    """Every strategy with its P&L per period against its budgets, equity and exposure."""

    class FilterSerializer(serializers.Serializer[Any]):
        mode = serializers.ChoiceField(choices=TradingMode.values, required=False)
        trading_state = serializers.ChoiceField(choices=TradingState.values, required=False)

    @extend_schema(
        operation_id="strategies_list",
        parameters=[FilterSerializer],
        responses={200: StrategyOutput(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        wanted = self.filters(request)
        rows = Strategy.objects.select_related("risk_rules", "risk_state").order_by("slug")
        if "mode" in wanted:
            rows = rows.filter(mode=wanted["mode"])
        if "trading_state" in wanted:
            rows = rows.filter(risk_state__trading_state=wanted["trading_state"])
        # A page of strategies is read as figures in one go: a handful of queries a page.
        return paged(request, self, rows, StrategyOutput, prepare=_figures_now)


def _figures_now(page: list[Strategy]) -> list[Any]:
    return list(strategy_figures(now=timezone.now(), strategies=page))


class BreakerOutput(serializers.Serializer[Any]):
    kind = serializers.CharField()
    scope = serializers.SerializerMethodField()
    tripped_at = serializers.DateTimeField(allow_null=True)
    resume_at = serializers.DateTimeField(allow_null=True)
    resume_when_normal = serializers.BooleanField()
    last_value = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    threshold = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)

    def get_scope(self, breaker: Any) -> str:
        return breaker.strategy.slug if breaker.strategy else "global"


class PositionOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    strategy = serializers.CharField(source="strategy.slug")
    market_question = serializers.CharField(allow_null=True)
    outcome = serializers.CharField(source="market_outcome", allow_null=True)
    token_id = serializers.CharField()
    mode = serializers.CharField()
    status = serializers.CharField()
    size = _money()
    avg_cost = _money()
    cost_basis = _money()
    mark_price = _money(allow_null=True)
    unrealised_pnl = serializers.SerializerMethodField()
    realised_pnl = _money()
    stop_loss = serializers.SerializerMethodField()
    take_profit = serializers.SerializerMethodField()
    trailing_stop = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_unrealised_pnl(self, position: Position) -> str | None:
        value = unrealised(position)
        return None if value is None else str(value)

    def _levels(self, position: Position) -> Any:
        return stop_levels(position, position.strategy.risk_rules)

    def get_stop_loss(self, position: Position) -> str | None:
        return _text(self._levels(position).stop_loss)

    def get_take_profit(self, position: Position) -> str | None:
        return _text(self._levels(position).take_profit)

    def get_trailing_stop(self, position: Position) -> str | None:
        return _text(self._levels(position).trailing_stop)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class StrategyDetailApi(OperatorApi):
    """One strategy: its figures, risk state, breakers (its own and the global ones) and
    open positions."""

    class StrategyDetailOutput(StrategyOutput):
        message = serializers.CharField()
        consecutive_losses = serializers.IntegerField()
        equity_peak = _money()
        breakers = BreakerOutput(many=True)
        positions = PositionOutput(many=True)

    @extend_schema(
        operation_id="strategy_detail",
        responses={200: StrategyDetailOutput, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, slug: str) -> Response:
        strategy = get_object_or_404(
            Strategy.objects.select_related("risk_rules", "risk_state"), slug=slug
        )
        (figures,) = strategy_figures(now=timezone.now(), strategies=[strategy])
        state = getattr(strategy, "risk_state", None)
        answer = figures.__dict__ | {
            "equity": figures.equity,
            "message": state.message if state else "",
            "consecutive_losses": state.consecutive_losses if state else 0,
            "equity_peak": state.equity_peak if state else 0,
            "breakers": [b for b in breakers_open() if b.strategy_id in (None, strategy.pk)],
            "positions": positions_table(strategy=slug)[:200],
        }
        return Response(self.StrategyDetailOutput(answer).data)


class OrderOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    strategy = serializers.SerializerMethodField()
    market_question = serializers.CharField(allow_null=True)
    outcome = serializers.CharField(source="market_outcome", allow_null=True)
    token_id = serializers.CharField()
    side = serializers.CharField()
    order_type = serializers.CharField()
    purpose = serializers.CharField()
    mode = serializers.CharField()
    status = serializers.CharField()
    price = _money()
    size = _money()
    notional = _money()
    size_matched = _money()
    avg_fill_price = _money(allow_null=True)
    error_code = serializers.CharField()
    created_at = serializers.DateTimeField()
    posted_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)

    def get_strategy(self, order: Order) -> str | None:
        return order.strategy.slug if order.strategy else None


class OrderListApi(OperatorApi):
    """Orders, newest first, by strategy, status and mode."""

    class FilterSerializer(serializers.Serializer[Any]):
        strategy = serializers.SlugField(required=False)
        status = serializers.ChoiceField(choices=OrderStatus.values, required=False)
        mode = serializers.ChoiceField(choices=TradingMode.values, required=False)

    @extend_schema(
        operation_id="orders_list",
        parameters=[FilterSerializer],
        responses={200: OrderOutput(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        return paged(request, self, orders_table(**self.filters(request)), OrderOutput)


class PositionListApi(OperatorApi):
    """Positions of each strategy's current mode, newest first: open by default."""

    class FilterSerializer(serializers.Serializer[Any]):
        strategy = serializers.SlugField(required=False)
        status = serializers.ChoiceField(
            choices=[*PositionStatus.values, "any"], required=False, default=PositionStatus.OPEN
        )

    @extend_schema(
        operation_id="positions_list",
        parameters=[FilterSerializer],
        responses={200: PositionOutput(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        wanted = self.filters(request)
        status = "" if wanted["status"] == "any" else wanted["status"]
        rows = positions_table(strategy=wanted.get("strategy", ""), status=status)
        return paged(request, self, rows, PositionOutput)
