from __future__ import annotations

from django.urls import path

from .apis import AlertAcknowledgeApi, AlertListApi, AlertResolveApi, HealthApi

urlpatterns = [
    path("alerts/", AlertListApi.as_view(), name="alerts"),
    path("alerts/<int:pk>/acknowledge/", AlertAcknowledgeApi.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", AlertResolveApi.as_view(), name="alert-resolve"),
    path("health/", HealthApi.as_view(), name="health"),
]
