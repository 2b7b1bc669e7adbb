from __future__ import annotations

from django.urls import path

from .apis import SignalIntakeApi

urlpatterns = [
    path("signals/", SignalIntakeApi.as_view(), name="signals"),
]
