"""How `lt_run` starts the demo: LT's own sandbox wallet, and a feed whose end leaves LT up."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from monitoring.management.commands.lt_run import _demo_wallet_env, _wait_then_stop
from sandbox.chain import ANVIL_KEYS
from strategies.demo import DEMO_SIGNER_KEY


def test_demo_trades_with_a_wallet_of_its_own_unless_one_is_configured() -> None:
    assert _demo_wallet_env({}) == {"LIVE_TRADING": "true", "SIGNER_PRIVATE_KEY": DEMO_SIGNER_KEY}
    assert ANVIL_KEYS[0] != DEMO_SIGNER_KEY  # the sandbox chain's faucet and oracle
    assert _demo_wallet_env({"SIGNER_PRIVATE_KEY": "0xabc"}) == {"LIVE_TRADING": "true"}
    assert _demo_wallet_env({"SIGNER_PRIVATE_KEY_FILE": "/run/k"}) == {"LIVE_TRADING": "true"}


@pytest.fixture
def restored_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


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

    assert sorted(said) == [
        "The demo feed is done; LT keeps running (Ctrl-C stops it).",
        "The sandbox venue exited 3; LT keeps running (Ctrl-C stops it).",
    ]
    assert server.returncode is not None and server.returncode < 0  # stopped by us, not dead
    stop.cancel()
