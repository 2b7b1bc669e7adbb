"""`GET /api/v1/health/`: the latest result of every check, and each strategy's health."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring.selectors import latest_health
from strategies.models import Strategy

from .common import FORBIDDEN, OperatorApi


class HealthCheckOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField()
    checked_at = serializers.DateTimeField()
    duration_ms = serializers.DecimalField(max_digits=12, decimal_places=3)


class StrategyHealthOutput(serializers.Serializer[Any]):
    slug = serializers.CharField()
    mode = serializers.CharField()
    health_status = serializers.CharField()
    health_checked_at = serializers.DateTimeField(allow_null=True)


class HealthApi(OperatorApi):
    """The latest result of every health check, and each strategy's health."""

    class HealthOutput(serializers.Serializer[Any]):
        checks = HealthCheckOutput(many=True)
        strategies = StrategyHealthOutput(many=True)

    @extend_schema(operation_id="health", responses={200: HealthOutput, 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        strategies = Strategy.objects.order_by("slug")
        answer = {"checks": latest_health(), "strategies": strategies}
        return Response(self.HealthOutput(answer).data)
