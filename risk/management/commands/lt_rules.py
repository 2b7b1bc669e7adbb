from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ltproject.jsontext import JSONTooDeep, json_loads_bounded
from risk.rules_io import RulesImportError, rules_export, rules_import
from strategies.selectors import strategy_by_slug_or_error


class Command(BaseCommand):
    help = "Export a strategy's risk rules as JSON, or validate and import them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Print the rules as JSON.")
        export.add_argument("slug")
        imp = sub.add_parser("import", help="Validate and save rules from a file or - (stdin).")
        imp.add_argument("slug")
        imp.add_argument("file")

    def handle(self, *args: Any, action: str, slug: str, **options: Any) -> None:
        strategy = strategy_by_slug_or_error(slug)
        if action == "export":
            self.stdout.write(json.dumps(rules_export(strategy.risk_rules), indent=2))
            return
        document = _read_document(options["file"])
        try:
            rules = rules_import(strategy.risk_rules, document)
        except RulesImportError as error:
            raise CommandError(f"rules not imported: {error}") from None
        self.stdout.write(f"imported rules for {strategy.slug} (rules #{rules.pk})")


def _read_document(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {source}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"cannot read {source}: not UTF-8 text") from None
    try:
        # Decimals stay exact: 0.1 in the file is Decimal("0.1"), never a float.
        return json_loads_bounded(text)
    except JSONTooDeep as error:
        raise CommandError(f"rules not imported: {error}") from None
    except json.JSONDecodeError as error:
        raise CommandError(f"rules not imported: invalid JSON ({error})") from None
