"""Alerts for operators: list them (unresolved by default), acknowledge or resolve one."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring.alerts import alert_acknowledge, alert_close
from monitoring.models import Alert
from strategies.models import Strategy

from .common import BAD_FILTER, FORBIDDEN, NOT_FOUND, OperatorApi, paged


class AlertOutput(serializers.ModelSerializer[Alert]):
    strategy: serializers.SlugRelatedField[Strategy] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    market = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = (
            "id",
            "severity",
            "state",
            "reason_code",
            "subject",
            "message",
            "action",
            "strategy",
            "market",
            "outcome",
            "context",
            "count",
            "created_at",
            "last_seen_at",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "resolution",
            "delivery",
            "sent_at",
            "attempts",
            "last_error",
        )

    def get_market(self, alert: Alert) -> str | None:
        if alert.market is None:
            return None
        return alert.market.question or alert.market.condition_id


class AlertListApi(OperatorApi):
    """Alerts, newest first: unresolved by default (`?state=` open, acknowledged, resolved)."""

    class FilterSerializer(serializers.Serializer[dict[str, Any]]):
        state = serializers.ChoiceField(choices=[*Alert.State.values, "unresolved"], required=False)
        severity = serializers.ChoiceField(choices=Alert.Severity.values, required=False)
        strategy = serializers.SlugField(required=False)

    @extend_schema(
        operation_id="alerts_list",
        parameters=[FilterSerializer],
        responses={200: AlertOutput(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        wanted = self.filters(request)
        alerts = Alert.objects.select_related("strategy", "market").order_by("-last_seen_at", "-pk")
        state = wanted.get("state", "unresolved")
        if state == "unresolved":
            alerts = alerts.exclude(state=Alert.State.RESOLVED)
        else:
            alerts = alerts.filter(state=state)
        if "severity" in wanted:
            alerts = alerts.filter(severity=wanted["severity"])
        if "strategy" in wanted:
            alerts = alerts.filter(strategy__slug=wanted["strategy"])
        return paged(request, self, alerts, AlertOutput)


class _AlertActionApi(OperatorApi):
    class InputSerializer(serializers.Serializer[dict[str, Any]]):
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    def act(self, alert: Alert, actor: str, note: str) -> bool:
        raise NotImplementedError

    verb = ""

    def post(self, request: Request, pk: int) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = get_object_or_404(Alert, pk=pk)
        actor = request.user.get_username()
        if not self.act(alert, actor, body.validated_data.get("note", "")):
            return Response(
                {"detail": f"alert {pk} is {alert.state}: it cannot be {self.verb}"},
                status=status.HTTP_409_CONFLICT,
            )
        alert.refresh_from_db()
        return Response(AlertOutput(alert).data)


_ACTION_RESPONSES = {
    200: AlertOutput,
    400: OpenApiResponse(description="A bad note (too long): the field's error."),
    403: FORBIDDEN,
    404: NOT_FOUND,
    409: OpenApiResponse(description="Not in a state that allows it (e.g. resolved already)."),
}


class AlertAcknowledgeApi(_AlertActionApi):
    """Acknowledge an open alert: recorded with who and when; repeats stop mailing."""

    verb = "acknowledged"

    def act(self, alert: Alert, actor: str, note: str) -> bool:
        return alert_acknowledge(alert=alert, actor=actor)

    @extend_schema(
        operation_id="alert_acknowledge",
        request=_AlertActionApi.InputSerializer,
        responses=_ACTION_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class AlertResolveApi(_AlertActionApi):
    """Resolve an open or acknowledged alert by hand, with an optional note."""

    verb = "resolved"

    def act(self, alert: Alert, actor: str, note: str) -> bool:
        return alert_close(alert=alert, actor=actor, note=note)

    @extend_schema(
        operation_id="alert_resolve",
        request=_AlertActionApi.InputSerializer,
        responses=_ACTION_RESPONSES,
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
