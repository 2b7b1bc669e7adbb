"""`manage.py lt_demo_feed [--url URL] [--file F] [--speed N] [--loop]`: the `make run` demo.

Ensures the two demo strategies (`demo-copy-paper`, `demo-copy-live`) and their signing keys,
funds LT's wallet at the sandbox faucet, reconciles, then POSTs the bundled FT signal stream
to LT's signal API, signed, printing one line per decision (see sandbox/demo.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from execution.venue.session import get_venue
from sandbox.demo import (
    DEMO_FILE,
    DemoError,
    demo_feed,
    demo_plan,
    demo_reconcile,
    demo_strategies_ensure,
    demo_wallet_prepare,
    tally_lines,
)


class Command(BaseCommand):
    help = (
        "Feed the bundled FT signal stream into the demo strategies (one paper, one live "
        "against the sandbox venue) through LT's signal API."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        port = os.environ.get("LT_PORT", "8000")
        parser.add_argument("--url", default=f"http://127.0.0.1:{port}", help="LT's base URL")
        parser.add_argument("--file", type=Path, default=DEMO_FILE, help="FT signals, JSON lines")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="× the file's timing; 0 sends at once"
        )
        parser.add_argument("--loop", action="store_true", help="start over at the end")

    def handle(
        self, *args: Any, url: str, file: Path, speed: float, loop: bool, **options: Any
    ) -> None:
        if speed < 0:
            raise CommandError("--speed must be >= 0")
        try:
            self._run(url=url.rstrip("/"), path=file, speed=speed, loop=loop)
        except DemoError as error:
            raise CommandError(str(error)) from None

    def _run(self, *, url: str, path: Path, speed: float, loop: bool) -> None:
        plan = demo_plan(path=path)  # every check that needs no write comes first
        targets = demo_strategies_ensure()
        venue = get_venue()
        demo_wallet_prepare(venue=venue, write=self._line)
        demo_reconcile(write=self._line)
        slugs = ", ".join(f"{t.slug} ({t.mode})" for t in targets)
        self._line(f"demo: {len(plan.signals)} FT signals from {path.name} -> {slugs} at {url}")
        with httpx.Client(base_url=url, timeout=30) as client:
            while True:
                tally = demo_feed(
                    plan, targets=targets, client=client, venue=venue, write=self._line, speed=speed
                )
                for line in tally_lines(tally, targets):
                    self._line(line)
                if not loop:
                    return

    def _line(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
