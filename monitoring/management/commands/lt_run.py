"""`make run`: set up the database, then run the web server and the job cluster together.

Each child runs in its own session (process group) so that Ctrl-C reaches this command
only, and this command stops every process it started, grandchildren included (the
q-cluster forks its workers), before it exits.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Run LT locally: migrate, admin login, schedules, web server and q-cluster."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("LT_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("LT_PORT", "8000")))
        parser.add_argument("--admin-user", default="admin")
        parser.add_argument(
            "--no-sandbox",
            action="store_true",
            help="Do not start the sandbox venue (CLOB_HOST points at a real one).",
        )

    def handle(
        self, *args: Any, host: str, port: int, admin_user: str, no_sandbox: bool, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        password = _reset_admin_password(admin_user)
        call_command("setup_schedules", stdout=self.stdout)
        children = []
        venue_line = f"  venue:   {settings.CLOB_HOST}\n"
        if not no_sandbox:
            sandbox = urlsplit(settings.CLOB_HOST)
            if sandbox.hostname not in ("127.0.0.1", "localhost") or not sandbox.port:
                raise CommandError(
                    f"CLOB_HOST {settings.CLOB_HOST} is not a loopback address the sandbox "
                    "can serve; use --no-sandbox to trade against it"
                )
            children.append(_spawn("lt_sandbox", "--port", str(sandbox.port)))
            venue_line = f"  venue:   {settings.CLOB_HOST} (sandbox)\n"
        children += [
            _spawn("runserver", "--noreload", f"{host}:{port}"),
            _spawn("qcluster"),
            _spawn("lt_heartbeat"),
        ]
        base = f"http://{host}:{port}"
        self.stdout.write(
            "\nLT is running.\n"
            f"  admin:   {base}/admin/   login {admin_user} / {password}\n"
            f"  API:     {base}/api/schema/\n"
            f"{venue_line}"
            "Press Ctrl-C to stop everything.\n"
        )
        _wait_then_stop(children)


def _reset_admin_password(username: str) -> str:
    """A fresh random password on every run: the demo never ships a known login."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.is_staff = user.is_superuser = True
    user.save()
    return password


def _spawn(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        start_new_session=True,
    )


def _wait_then_stop(children: list[subprocess.Popen[bytes]]) -> None:
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        # One child dying (a port in use, a crash) stops the whole set: half a system that
        # looks alive is worse than none.
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        _stop(children)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        # SIGKILL the group even after a clean exit: workers the child forked may linger.
        _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
