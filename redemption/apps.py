"""Resolution detection and on-chain redemption."""

from __future__ import annotations

from django.apps import AppConfig


class RedemptionConfig(AppConfig):
    name = "redemption"
    verbose_name = "Redemption"
    default_auto_field = "django.db.models.BigAutoField"
