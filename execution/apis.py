"""Read-only execution APIs (session auth, staff)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from strategies.models import Strategy

from .selectors import strategy_comparison


@extend_schema_field({"type": "string", "format": "decimal"})
class DecimalString(serializers.CharField):
    """A Decimal the selector already rendered as a string, passed through unchanged (a
    DecimalField would re-quantize it and change the digits callers see)."""


def _decimal(help_text: str, *, nullable: bool = True) -> DecimalString:
    return DecimalString(help_text=help_text, allow_null=nullable)


class SlippageBucketOutput(serializers.Serializer[dict[str, Any]]):
    min_bps = _decimal("Inclusive lower edge, bps; null: unbounded.")
    max_bps = _decimal("Exclusive upper edge, bps; null: unbounded.")
    count = serializers.IntegerField(help_text="Traded signals whose slippage falls here.")


class ComparisonQualityOutput(serializers.Serializer[dict[str, Any]]):
    decision_to_post_ms_p50 = _decimal("Median ms from the risk decision to the POST.")
    decision_to_post_ms_p99 = _decimal("p99 (nearest rank) ms from the risk decision to the POST.")
    post_to_fill_ms_p50 = _decimal(
        "Median ms from the POST to the first fill: the POST's round trip for a fill made at "
        "the POST, the venue's match time (whole seconds) for a later one; never negative."
    )
    post_to_fill_ms_p99 = _decimal("p99 (nearest rank) ms from the POST to the first fill.")
    slippage_bps_p50 = _decimal("Median slippage against FT's price, bps (negative: better).")
    slippage_bps_buckets = SlippageBucketOutput(
        many=True, help_text="Traded signals per [min_bps, max_bps) bucket of slippage, in order."
    )
    fill_ratio_p50 = _decimal("Median share of the order's size that filled (0-1).")
    fees = _decimal("pUSD of venue fees on these signals' fills.", nullable=False)


class SignalOutcomeOutput(serializers.Serializer[dict[str, Any]]):
    signal_id = serializers.IntegerField()
    ft_signal_id = serializers.CharField()
    token_id = serializers.CharField()
    side = serializers.CharField(help_text="BUY or SELL.")
    ft_price = _decimal("FT's price.", nullable=False)
    ft_size = _decimal("FT's size, shares.")
    decision = serializers.CharField(help_text="accepted, rejected, or none (not decided yet).")
    reason_code = serializers.CharField(
        help_text="The venue's error code, else the risk reason code; empty when none."
    )
    order_status = serializers.CharField(allow_null=True, help_text="Null: no order.")
    filled = _decimal("Shares LT got.", nullable=False)
    avg_fill_price = _decimal("LT's average fill price.")
    mark = _decimal("1 / 0 once resolved, else the latest recorded mid.")
    ft_pnl = _decimal("FT's paper PnL at the mark, pUSD.")
    lt_pnl = _decimal("LT's PnL at the mark, pUSD, net of the venue's fees.")
    decision_to_post_ms = _decimal("ms from the risk decision to the POST; never negative.")
    post_to_fill_ms = _decimal("ms from the POST to the first fill; never negative.")
    slippage_bps = _decimal("Average fill against FT's price, bps (negative: better).")
    fill_ratio = _decimal("Share of the order's size that filled (0-1).")
    fees = _decimal("pUSD the venue charged this signal's fills.", nullable=False)


class ErrorOutput(serializers.Serializer[dict[str, Any]]):
    detail = serializers.CharField()


class StrategyComparisonApi(APIView):
    """FT's paper result against LT's on the same signals, with execution quality."""

    permission_classes = [IsAdminUser]

    class OutputSerializer(serializers.Serializer[dict[str, Any]]):
        strategy = serializers.CharField(help_text="The strategy's slug.")
        signals = serializers.IntegerField(help_text="Signals compared (the latest 1000).")
        traded = serializers.IntegerField(help_text="Signals LT got a fill for.")
        missed = serializers.IntegerField(help_text="Signals LT got no fill for.")
        missed_by_reason = serializers.DictField(
            child=serializers.IntegerField(),
            help_text="Missed signals per reason code (UNFILLED: an order that got nothing).",
        )
        ft_pnl = _decimal("FT's paper PnL on every signal, pUSD.", nullable=False)
        lt_pnl = _decimal("LT's PnL, pUSD.", nullable=False)
        ft_pnl_on_traded = _decimal(
            "FT's paper PnL on the signals LT traded, pUSD.", nullable=False
        )
        quality = ComparisonQualityOutput()
        rows = SignalOutcomeOutput(many=True, help_text="One per signal, newest first.")

        class Meta:
            ref_name = "StrategyComparison"

    @extend_schema(
        operation_id="strategy_comparison",
        responses={
            200: OpenApiResponse(
                OutputSerializer, "Totals, quality figures and one row per signal."
            ),
            # Session authentication sends no WWW-Authenticate challenge, so DRF answers a
            # request without a session 403, like a non-staff one, never 401.
            403: OpenApiResponse(
                ErrorOutput,
                "Not logged in (no session: 403 with `Authentication credentials were not "
                "provided.`, not 401), or logged in without staff status (`You do not have "
                "permission to perform this action.`).",
            ),
            404: OpenApiResponse(ErrorOutput, "No strategy with this slug."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        strategy = get_object_or_404(Strategy, slug=slug)
        return Response(self.OutputSerializer(strategy_comparison(strategy=strategy)).data)
