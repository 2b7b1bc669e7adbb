"""`manage.py lt_run` (what `make run` starts): serves the admin and the sandbox venue with its
chain, hands the chain's contracts to LT's jobs, prints a working login, and leaves no process
(anvil included) behind after Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pids_with_marker(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _read_until(process: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if re.search(pattern, seen):
            return seen
    raise AssertionError(f"never saw {pattern!r}; output so far:\n{seen}")


def _wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_HEALTH = (
    "import json; from monitoring.tasks import run_health_checks; "
    "from strategies.models import Strategy; "
    "print(json.dumps([run_health_checks(), "
    "dict(Strategy.objects.values_list('slug', 'health_status'))]))"
)


def _health_follows_the_venue(marker: str, process: subprocess.Popen[str]) -> None:
    """Health runs on lt_run's database see the sandbox venue, and report it stopped at the
    next run while LT itself keeps running."""
    (worker,) = [p for p in _pids_with_marker(marker) if "qcluster" in _cmdline(p)][:1]
    env = _environ(worker)
    _manage(env, "lt_strategy", "create", "health-probe", "--mode", "paper")
    checks, strategies = json.loads(_manage(env, "shell", "-c", _HEALTH).splitlines()[-1])
    assert checks["venue"] == "ok" and strategies["health-probe"] == "ok"
    (sandbox,) = [p for p in _pids_with_marker(marker) if "lt_sandbox" in _cmdline(p)]
    os.kill(sandbox, signal.SIGKILL)
    _read_until(process, r"The sandbox venue exited", timeout=10)
    checks, strategies = json.loads(_manage(env, "shell", "-c", _HEALTH).splitlines()[-1])
    assert checks["venue"] == "failing" and strategies["health-probe"] == "failing"
    assert process.poll() is None  # LT runs on without its venue


def test_lt_run_serves_admin_with_printed_login_and_stops_cleanly(tmp_path: Path) -> None:
    port, venue_port = _free_port(), _free_port()
    marker = f"LT_RUN_TEST_{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'lt.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            "CLOB_HOST": f"http://127.0.0.1:{venue_port}",
            marker: "1",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = _read_until(process, r"Press Ctrl-C", timeout=120)
        password = re.search(r"login admin / (\S+)", output).group(1)  # type: ignore[union-attr]
        assert "monitoring.health_checks: created" in output
        base = f"http://127.0.0.1:{port}"
        _wait_for_http(f"{base}/admin/login/", timeout=30)

        with httpx.Client(base_url=base, timeout=10) as client:
            login_page = client.get("/admin/login/")
            token = client.cookies["csrftoken"]
            assert login_page.status_code == 200
            response = client.post(
                "/admin/login/?next=/admin/",
                data={"username": "admin", "password": password, "csrfmiddlewaretoken": token},
                headers={"Referer": f"{base}/admin/login/"},
            )
            assert response.status_code == 302 and response.headers["location"] == "/admin/"
            index = client.get("/admin/")
            assert index.status_code == 200 and "Risk rules" in index.text
        _wait_for_http(f"http://127.0.0.1:{venue_port}/version", timeout=30)
        assert httpx.get(f"http://127.0.0.1:{venue_port}/version").json() == {"version": 2}
        assert f"venue:   http://127.0.0.1:{venue_port} (sandbox)" in output
        # lt_run, the sandbox, anvil, runserver, qcluster (+ its workers)
        assert len(_pids_with_marker(marker)) >= 5
        # The sandbox runs a chain, and LT's jobs were told where its contracts are.
        chain = httpx.get(f"http://127.0.0.1:{venue_port}/_sandbox/chain").json()
        assert f"chain:   {chain['rpc_url']} (sandbox)" in output
        told = [_environ(pid).get("CHAIN_CONTRACTS") for pid in _pids_with_marker(marker)]
        assert json.dumps(chain["contracts"]) in told
        rpc = {"jsonrpc": "2.0", "id": 1, "method": "eth_getCode"}
        code = httpx.post(
            chain["rpc_url"], json=rpc | {"params": [chain["contracts"]["ctf"], "latest"]}
        )
        assert len(code.json()["result"]) > 2  # the contracts are deployed there
        _health_follows_the_venue(marker, process)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    deadline = time.monotonic() + 5
    while _pids_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _pids_with_marker(marker) == []
