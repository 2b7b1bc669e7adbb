"""`manage.py lt_run` (what `make run` starts): refuses a taken port in one line before starting
anything, serves the admin and the sandbox venue with its chain, hands the chain's contracts to
LT's jobs, prints a working login, keeps the console free of access and job lines, and leaves
no process (anvil included) behind within 5 s of Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.management.base import CommandError
from django.test import override_settings

from monitoring.management.commands.lt_run import Port, ports_check, ports_needed

ROOT = Path(__file__).resolve().parent.parent
STOP_LIMIT_SECONDS = 5.0  # from Ctrl-C to lt_run's exit, every child gone
QUIET_SECONDS = 10.0  # console watched this long after the banner for access and job lines


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something listens on, as when another `make run` is up."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


# --- the port check alone (no processes) ------------------------------------------------


def test_a_taken_port_is_one_line_naming_the_setting(taken_port: int) -> None:
    web = Port("127.0.0.1", taken_port, "LT_PORT", "set LT_PORT to a free port")
    with pytest.raises(CommandError) as refused:
        ports_check([web])
    assert str(refused.value) == (
        f"port {taken_port} is in use: set LT_PORT to a free port (or stop what listens there)"
    )


def test_free_ports_pass_and_one_port_named_twice_does_not() -> None:
    port = _free_port()
    ports_check([Port("127.0.0.1", port, "LT_PORT", "set LT_PORT to a free port")])
    twice = [
        Port("127.0.0.1", port, "LT_PORT", "set LT_PORT to a free port"),
        Port("127.0.0.1", port, "CLOB_HOST", "set CLOB_HOST to http://127.0.0.1:<a free port>"),
    ]
    with pytest.raises(CommandError, match=f"LT_PORT and CLOB_HOST both name port {port}"):
        ports_check(twice)


def test_the_ports_needed_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAIN_RPC_URL", "http://localhost:9545")
    with override_settings(CLOB_HOST="http://127.0.0.1:9765"):
        needed = ports_needed("127.0.0.1", 9000, sandbox=True)
        assert [(p.port, p.setting) for p in needed] == [
            (9000, "LT_PORT"),
            (9765, "CLOB_HOST"),
            (9545, "CHAIN_RPC_URL"),
        ]
        # Without the sandbox nothing local serves the venue or the chain.
        assert [p.setting for p in ports_needed("127.0.0.1", 9000, sandbox=False)] == ["LT_PORT"]
    monkeypatch.setenv("CHAIN_RPC_URL", "https://polygon.example.com")  # anvil picks a port
    with override_settings(CLOB_HOST="http://127.0.0.1:9765"):
        assert "CHAIN_RPC_URL" not in [p.setting for p in ports_needed("::1", 1, sandbox=True)]
    with (
        override_settings(CLOB_HOST="https://clob.polymarket.com"),
        pytest.raises(CommandError, match="--no-sandbox"),
    ):
        ports_needed("127.0.0.1", 9000, sandbox=True)


# --- the real lt_run --------------------------------------------------------------------


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


class _Console:
    """lt_run's output, read by a thread so the test can also wait on time, not only lines."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._lines.append("")  # end of output
            self._changed.notify_all()

    @property
    def text(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not re.search(pattern, "".join(self._lines)):
                left = deadline - time.monotonic()
                if left <= 0 or (self._lines and self._lines[-1] == ""):
                    raise AssertionError(
                        f"never saw {pattern!r}; output so far:\n{''.join(self._lines)}"
                    )
                self._changed.wait(timeout=left)
            return "".join(self._lines)


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


def _lt_run_env(tmp_path: Path, marker: str, venue_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    for name in ("CHAIN_RPC_URL", "LOG_LEVEL_REQUESTS", "LOG_LEVEL_JOBS"):
        env.pop(name, None)  # the defaults under test, whatever this shell sets
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'lt.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            "CLOB_HOST": f"http://127.0.0.1:{venue_port}",
            marker: "1",
        }
    )
    return env


@pytest.mark.slow
@pytest.mark.parametrize("taken", ["LT_PORT", "CLOB_HOST"])
def test_a_taken_port_stops_lt_run_before_anything_starts(
    tmp_path: Path, taken_port: int, taken: str
) -> None:
    marker = f"LT_RUN_TEST_{uuid.uuid4().hex}"
    web, venue = (taken_port, _free_port()) if taken == "LT_PORT" else (_free_port(), taken_port)
    done = subprocess.run(
        [sys.executable, "manage.py", "lt_run", "--port", str(web)],
        cwd=ROOT,
        env=_lt_run_env(tmp_path, marker, venue),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stdout == ""  # no banner, no schedules: nothing printed before the refusal
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"CommandError: port {taken_port} is in use: set {taken} to ")
    assert line.endswith("(or stop what listens there)")
    assert not (tmp_path / "lt.sqlite3").exists()  # not even migrated
    assert _pids_with_marker(marker) == []


_HEALTH = (
    "import json; from monitoring.tasks import run_health_checks; "
    "from strategies.models import Strategy; "
    "print(json.dumps([run_health_checks(), "
    "dict(Strategy.objects.values_list('slug', 'health_status'))]))"
)


def _health_follows_the_venue(marker: str, console: _Console) -> dict[str, str]:
    """Health runs on lt_run's database see the sandbox venue, and report it stopped at the
    next run while LT itself keeps running. Returns the environment of a q-cluster process,
    for commands run beside LT."""
    (worker,) = [p for p in _pids_with_marker(marker) if "qcluster" in _cmdline(p)][:1]
    env = _environ(worker)
    _manage(env, "lt_strategy", "create", "health-probe", "--mode", "paper")
    checks, strategies = json.loads(_manage(env, "shell", "-c", _HEALTH).splitlines()[-1])
    assert checks["venue"] == "ok" and strategies["health-probe"] == "ok"
    (sandbox,) = [p for p in _pids_with_marker(marker) if "lt_sandbox" in _cmdline(p)]
    os.kill(sandbox, signal.SIGKILL)
    console.wait_for(r"The sandbox venue exited", timeout=10)
    checks, strategies = json.loads(_manage(env, "shell", "-c", _HEALTH).splitlines()[-1])
    assert checks["venue"] == "failing" and strategies["health-probe"] == "failing"
    return env


def _halt_and_resume_say_what_they_do(env: dict[str, str]) -> None:
    halted = _manage(env, "lt_halt", "--strategy", "health-probe")
    assert "no new entries for strategy health-probe; exits of held positions, " in halted
    assert "stop-losses and redemptions still run" in halted
    assert "to resume: python manage.py lt_resume --strategy health-probe" in halted
    resumed = _manage(env, "lt_resume", "--strategy", "health-probe")
    assert "lifted: HALTED (Halted by an operator)" in resumed


def _console_is_quiet(console: _Console, base: str) -> None:
    """No access line per request or static file, no job chatter: only what LT says."""
    assert httpx.get(f"{base}/static/admin/css/base.css").status_code == 200
    banner_at = time.monotonic()
    # The first live decision queues a fill sync: a job the q-cluster logs at INFO.
    console.wait_for(r"\[live \] ft-copy-0001", timeout=90)
    time.sleep(max(0.0, banner_at + QUIET_SECONDS - time.monotonic()))
    output = console.text
    assert "INFO django-q" not in output  # "Q Cluster … starting", "Enqueued", "Processed"
    assert '"GET /static/' not in output and '"GET /admin/' not in output
    assert "logs:    requests at WARNING, jobs at WARNING" in output


@pytest.mark.slow
def test_lt_run_serves_admin_with_printed_login_and_stops_cleanly(tmp_path: Path) -> None:
    port, venue_port = _free_port(), _free_port()
    marker = f"LT_RUN_TEST_{uuid.uuid4().hex}"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_run", "--port", str(port)],
        cwd=ROOT,
        env=_lt_run_env(tmp_path, marker, venue_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    console = _Console(process)
    try:
        output = console.wait_for(r"Press Ctrl-C", timeout=120)
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
        _console_is_quiet(console, base)
        env = _health_follows_the_venue(marker, console)
        _halt_and_resume_say_what_they_do(env)
        assert process.poll() is None  # LT runs on without its venue
    finally:
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        stopped_in = time.monotonic() - interrupted
        while _pids_with_marker(marker) and time.monotonic() < interrupted + STOP_LIMIT_SECONDS:
            time.sleep(0.05)
        gone_in = time.monotonic() - interrupted
    assert stopped_in < STOP_LIMIT_SECONDS, f"lt_run took {stopped_in:.1f} s to stop"
    assert _pids_with_marker(marker) == [], f"processes left {gone_in:.1f} s after Ctrl-C"
    assert "Stopping LT (Ctrl-C)" in console.text
    print(f"lt_run stopped {stopped_in:.2f} s after Ctrl-C")  # shown with -s: the measurement
