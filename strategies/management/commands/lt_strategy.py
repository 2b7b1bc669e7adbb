from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltproject.domain import TradingMode
from ltproject.errors import first_error_line
from strategies.services import strategy_create


class Command(BaseCommand):
    help = "Manage strategies: `lt_strategy create <slug> --mode paper|live|off`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a strategy with default risk rules.")
        create.add_argument("slug")
        create.add_argument("--mode", choices=TradingMode.values, default=TradingMode.OFF)
        create.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            strategy = strategy_create(
                slug=options["slug"], mode=options["mode"], name=options["name"]
            )
        except ValidationError as error:
            raise CommandError(first_error_line(error)) from None
        self.stdout.write(f"created strategy {strategy.slug} (mode {strategy.mode})")
