from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from execution.stream_runner import StreamRunner


class Command(BaseCommand):
    help = (
        "Follow the venue's WebSocket channels: fills, books, ticks and stops as they happen. "
        "One acts per deployment; a second one stands by and takes over when it dies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ws-host", default="", help="The channels' host (default: CLOB_WS_HOST)."
        )

    def handle(self, *args: Any, ws_host: str, **options: Any) -> None:
        runner = StreamRunner(ws_host=ws_host or None)
        signal.signal(signal.SIGTERM, lambda *_: runner.stop())
        signal.signal(signal.SIGINT, lambda *_: runner.stop())
        self.stdout.write(f"stream: {ws_host or settings.CLOB_WS_HOST} (standing by for the lease)")
        runner.run()
