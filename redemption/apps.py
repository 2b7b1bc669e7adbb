"""Resolution detection and on-chain redemption."""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class RedemptionConfig(AppConfig):
    name = "redemption"
    verbose_name = "Redemption"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if settings.LIVE_TRADING:
            # Registers the Safe system check too; refuses a wallet LT cannot drive.
            from .startup import refuse_unusable_wallet

            refuse_unusable_wallet()
