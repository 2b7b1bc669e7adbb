"""`python manage.py lt_sandbox [--port 8765] [--chain-port 8545] [--no-chain] [--scenario f]
[--seed N] [--speed N]`: the sandbox venue, by default with the sandbox chain (anvil + the
project's contracts). It prints the CHAIN_CONTRACTS JSON that points LT's redemption at it;
stopping the command stops anvil too."""

from __future__ import annotations

import json
import signal
import threading
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox.scenario import ScenarioError, load_scenario
from sandbox.server import ClockDriver, SandboxServer
from sandbox.venue import Venue

if TYPE_CHECKING:
    from sandbox.chain import Anvil, SandboxChain


class Command(BaseCommand):
    help = "Run the sandbox venue (a local Polymarket CLOB) and its chain until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--chain-port", type=int, default=8545, help="anvil's port; 0 picks a free one"
        )
        parser.add_argument(
            "--no-chain", action="store_true", help="no anvil: fills settle in the venue only"
        )
        parser.add_argument(
            "--block-time",
            type=float,
            default=2.0,
            help="seconds between the chain's blocks besides one per transaction, as on "
            "Polygon (0: only one per transaction)",
        )
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
        if options["block_time"] < 0:
            raise CommandError("--block-time must be >= 0")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        anvil, chain = (
            (None, None)
            if options["no_chain"]
            else _start_chain(options["chain_port"], options["block_time"])
        )
        server = driver = None
        try:
            # Clients heartbeat on wall time: keep the dead-man switch at 10 wall seconds.
            venue = Venue(
                scenario,
                seed=options["seed"],
                heartbeat_timeout=10.0 * max(speed, 1.0),
                chain=chain,
            )
            server = SandboxServer(venue, options["host"], options["port"]).start()
            driver = ClockDriver(venue, speed).start() if speed > 0 else None
            self.stdout.write(
                f"sandbox venue on {server.url} ({len(venue.markets)} markets, "
                f"seed {options['seed']}, speed {speed:g}×)"
            )
            if chain is not None:
                self.stdout.write(f"sandbox chain on {chain.rpc_url}")
                self.stdout.write(f"CHAIN_CONTRACTS={json.dumps(chain.addresses)}")
            self.stdout.flush()
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if driver is not None:
                driver.stop()
            if server is not None:
                server.stop()
            if anvil is not None:
                anvil.stop()


def _start_chain(port: int, block_time: float) -> tuple[Anvil, SandboxChain]:
    from sandbox.chain import AnvilError, start

    try:
        return start(port=port or None, block_time=block_time)
    except AnvilError as exc:
        raise CommandError(f"cannot start the sandbox chain: {exc}") from exc
