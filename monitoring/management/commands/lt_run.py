"""`make run`: set up the database, then run the web server and the job cluster together.

Before anything starts (or prints), every port it needs is checked: a port in use stops it
with one line that names the setting to change (LT_PORT, CLOB_HOST, CHAIN_RPC_URL).

The sandbox venue starts first, with its chain (anvil + contracts); once it answers, its
`GET /_sandbox/chain` tells where the contracts are, and every other child gets them as
CHAIN_RPC_URL / CHAIN_ID / CHAIN_CONTRACTS, so LT's redemption jobs redeem on that chain.
Once the web server answers, the demo feed (`lt_demo_feed`) sends the bundled FT signal stream
to a paper and a live demo strategy; live trading uses a sandbox wallet of LT's own. The
feed's lines pass through this command, which holds back its closing tally and prints it
under "The demo feed is done", so the demo's result is what the console ends on.

The children log requests and jobs at WARNING (LOG_LEVEL_REQUESTS, LOG_LEVEL_JOBS) unless
the environment says otherwise: one access line per static file and three job lines per
task would bury the demo's lines.

Each child runs in its own session (process group) so that Ctrl-C reaches this command
only, and this command stops every process it started, grandchildren included (the
q-cluster forks its workers), within STOP_GRACE_SECONDS before it exits. Should this command
be killed outright, each child sees its lifeline (monitoring.lifeline) break and ends itself
and its process group within 10 s.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.lifeline import lifeline_env, lifeline_fd
from sandbox.demo import DEMO_FILE, DEMO_SIGNER_KEY, LIVE_SLUG, PAPER_SLUG

# Ctrl-C ends everything within 5 s: SIGTERM, at most this long from the signal for all
# children together, then SIGKILL of their process groups. The q-cluster alone needs about
# 1 s, but waits for a running job (alert delivery sleeps out a warning batch of up to 10 s);
# this command's own exit takes up to ~0.7 s more, hence not the whole 5 s.
STOP_GRACE_SECONDS = 3.5
POLL_SECONDS = 0.1
REAP_SECONDS = 0.5  # a SIGKILLed child is gone at once; this only bounds the wait for it
SANDBOX_START_SECONDS = 90  # anvil start + contract deployment + one condition per market
WEB_START_SECONDS = 60
LOOPBACK = ("127.0.0.1", "localhost")
# The sandbox and anvil listen on 127.0.0.1 whatever CLOB_HOST / CHAIN_RPC_URL call it.
SANDBOX_LISTENS_ON = "127.0.0.1"
# Quiet unless the environment names a level: warnings and errors still show.
CHILD_LOG_LEVELS = {"LOG_LEVEL_REQUESTS": "WARNING", "LOG_LEVEL_JOBS": "WARNING"}
# The feed's closing tally (sandbox.demo.tally_lines), held back until the feed ends.
FEED_TALLY = re.compile(r"^demo: \S+ \(\w+\): \d+ accepted, \d+ rejected")


@dataclass(frozen=True)
class Port:
    """A port `make run` will listen on, the setting that names it and how to move it."""

    host: str
    port: int
    setting: str
    fix: str


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
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="Do not feed the bundled FT signal stream into the demo strategies.",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        admin_user: str,
        no_sandbox: bool,
        no_demo: bool,
        **options: Any,
    ) -> None:
        # Configuration first: a taken port is one line and nothing started or printed.
        ports_check(ports_needed(host, port, sandbox=not no_sandbox))
        call_command("migrate", interactive=False, verbosity=0)
        password = _reset_admin_password(admin_user)
        call_command("setup_schedules", stdout=self.stdout)
        console = _Console(self.stdout.write, self.stdout.flush)
        children: list[subprocess.Popen[bytes]] = []
        sandbox_process: subprocess.Popen[bytes] | None = None
        venue_line = f"  venue:   {settings.CLOB_HOST}\n"
        demo = not no_demo and not no_sandbox  # its live strategy trades the sandbox only
        demo_line = "  demo:    off (--no-demo)\n" if no_demo else "  demo:    off (no sandbox)\n"
        base = f"http://{host}:{port}"
        env = _child_env(dict(os.environ), base=base)
        mail_line = f"  alerts:  mailed to {env['ALERT_EMAILS']} via {_mail_backend(env)}\n"
        try:
            if not no_sandbox:
                sandbox = urlsplit(settings.CLOB_HOST)
                sandbox_process = _spawn("lt_sandbox", "--port", str(sandbox.port), *_chain_port())
                children.append(sandbox_process)
                env |= _sandbox_chain_env(settings.CLOB_HOST, sandbox_process)
                # Safe, proxy and deposit wallets redeem through the sandbox's relayer.
                env.setdefault("RELAYER_URL", f"{settings.CLOB_HOST}/relayer")
                env.setdefault("RELAYER_API_KEY", "sandbox")
                # anvil mines a block per transaction only: 32 confirmations could take hours.
                env.setdefault("REDEMPTION_CONFIRMATIONS", "1")
                venue_line = (
                    f"  venue:   {settings.CLOB_HOST} (sandbox)\n"
                    f"  chain:   {env['CHAIN_RPC_URL']} (sandbox)\n"
                )
            if demo:
                env |= _demo_wallet_env(env)
            web = _spawn("runserver", "--noreload", f"{host}:{port}", env=env)
            children += [web, _spawn("lt_qcluster", env=env), _spawn("lt_heartbeat", env=env)]
            # Fills, books and stops as they happen; started again whenever it ends (polling
            # covers the gap, and the stream heals from REST when it is back).
            stream = _spawn("lt_stream", env=env)
            children.append(stream)
            if demo:
                _wait_for_web(base, web)
                demo_line = (
                    f"  demo:    {DEMO_FILE.name} -> {PAPER_SLUG} (paper), {LIVE_SLUG} (live); "
                    "one line per decision below\n"
                )
        except BaseException:  # Ctrl-C or a dead sandbox while starting: leave nothing behind
            _stop(children)
            raise
        console.write(
            "\nLT is running.\n"
            f"  dashboard: {base}/   login {admin_user} / {password}\n"
            f"  admin:   {base}/admin/\n"
            f"  API:     {base}/api/v1/status/ (schema: {base}/api/schema/)\n"
            f"{venue_line}"
            f"{mail_line}"
            f"  logs:    {_log_line(env)}\n"
            f"{demo_line}"
            "Press Ctrl-C to stop everything.\n"
        )
        try:  # after the banner, so the feed's lines follow it
            feed = _FeedRelay(_spawn_feed(base, env), console.write) if demo else None
        except BaseException:
            _stop(children)
            raise
        # The sandbox stands in for Polymarket and the feed for an FT system: neither is part
        # of LT, so their end leaves LT running (its health checks then report the venue).
        companions = {"the sandbox venue": sandbox_process}
        closing: dict[str, Callable[[], list[str]]] = {}
        if feed is not None:
            companions["the demo feed"] = feed.process
            closing["the demo feed"] = feed.tally
        core = [c for c in children if c not in (sandbox_process, stream)]
        _wait_then_stop(
            core,
            companions={k: v for k, v in companions.items() if v is not None},
            supervised={"the venue stream": (stream, lambda: _spawn("lt_stream", env=env))},
            closing=closing,
            write=console.write,
        )


# --- before anything starts -------------------------------------------------------------


def ports_needed(host: str, port: int, *, sandbox: bool) -> list[Port]:
    """The web server's port, and with the sandbox its venue's and (when CHAIN_RPC_URL names
    a loopback port) anvil's. A CLOB_HOST the sandbox cannot serve is refused here too."""
    needed = [Port(host, port, "LT_PORT", "set LT_PORT to a free port")]
    if not sandbox:
        return needed  # CLOB_HOST is a venue elsewhere, and there is no local chain
    venue = urlsplit(settings.CLOB_HOST)
    if venue.hostname not in LOOPBACK or not venue.port:
        raise CommandError(
            f"CLOB_HOST {settings.CLOB_HOST} is not a loopback address the sandbox "
            "can serve; use --no-sandbox to trade against it"
        )
    needed.append(
        Port(
            SANDBOX_LISTENS_ON,
            venue.port,
            "CLOB_HOST",
            "set CLOB_HOST to http://127.0.0.1:<a free port>",
        )
    )
    rpc_port = _loopback_rpc_port()
    if rpc_port:
        needed.append(
            Port(
                SANDBOX_LISTENS_ON,
                rpc_port,
                "CHAIN_RPC_URL",
                "set CHAIN_RPC_URL to http://127.0.0.1:<a free port> or unset it",
            )
        )
    return needed


def ports_check(ports: Iterable[Port]) -> None:
    """One readable CommandError for the first port that cannot be listened on."""
    named: dict[int, str] = {}
    for need in ports:
        if need.port in named:
            raise CommandError(
                f"{named[need.port]} and {need.setting} both name port {need.port}: {need.fix}"
            )
        named[need.port] = need.setting
        error = listen_error(need.host, need.port)
        if error is None:
            continue
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"port {need.port} is in use: {need.fix} (or stop what listens there)"
            )
        reason = error.strerror or str(error)
        raise CommandError(f"cannot listen on {need.host}:{need.port} ({reason}): {need.fix}")


def listen_error(host: str, port: int) -> OSError | None:
    """Why a server could not listen on host:port now, or None when it could."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # As the servers themselves bind: connections of an earlier run still in
            # TIME_WAIT do not make a port taken, a listener does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as error:
        return error
    return None


def _loopback_rpc_port() -> int | None:
    rpc = urlsplit(os.environ.get("CHAIN_RPC_URL", ""))
    return rpc.port if rpc.hostname in LOOPBACK and rpc.port else None


def _child_env(env: dict[str, str], *, base: str) -> dict[str, str]:
    """What every child gets besides this command's own environment; what the environment
    already names wins."""
    # Alert mail goes somewhere visible: with the console backend (EMAIL_URL's default)
    # each mail is printed here.
    env.setdefault("ALERT_EMAILS", "operator@localhost")
    env.setdefault("LT_BASE_URL", base)  # the admin links in alert mails
    for name, level in CHILD_LOG_LEVELS.items():
        env.setdefault(name, level)
    return env


def _mail_backend(env: dict[str, str]) -> str:
    url = env.get("EMAIL_URL", "consolemail://")
    if url.startswith("consolemail"):
        return "the console backend (printed below; EMAIL_URL sends them for real)"
    return urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()


def _log_line(env: dict[str, str]) -> str:
    requests, jobs = (env[name] for name in CHILD_LOG_LEVELS)
    return (
        f"requests at {requests}, jobs at {jobs} "
        "(LOG_LEVEL_REQUESTS, LOG_LEVEL_JOBS; INFO shows each one)"
    )


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


# --- the children -----------------------------------------------------------------------


def _spawn(
    *command: str, env: dict[str, str] | None = None, stdout: int | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        start_new_session=True,
        env={**(os.environ if env is None else env), **lifeline_env()},
        stdout=stdout,
        pass_fds=(lifeline_fd(),),
    )


def _spawn_feed(base: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Unbuffered, so each decision line arrives as the feed writes it.
    return _spawn(
        "lt_demo_feed", "--url", base, env=env | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE
    )


def _chain_port() -> list[str]:
    """anvil on CHAIN_RPC_URL's port when the environment names a loopback one, else on a free
    port (the children learn it from the sandbox, so nothing else needs to know it)."""
    return ["--chain-port", str(_loopback_rpc_port() or 0)]


def _sandbox_chain_env(venue_url: str, sandbox: subprocess.Popen[bytes]) -> dict[str, str]:
    """Wait for the sandbox to answer, then read where its chain's contracts are."""
    deadline = time.monotonic() + SANDBOX_START_SECONDS
    while time.monotonic() < deadline:
        if sandbox.poll() is not None:
            raise CommandError(f"the sandbox venue exited with {sandbox.returncode}")
        try:
            answer = httpx.get(f"{venue_url}/_sandbox/chain", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if answer.status_code != 200:
            raise CommandError(f"{venue_url}/_sandbox/chain answered {answer.status_code}")
        info = answer.json()
        return {
            "CHAIN_RPC_URL": str(info["rpc_url"]),
            "CHAIN_ID": str(info["chain_id"]),
            "CHAIN_CONTRACTS": json.dumps(info["contracts"]),
        }
    raise CommandError(f"the sandbox venue did not answer on {venue_url}")


def _demo_wallet_env(env: dict[str, str]) -> dict[str, str]:
    """Live trading for the demo's live strategy, with a sandbox wallet of LT's own unless the
    environment names one (sandbox.demo.DEMO_SIGNER_KEY: never the faucet's account 0)."""
    extra = {"LIVE_TRADING": "true"}
    if not env.get("SIGNER_PRIVATE_KEY") and not env.get("SIGNER_PRIVATE_KEY_FILE"):
        extra["SIGNER_PRIVATE_KEY"] = DEMO_SIGNER_KEY
    return extra


def _wait_for_web(base: str, web: subprocess.Popen[bytes]) -> None:
    """The feed starts once the web server answers, so its first signals are not refused."""
    deadline = time.monotonic() + WEB_START_SECONDS
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise CommandError(f"the web server exited with {web.returncode}")
        try:
            httpx.get(f"{base}/admin/login/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise CommandError(f"the web server did not answer on {base}")


class _Console:
    """Whole lines to this command's stdout from the main thread and the feed's relay."""

    def __init__(self, write: Callable[[str], Any], flush: Callable[[], Any]) -> None:
        self._write, self._flush = write, flush
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            self._write(text)
            self._flush()


class _FeedRelay:
    """Passes the demo feed's lines on as they come, except its closing tally: that is
    printed under "The demo feed is done", after which LT itself is quiet, so the demo's
    result is the last thing on the console."""

    def __init__(self, process: subprocess.Popen[bytes], write: Callable[[str], Any]) -> None:
        self.process = process
        self._held: list[str] = []
        assert process.stdout is not None
        self._thread = threading.Thread(
            target=self._relay, args=(process.stdout, write), daemon=True
        )
        self._thread.start()

    def _relay(self, stream: IO[bytes], write: Callable[[str], Any]) -> None:
        for raw in stream:
            line = raw.decode(errors="replace").rstrip("\n")
            if FEED_TALLY.match(line):
                self._held.append(line)
            else:
                write(line)

    def tally(self) -> list[str]:
        """The held tally lines, once the feed's output has ended."""
        self._thread.join(timeout=2)
        return list(self._held)


# --- running and stopping ---------------------------------------------------------------


def _wait_then_stop(
    core: list[subprocess.Popen[bytes]],
    *,
    companions: dict[str, subprocess.Popen[bytes]] | None = None,
    closing: dict[str, Callable[[], list[str]]] | None = None,
    supervised: dict[str, tuple[subprocess.Popen[bytes], Callable[[], subprocess.Popen[bytes]]]]
    | None = None,
    write: Callable[[str], Any] = print,
) -> None:
    """Run until Ctrl-C or until a core process ends; companions may end on their own, and
    `closing` gives the lines printed under a companion's end; a supervised process that
    ends is started again."""
    stopping: int | None = None  # the signal that asked for the stop
    asked_at: float | None = None
    watched = dict(companions or {})
    restartable = dict(supervised or {})

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping, asked_at
        stopping, asked_at = signum, time.monotonic()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        # One core process dying (a port in use, a crash) stops the whole set: half a system
        # that looks alive is worse than none.
        while stopping is None and all(child.poll() is None for child in core):
            for name, child in list(watched.items()):
                if child.poll() is not None:
                    outcome = "is done" if child.returncode == 0 else f"exited {child.returncode}"
                    write(f"{name.capitalize()} {outcome}; LT keeps running (Ctrl-C stops it).")
                    for line in (closing or {}).get(name, list)():
                        write(line)
                    del watched[name]
            for name, (child, start) in list(restartable.items()):
                if child.poll() is not None:
                    write(f"{name.capitalize()} exited {child.returncode}; started again.")
                    restartable[name] = (start(), start)
            time.sleep(POLL_SECONDS)
        write(f"Stopping LT ({_why(stopping, core)}): every process it started.")
    finally:
        running = [child for child, _ in restartable.values()]
        _stop(core + list((companions or {}).values()) + running, since=asked_at)


def _why(signum: int | None, core: list[subprocess.Popen[bytes]]) -> str:
    if signum == signal.SIGINT:
        return "Ctrl-C"
    if signum is not None:
        return signal.Signals(signum).name
    return ", ".join(
        f"{_name(child)} exited {child.returncode}" for child in core if child.poll() is not None
    )


def _name(child: subprocess.Popen[bytes]) -> str:
    """`runserver` for `python manage.py runserver …`."""
    args = [str(arg) for arg in child.args] if isinstance(child.args, list) else [str(child.args)]
    return args[2] if len(args) > 2 else args[0]


def _stop(children: list[subprocess.Popen[bytes]], *, since: float | None = None) -> None:
    """SIGTERM each child, wait until STOP_GRACE_SECONDS after `since` (the stop request;
    default now) for all of them together, then SIGKILL every process group, so nothing
    outlives this command and Ctrl-C never waits long."""
    for child in children:
        # The child alone, not its group: the q-cluster stops its own workers in order
        # (about 1 s), while a SIGTERM to each of them makes it hang until killed.
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
    deadline = (since or time.monotonic()) + STOP_GRACE_SECONDS
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
    for child in children:
        # Even after a clean exit: workers the child forked (or anvil) may linger.
        _signal_group(child, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=REAP_SECONDS)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
