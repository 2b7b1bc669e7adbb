from __future__ import annotations

from django.urls import path

from .apis import StrategyComparisonApi

urlpatterns = [
    path(
        "strategies/<slug:slug>/comparison/",
        StrategyComparisonApi.as_view(),
        name="strategy-comparison",
    ),
]
