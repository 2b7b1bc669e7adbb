"""`lt_run` (what `make run` starts) killed outright: none of its processes — web server,
job cluster and workers, heartbeat, stream, demo feed, sandbox, anvil — is left 10 s later."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from monitoring.lifeline import lifeline_watch
from tests.test_make_run import ROOT, _cmdline, _Console, _free_port, _lt_run_env, _pids_with_marker

GONE_SECONDS = 10.0


@pytest.mark.slow
def test_sigkill_of_lt_run_leaves_no_process_of_it_after_ten_seconds(tmp_path: Path) -> None:
    marker = f"LT_RUN_TEST_{uuid.uuid4().hex}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_run", "--port", str(_free_port())],
        cwd=ROOT,
        env=_lt_run_env(tmp_path, marker, _free_port()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    console = _Console(process)
    try:
        console.wait_for(r"\[live \] ft-copy-0001", timeout=120)  # the demo feed is sending
        started = {pid: _cmdline(pid) for pid in _pids_with_marker(marker)}
        kinds = " ".join(started.values())
        for kind in ("runserver", "lt_qcluster", "lt_heartbeat", "lt_stream", "lt_demo_feed"):
            assert kind in kinds
        assert "anvil" in kinds and "lt_sandbox" in kinds
        process.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        process.wait(timeout=10)
        while _pids_with_marker(marker) and time.monotonic() < killed + GONE_SECONDS:
            time.sleep(0.1)
        left = {pid: _cmdline(pid) for pid in _pids_with_marker(marker)}
        assert left == {}, f"left {time.monotonic() - killed:.1f} s after the kill: {left}"
    finally:
        for pid in _pids_with_marker(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_without_a_lifeline_in_the_environment_nothing_is_watched() -> None:
    assert lifeline_watch({"PATH": "/usr/bin"}) is False


def test_a_lifeline_named_by_another_process_than_the_parent_is_not_watched() -> None:
    """A command run with a copy of a child's environment (tests read it from /proc)."""
    read, write = os.pipe()
    environ = {"LT_LIFELINE": f"{read}:{os.getpid()}"}  # this process is not our parent
    try:
        assert lifeline_watch(environ) is False
        assert environ == {}  # and not handed down
    finally:
        os.close(read)
        os.close(write)
