"""`manage.py lt_sandbox` serves the venue and runs its clock faster than wall time."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_lt_sandbox_serves_and_speeds_up_the_clock():
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ltproject.settings"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_sandbox", "--port", "0", "--speed", "50", "--seed", "3"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line
        assert httpx.get(f"{url.group(0)}/version").json() == {"version": 2}
        first = httpx.get(f"{url.group(0)}/time").json()
        time.sleep(0.5)
        assert httpx.get(f"{url.group(0)}/time").json() - first >= 10
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
