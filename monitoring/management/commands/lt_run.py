"""`make run`: set up the database, then run the web server and the job cluster together.

The sandbox venue starts first, with its chain (anvil + contracts); once it answers, its
`GET /_sandbox/chain` tells where the contracts are, and every other child gets them as
CHAIN_RPC_URL / CHAIN_ID / CHAIN_CONTRACTS, so LT's redemption jobs redeem on that chain.
Once the web server answers, the demo feed (`lt_demo_feed`) sends the bundled FT signal stream
to a paper and a live demo strategy; live trading uses a sandbox wallet of LT's own.

Each child runs in its own session (process group) so that Ctrl-C reaches this command
only, and this command stops every process it started, grandchildren included (the
q-cluster forks its workers), before it exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from strategies.demo import DEMO_FILE, DEMO_SIGNER_KEY, LIVE_SLUG, PAPER_SLUG

STOP_GRACE_SECONDS = 10
SANDBOX_START_SECONDS = 90  # anvil start + contract deployment + one condition per market
WEB_START_SECONDS = 60


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
        call_command("migrate", interactive=False, verbosity=0)
        password = _reset_admin_password(admin_user)
        call_command("setup_schedules", stdout=self.stdout)
        children: list[subprocess.Popen[bytes]] = []
        sandbox_process: subprocess.Popen[bytes] | None = None
        venue_line = f"  venue:   {settings.CLOB_HOST}\n"
        demo = not no_demo and not no_sandbox  # its live strategy trades the sandbox only
        demo_line = "  demo:    off (--no-demo)\n" if no_demo else "  demo:    off (no sandbox)\n"
        env = dict(os.environ)
        # Alert mail goes somewhere visible: with the console backend (EMAIL_URL's default)
        # each mail is printed here.
        env.setdefault("ALERT_EMAILS", "operator@localhost")
        mail_line = f"  alerts:  mailed to {env['ALERT_EMAILS']} via {_mail_backend(env)}\n"
        try:
            if not no_sandbox:
                sandbox = urlsplit(settings.CLOB_HOST)
                if sandbox.hostname not in ("127.0.0.1", "localhost") or not sandbox.port:
                    raise CommandError(
                        f"CLOB_HOST {settings.CLOB_HOST} is not a loopback address the sandbox "
                        "can serve; use --no-sandbox to trade against it"
                    )
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
            children += [web, _spawn("qcluster", env=env), _spawn("lt_heartbeat", env=env)]
            base = f"http://{host}:{port}"
            if demo:
                _wait_for_web(base, web)
                demo_line = (
                    f"  demo:    {DEMO_FILE.name} -> {PAPER_SLUG} (paper), {LIVE_SLUG} (live); "
                    "one line per decision below\n"
                )
        except BaseException:  # Ctrl-C or a dead sandbox while starting: leave nothing behind
            _stop(children)
            raise
        self.stdout.write(
            "\nLT is running.\n"
            f"  admin:   {base}/admin/   login {admin_user} / {password}\n"
            f"  API:     {base}/api/schema/\n"
            f"{venue_line}"
            f"{mail_line}"
            f"{demo_line}"
            "Press Ctrl-C to stop everything.\n"
        )
        self.stdout.flush()
        try:  # after the banner, so the feed's lines follow it
            feed = _spawn("lt_demo_feed", "--url", base, env=env) if demo else None
        except BaseException:
            _stop(children)
            raise
        # The sandbox stands in for Polymarket and the feed for an FT system: neither is part
        # of LT, so their end leaves LT running (its health checks then report the venue).
        companions = {"the sandbox venue": sandbox_process, "the demo feed": feed}
        core = [c for c in children if c is not sandbox_process]
        _wait_then_stop(
            core,
            companions={k: v for k, v in companions.items() if v is not None},
            write=self.stdout.write,
        )


def _mail_backend(env: dict[str, str]) -> str:
    url = env.get("EMAIL_URL", "consolemail://")
    if url.startswith("consolemail"):
        return "the console backend (printed below; EMAIL_URL sends them for real)"
    return urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()


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


def _spawn(*command: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        start_new_session=True,
        env=env,
    )


def _chain_port() -> list[str]:
    """anvil on CHAIN_RPC_URL's port when the environment names a loopback one, else on a free
    port (the children learn it from the sandbox, so nothing else needs to know it)."""
    rpc = urlsplit(os.environ.get("CHAIN_RPC_URL", ""))
    if rpc.hostname in ("127.0.0.1", "localhost") and rpc.port:
        return ["--chain-port", str(rpc.port)]
    return ["--chain-port", "0"]


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
    environment names one (strategies.demo.DEMO_SIGNER_KEY: never the faucet's account 0)."""
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


def _wait_then_stop(
    core: list[subprocess.Popen[bytes]],
    *,
    companions: dict[str, subprocess.Popen[bytes]] | None = None,
    write: Callable[[str], Any] = print,
) -> None:
    """Run until Ctrl-C or until a core process ends; companions may end on their own."""
    stopping = False
    watched = dict(companions or {})

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        # One core process dying (a port in use, a crash) stops the whole set: half a system
        # that looks alive is worse than none.
        while not stopping and all(child.poll() is None for child in core):
            for name, child in list(watched.items()):
                if child.poll() is not None:
                    outcome = "is done" if child.returncode == 0 else f"exited {child.returncode}"
                    write(f"{name.capitalize()} {outcome}; LT keeps running (Ctrl-C stops it).")
                    del watched[name]
            time.sleep(0.2)
    finally:
        _stop(core + list((companions or {}).values()))


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
