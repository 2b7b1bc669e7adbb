"""`lt_redeem [--dry-run]`: one resolution + redemption pass by hand."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from redemption.chain import get_chain
from redemption.resolution import ChainResolutionSource, resolutions_detect
from redemption.selectors import markets_awaiting_resolution, redemptions_due
from redemption.services import (
    redemption_preview,
    redemptions_alert_overdue,
    redemptions_process,
)


class Command(BaseCommand):
    help = (
        "Detect resolutions and advance due redemptions once (--dry-run: report, change nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read the chain and print what a pass would do; write and send nothing.",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        chain = get_chain()
        if dry_run:
            self._dry_run(chain)
            return
        resolved = resolutions_detect(chain=chain)
        processed = redemptions_process(chain=chain)
        alerts = redemptions_alert_overdue()
        summary = {"resolved": resolved, "processed": processed, "overdue_alerts": alerts}
        self.stdout.write(json.dumps(summary))

    def _dry_run(self, chain: Any) -> None:
        source = ChainResolutionSource(chain)
        for market in markets_awaiting_resolution():
            slots = max(market.tokens.count(), 2)
            resolution = source.resolution(market.condition_id, slots)
            if resolution is not None:
                line = {"would_resolve": market.condition_id, "numerators": resolution.numerators}
                self.stdout.write(json.dumps(line))
        for redemption in redemptions_due():
            self.stdout.write(json.dumps(redemption_preview(redemption=redemption, chain=chain)))
