"""How `lt_run` starts the demo: LT's own sandbox wallet, a feed whose end leaves LT up, and
the feed's summary as the last lines of the demo."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from monitoring.management.commands.lt_run import (
    CHILD_LOG_LEVELS,
    _child_env,
    _demo_wallet_env,
    _FeedRelay,
    _wait_then_stop,
)
from sandbox.chain import ANVIL_KEYS
from sandbox.demo import DEMO_SIGNER_KEY


def test_demo_trades_with_a_wallet_of_its_own_unless_one_is_configured() -> None:
    assert _demo_wallet_env({}) == {"LIVE_TRADING": "true", "SIGNER_PRIVATE_KEY": DEMO_SIGNER_KEY}
    assert ANVIL_KEYS[0] != DEMO_SIGNER_KEY  # the sandbox chain's faucet and oracle
    assert _demo_wallet_env({"SIGNER_PRIVATE_KEY": "0xabc"}) == {"LIVE_TRADING": "true"}
    assert _demo_wallet_env({"SIGNER_PRIVATE_KEY_FILE": "/run/k"}) == {"LIVE_TRADING": "true"}


def test_children_log_requests_and_jobs_at_warning_unless_the_environment_says() -> None:
    env = _child_env({}, base="http://127.0.0.1:8001")
    assert {name: env[name] for name in CHILD_LOG_LEVELS} == {
        "LOG_LEVEL_REQUESTS": "WARNING",
        "LOG_LEVEL_JOBS": "WARNING",
    }
    assert env["LT_BASE_URL"] == "http://127.0.0.1:8001"  # alert mails link the admin here
    assert env["ALERT_EMAILS"] == "operator@localhost"
    mine = _child_env({"LOG_LEVEL_JOBS": "INFO", "LT_BASE_URL": "https://lt"}, base="x")
    assert mine["LOG_LEVEL_JOBS"] == "INFO" and mine["LT_BASE_URL"] == "https://lt"


@pytest.fixture
def restored_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _python(code: str, stdout: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdout=stdout)


@pytest.mark.usefixtures("restored_signals")
def test_the_feed_or_the_venue_ending_leaves_lt_running_until_it_is_stopped() -> None:
    server = _python("import time; time.sleep(60)")
    feed = _python("pass")
    venue = _python("import sys; sys.exit(3)")
    said: list[str] = []
    stop = threading.Timer(1.5, signal.raise_signal, (signal.SIGTERM,))
    stop.start()

    companions = {"the sandbox venue": venue, "the demo feed": feed}
    _wait_then_stop([server], companions=companions, write=said.append)

    assert sorted(said[:2]) == [
        "The demo feed is done; LT keeps running (Ctrl-C stops it).",
        "The sandbox venue exited 3; LT keeps running (Ctrl-C stops it).",
    ]
    assert said[2:] == ["Stopping LT (SIGTERM): every process it started."]
    assert server.returncode is not None and server.returncode < 0  # stopped by us, not dead
    stop.cancel()


_FEED = """
print("demo: reconciled with the venue; live entries are open")
print("[paper] ft-copy-0001 BUY  fed-cut-december Yes 80 @ 0.61 -> accepted")
print("demo: demo-copy-paper (paper): 1 accepted, 0 rejected")
print("demo: demo-copy-live (live): 0 accepted, 1 rejected, 1 refused by the API")
"""


@pytest.mark.usefixtures("restored_signals")
def test_the_feeds_summary_comes_last_under_its_end() -> None:
    server = _python("import time; time.sleep(60)")
    said: list[str] = []
    feed = _FeedRelay(_python(_FEED, stdout=subprocess.PIPE), said.append)
    stop = threading.Timer(1.5, signal.raise_signal, (signal.SIGINT,))
    stop.start()

    _wait_then_stop(
        [server],
        companions={"the demo feed": feed.process},
        closing={"the demo feed": feed.tally},
        write=said.append,
    )

    assert said == [
        "demo: reconciled with the venue; live entries are open",
        "[paper] ft-copy-0001 BUY  fed-cut-december Yes 80 @ 0.61 -> accepted",
        "The demo feed is done; LT keeps running (Ctrl-C stops it).",
        "demo: demo-copy-paper (paper): 1 accepted, 0 rejected",
        "demo: demo-copy-live (live): 0 accepted, 1 rejected, 1 refused by the API",
        "Stopping LT (Ctrl-C): every process it started.",
    ]
    stop.cancel()


def test_a_supervised_stream_that_dies_is_started_again_and_stopped_with_lt() -> None:
    server = _python("import time; time.sleep(60)")
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        started.append(_python("import time; time.sleep(60)"))
        return started[-1]

    dying = _python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    said: list[str] = []
    stop = threading.Timer(1.5, signal.raise_signal, (signal.SIGTERM,))
    stop.start()

    _wait_then_stop([server], supervised={"the venue stream": (dying, start)}, write=said.append)

    assert said == [
        "The venue stream exited -9; started again.",
        "Stopping LT (SIGTERM): every process it started.",
    ]
    assert len(started) == 1 and started[0].returncode is not None  # stopped with LT
    stop.cancel()
