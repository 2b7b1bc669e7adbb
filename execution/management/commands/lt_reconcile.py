from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from execution.reconcile import reconcile
from execution.venue import VenueError


class Command(BaseCommand):
    help = "Reconcile orders, fills and positions with the venue now; prints the report as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = reconcile()
        except VenueError as error:
            message = f"reconciliation failed: {type(error).__name__}: {error.message}"
            raise CommandError(message) from None
        document = {**asdict(report), "clean": report.clean}
        # Decimals (the wallet's pUSD) as their exact digits, never floats.
        self.stdout.write(json.dumps(document, indent=2, default=str))
        if not report.clean:
            raise CommandError("ledger and venue disagree; new live entries stay halted")
