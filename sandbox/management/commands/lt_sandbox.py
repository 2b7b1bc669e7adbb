"""`python manage.py lt_sandbox [--port 8765] [--scenario file.json] [--seed N] [--speed N]`."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.scenario import ScenarioError, load_scenario
from sandbox.server import ClockDriver, SandboxServer
from sandbox.venue import Venue


class Command(BaseCommand):
    help = "Run the sandbox venue (a local Polymarket CLOB) until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--scenario", default=None, help="scenario JSON (default: bundled)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--speed", type=float, default=1.0, help="clock speed × wall time; 0 freezes it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = load_scenario(options["scenario"])
        except ScenarioError as exc:
            raise CommandError(str(exc)) from exc
        speed = float(options["speed"])
        if speed < 0:
            raise CommandError("--speed must be >= 0")
        # Clients heartbeat on wall time: keep the dead-man switch at 10 wall seconds.
        venue = Venue(scenario, seed=options["seed"], heartbeat_timeout=10.0 * max(speed, 1.0))
        server = SandboxServer(venue, options["host"], options["port"]).start()
        driver = ClockDriver(venue, speed).start() if speed > 0 else None
        self.stdout.write(
            f"sandbox venue on {server.url} ({len(venue.markets)} markets, "
            f"seed {options['seed']}, speed {speed:g}×)"
        )
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if driver is not None:
                driver.stop()
            server.stop()
