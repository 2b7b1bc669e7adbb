from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from execution.heartbeat import INTERVAL_S, heartbeat_loop
from monitoring.watchdog import watchdog_loop


class Command(BaseCommand):
    help = (
        "Send venue heartbeats while live orders rest, and watch that the job queue runs "
        "(run beside the q-cluster)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=INTERVAL_S)

    def handle(self, *args: Any, interval: float, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"heartbeats every {interval:g} s while live orders rest")
        watchdog = threading.Thread(target=watchdog_loop, args=(stop,), name="lt-watchdog")
        watchdog.start()
        heartbeat_loop(stop, interval)
        watchdog.join()
