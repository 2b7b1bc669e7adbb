"""Strategy configuration, signal intake and API credentials."""

from __future__ import annotations

from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    name = "strategies"
    verbose_name = "Strategies"
    default_auto_field = "django.db.models.BigAutoField"
