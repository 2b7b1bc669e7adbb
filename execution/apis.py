"""Read-only execution APIs (session auth, staff)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from strategies.models import Strategy

from .selectors import strategy_comparison


class StrategyComparisonApi(APIView):
    """FT's paper result against LT's on the same signals, with execution quality."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="strategy_comparison",
        responses={
            200: OpenApiResponse(description="Totals, quality figures and one row per signal.")
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        strategy = get_object_or_404(Strategy, slug=slug)
        return Response(strategy_comparison(strategy=strategy))
