"""Venue orders, fills, positions and market metadata."""

from __future__ import annotations

from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "execution"
    verbose_name = "Execution"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ltproject.jsontext import recursion_limit_restore
        from risk.market_data import set_market_data

        recursion_limit_restore()
        # Risk decisions and paper fills read books from the venue, through the adapter.
        from .market_data import VenueMarketData

        set_market_data(VenueMarketData())
