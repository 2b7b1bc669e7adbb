"""A gunicorn server of LT on the test database, as production runs it, for tests that need
a real server process (crashes, lost databases)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def gunicorn(log: Path, *, database_port: int | None = None, **env: str) -> Iterator[Server]:
    """One sync worker on a free port; `database_port` puts something (a proxy) in front of
    the test database."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    db = connection.settings_dict
    database = f"127.0.0.1:{database_port}" if database_port else f"{db['HOST']}:{db['PORT']}"
    full = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{database}/{db['NAME']}",
        "ALLOWED_HOSTS": "127.0.0.1",
        **env,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ltproject.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
            cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(port=port, process=process, log=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{server.url}/api/schema/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
