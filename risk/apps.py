"""Pre-trade checks, sizing, budgets, trading states and circuit breakers."""

from __future__ import annotations

from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = "Risk"
    default_auto_field = "django.db.models.BigAutoField"
