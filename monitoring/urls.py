from __future__ import annotations

from django.urls import path

from .apis.alerts import AlertAcknowledgeApi, AlertListApi, AlertResolveApi
from .apis.health import HealthApi
from .apis.status import (
    OrderListApi,
    PositionListApi,
    StatusApi,
    StrategyDetailApi,
    StrategyListApi,
)

urlpatterns = [
    path("status/", StatusApi.as_view(), name="status"),
    path("strategies/", StrategyListApi.as_view(), name="strategies"),
    path("strategies/<slug:slug>/", StrategyDetailApi.as_view(), name="strategy-detail"),
    path("orders/", OrderListApi.as_view(), name="orders"),
    path("positions/", PositionListApi.as_view(), name="positions"),
    path("alerts/", AlertListApi.as_view(), name="alerts"),
    path("alerts/<int:pk>/acknowledge/", AlertAcknowledgeApi.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", AlertResolveApi.as_view(), name="alert-resolve"),
    path("health/", HealthApi.as_view(), name="health"),
]
