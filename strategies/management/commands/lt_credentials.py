from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from strategies.selectors import strategy_by_slug_or_error
from strategies.services import credential_issue, credential_revoke


class Command(BaseCommand):
    help = (
        "Issue a signal-signing key for a strategy and print it once as "
        '{"key_id": ..., "secret": ...}. The secret is not stored and cannot be shown again.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--revoke-others", action="store_true", help="Revoke the strategy's older keys."
        )

    def handle(self, *args: Any, slug: str, revoke_others: bool = False, **options: Any) -> None:
        strategy = strategy_by_slug_or_error(slug)
        if revoke_others:
            for credential in strategy.credentials.filter(is_active=True):
                credential_revoke(credential=credential)
        issued = credential_issue(strategy=strategy)
        self.stdout.write(json.dumps({"key_id": issued.key_id, "secret": issued.secret}))
