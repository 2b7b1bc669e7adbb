from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from monitoring.selectors import status_summary


class Command(BaseCommand):
    help = "Print LT's state as JSON: kill switch, strategies, health, pending alerts."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(status_summary(), indent=2))
