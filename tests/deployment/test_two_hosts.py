"""LT on two machines: two gunicorn servers and two q-clusters (each its own process group, as
on separate hosts) against one PostgreSQL, live on the sandbox venue, under a steady signal
load split across both servers. Midway one q-cluster is SIGKILLed (and stays dead), one web
server is restarted, and PostgreSQL is lost for 20 s (every connection dropped, new ones
refused). Nothing may be lost or done twice:

- every signal the senders got an answer for is stored once and decided;
- one venue order per order intent, and every intent reached the venue;
- no venue trade booked twice;
- no budget spent past its limit;
- every schedule kept running on the surviving cluster.

LT_TWO_HOST_SECONDS (default 45) and LT_TWO_HOST_RATE (signals/s, default 200) size the run;
the figures are printed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone
from django_q.models import Schedule
from pytest_django.fixtures import Settings

from execution.fills import own_fills
from execution.markets import market_refresh
from execution.models import Fill, Order, OrderStatus
from execution.venue.session import get_venue, reset_venue
from risk.models import BudgetWindow, RiskDecision
from sandbox.testing import TEST_PRIVATE_KEY
from strategies.models import ApiCredential, Signal, Strategy
from tests.dbproxy import ProxyProcess
from tests.risk.helpers import credential_for, signal_body, signed_headers, strategy_with

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("LT_TWO_HOST_SECONDS", "45"))
RATE = float(os.environ.get("LT_TWO_HOST_RATE", "200"))
SLUG = "btc-above-150k-2026"
PATH = "/api/v1/signals/"
STRATEGIES = 4
BUDGET = Decimal(250)  # pUSD a day per strategy: reached within the run, then refused
IN_FLIGHT = 32  # senders waiting for an answer at most
SETTLE_S = 90  # for the last intents to be swept out and the schedules to come round
D = Decimal


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Host:
    """The processes of one simulated machine."""

    env: dict[str, str]
    logs: Path
    web_port: int
    web: subprocess.Popen[bytes] | None = None
    cluster: subprocess.Popen[bytes] | None = None

    def start_web(self) -> None:
        self.web = self._spawn(
            "web",
            [sys.executable, "-m", "gunicorn", "ltproject.wsgi:application", "--bind",
             f"127.0.0.1:{self.web_port}", "--workers", "2", "--timeout", "60"],
        )  # fmt: skip
        _wait_http(f"http://127.0.0.1:{self.web_port}/api/schema/", self.web)

    def restart_web(self) -> None:
        assert self.web is not None
        os.killpg(self.web.pid, signal.SIGTERM)
        self.web.wait(timeout=30)
        self.start_web()

    def start_cluster(self) -> None:
        self.cluster = self._spawn("qcluster", [sys.executable, "manage.py", "lt_qcluster"])

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"{name}-{self.web_port}.log").open("ab")
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a process on another host
        )  # fmt: skip

    def stop(self) -> None:
        for process in (self.web, self.cluster):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.cluster):
            if process is not None:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _kill_group(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL a process and all of its children at once, as a machine losing power would."""
    assert process is not None
    os.killpg(process.pid, signal.SIGKILL)


def _wait_http(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


@dataclass
class Sender:
    """Signals signed and sent at a steady rate, each retried (re-signed, on the other server
    when one fails) until it has an answer; what every signal was answered."""

    keys: list[tuple[Strategy, ApiCredential, str]]  # (strategy, its key, the key's secret)
    token: str
    ports: list[int]
    price: str = "0.50"
    answers: dict[str, int] = field(default_factory=dict)  # idempotency key → final status
    statuses: Counter[int] = field(default_factory=Counter)  # every attempt's answer
    latencies_ms: list[float] = field(default_factory=list)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def send(self, n: int) -> None:
        strategy, credential, secret = self.keys[n % len(self.keys)]
        key = f"load-{n}-{uuid.uuid4().hex[:8]}"
        fields = {
            "idempotency_key": key,
            "price": self.price,
            "size": "2",
            "ft_signal_id": f"ft-{n}",
        }
        body = json.dumps(signal_body(strategy, self.token, **fields)).encode()
        client = getattr(self.local, "client", None) or httpx.Client(timeout=30)
        self.local.client = client
        attempt = 0
        while True:
            port = self.ports[(n + attempt) % len(self.ports)]
            # Signed anew each attempt: a signature is accepted once.
            headers = signed_headers(credential, secret, body) | {
                "Content-Type": "application/json"
            }
            started = time.perf_counter()
            try:
                status = client.post(
                    f"http://127.0.0.1:{port}{PATH}", content=body, headers=headers
                ).status_code
            except httpx.HTTPError:
                status = 0
            with self.lock:
                self.statuses[status] += 1
            if status in (200, 201):
                with self.lock:
                    self.answers[key] = status
                    self.latencies_ms.append((time.perf_counter() - started) * 1000)
                return
            assert status in (0, 503), f"signal {n}: answered {status}"
            attempt += 1
            with self.lock:
                self.retries += 1
            time.sleep(0.5 if status == 0 else 1.0)


@dataclass
class Venue:
    """The sandbox venue in a process of its own (`lt_sandbox`, no chain), as LT sees it."""

    url: str
    process: subprocess.Popen[bytes]

    def fund(self, address: str, pusd: int) -> None:
        httpx.post(f"{self.url}/_sandbox/fund", json={"address": address, "pusd": pusd})

    def orders_of(self, address: str) -> set[str]:
        orders = httpx.get(f"{self.url}/_sandbox/orders", timeout=30).json()
        return {o["id"] for o in orders if o["maker_address"].lower() == address.lower()}

    def condition_id(self, slug: str) -> str:
        markets = httpx.get(f"{self.url}/markets").json()["data"]
        return next(str(m["condition_id"]) for m in markets if m["market_slug"] == slug)


@pytest.fixture
def hosts(
    transactional_db: None, settings: Settings, tmp_path: Path
) -> Iterator[tuple[list[Host], ProxyProcess, Venue]]:
    db = connection.settings_dict
    proxy = ProxyProcess((db["HOST"], int(db["PORT"])))
    port = _port()
    sandbox = subprocess.Popen(
        [sys.executable, "manage.py", "lt_sandbox", "--port", str(port), "--no-chain",
         "--seed", "7"],
        cwd=ROOT, env={**os.environ, "DEBUG": "true"},
        stdout=(tmp_path / "sandbox.log").open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    venue = Venue(url=f"http://127.0.0.1:{port}", process=sandbox)
    _wait_http(f"{venue.url}/markets", sandbox)
    settings.CLOB_HOST, settings.SIGNER_PRIVATE_KEY = venue.url, TEST_PRIVATE_KEY
    settings.LIVE_TRADING = True
    reset_venue()
    call_command("setup_schedules", verbosity=0)
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "DB_CONNECT_TIMEOUT": "2",
        "CLOB_HOST": venue.url,
        "SIGNER_PRIVATE_KEY": TEST_PRIVATE_KEY,
        "LIVE_TRADING": "true",
        "LT_EXECUTOR_AUTOSTART": "true",
        "SIGNAL_THROTTLE_RATE": "100000/s",
        "LOG_LEVEL": "WARNING",
    }
    hosts = [Host(env=base, logs=tmp_path, web_port=_port()) for _ in range(2)]
    try:
        for host in hosts:
            host.start_cluster()
            host.start_web()
        yield hosts, proxy, venue
    finally:
        for host in hosts:
            host.stop()
        proxy.close()
        sandbox.terminate()
        sandbox.wait(timeout=20)
        reset_venue()


@pytest.mark.slow
def test_two_hosts_lose_nothing_and_do_nothing_twice(
    hosts, capsys: pytest.CaptureFixture[str]
) -> None:
    (first, second), proxy, sandbox = hosts
    lt = get_venue()
    lt.connect()
    market = market_refresh(venue=lt, condition_id=sandbox.condition_id(SLUG))
    token = market.tokens.get(outcome_index=0).token_id
    address = lt.address
    sandbox.fund(address, pusd=1_000_000)
    keys = []
    for n in range(STRATEGIES):
        strategy = strategy_with(budget_daily=BUDGET)
        Strategy.objects.filter(pk=strategy.pk).update(mode="live", slug=f"host-load-{n}")
        strategy.refresh_from_db()
        credential, secret = credential_for(strategy)
        keys.append((strategy, credential, secret))
    call_command("lt_reconcile", verbosity=0)  # live entries wait for a clean reconciliation
    ask = lt.book(token).best_ask
    sender = Sender(keys=keys, token=token, ports=[first.web_port, second.web_port],
                    price=str(ask or D("0.50")))  # fmt: skip

    # The load is offered at RATE for SECONDS of wall time, at most IN_FLIGHT signals waiting
    # for their answers: a slot that finds them all busy is skipped (counted), so the run
    # lasts as long as it says whatever the machine can take, and the figures say what it took.
    slots = int(SECONDS * RATE)
    in_flight = threading.BoundedSemaphore(IN_FLIGHT)
    skipped = total = 0
    events: dict[str, float] = {}
    restart = threading.Thread(target=second.restart_web)  # the load goes on meanwhile
    plan = [  # (event, when, action): a q-cluster killed, a server restarted, PostgreSQL lost
        ("cluster_killed", 0.15, lambda: _kill_group(first.cluster)),
        ("web_restarting", 0.25, lambda: restart.start()),
        ("database_lost", 0.35, lambda: proxy.set_mode("down")),
    ]

    def send(n: int) -> None:
        try:
            sender.send(n)
        finally:
            in_flight.release()

    started = time.monotonic()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        for n in range(slots):
            due = started + n / RATE
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            elapsed = time.monotonic() - started
            for name, share, action in plan:
                if name not in events and elapsed > SECONDS * share:
                    action()
                    events[name] = elapsed
            lost = events.get("database_lost")
            if lost is not None and "database_back" not in events and elapsed > lost + 20:
                proxy.set_mode("forward")
                events["database_back"] = elapsed
            if not in_flight.acquire(blocking=False):
                skipped += 1
                continue
            total += 1
            pool.submit(send, n)
        if "database_back" not in events:
            proxy.set_mode("forward")
            events["database_back"] = time.monotonic() - started
    sent_s = time.monotonic() - started
    restart.join()

    # Settle: every intent sent (the sweep on the surviving cluster sends what a request lost),
    # every schedule round once more.
    pending = Order.objects.filter(
        status__in=[OrderStatus.INTENT, OrderStatus.SIGNED, OrderStatus.SUBMITTED,
                    OrderStatus.UNKNOWN]
    )  # fmt: skip
    deadline = time.monotonic() + SETTLE_S
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(5)

    # -- the invariants ------------------------------------------------------------------
    problems: list[str] = []
    answered = set(sender.answers)
    stored = Counter(Signal.objects.filter(idempotency_key__in=answered)
                     .values_list("idempotency_key", flat=True))  # fmt: skip
    if len(answered) != total:
        problems.append(f"{total - len(answered)} signals never answered")
    if set(stored) != answered or any(n != 1 for n in stored.values()):
        problems.append("answered signals not stored exactly once")
    undecided = Signal.objects.filter(decision__isnull=True).count()
    if undecided:
        problems.append(f"{undecided} signals without a decision")
    accepted = RiskDecision.objects.filter(outcome="accepted").count()
    orders = Order.objects.filter(purpose="entry")
    if orders.count() != accepted:
        problems.append(f"{accepted} accepted decisions but {orders.count()} entry orders")
    if pending.exists():
        problems.append(f"{pending.count()} intents never reached the venue")
    ours = sandbox.orders_of(address)
    ids = {
        venue_id: pk
        for venue_id, pk in Order.objects.values_list("venue_order_id", "pk")
        if venue_id
    }
    if ours - set(ids):
        problems.append(f"{len(ours - set(ids))} venue orders no intent of LT's accounts for")
    sent = Order.objects.exclude(venue_order_id=None).exclude(status=OrderStatus.SIGNED)
    if sent.exclude(venue_order_id__in=ours).exclude(status=OrderStatus.REJECTED).exists():
        problems.append("intents LT believes sent that the venue never accepted")
    booked = list(Fill.objects.values("venue_trade_id", "order_id").annotate(n=Count("pk")))
    twice = sum(1 for row in booked if row["n"] > 1)
    expected = {(f.venue_trade_id, f.order_id) for t in lt.trades().trades
                for f in own_fills(t, ids)}  # fmt: skip
    if twice:
        problems.append(f"{twice} venue trades booked twice")
    for window in BudgetWindow.objects.exclude(limit=None):
        if window.reserved + window.spent > window.limit:
            problems.append(f"budget {window} over its limit")
    for strategy in Strategy.objects.filter(slug__startswith="host-load-"):
        # What the venue took (an order's unfilled part goes back to the budget): every BUY
        # fill's pUSD and fee, counted from the fills themselves.
        bought = Fill.objects.filter(order__strategy=strategy, side="BUY").aggregate(
            paid=Sum("notional"), fees=Sum("fee")
        )
        paid = (bought["paid"] or 0) + (bought["fees"] or 0)
        if paid > BUDGET:
            problems.append(f"{strategy.slug}: {paid} pUSD bought on a {BUDGET} budget")
    late = Schedule.objects.filter(next_run__lt=timezone.now() - timedelta(seconds=90))
    if late.exists():
        problems.append(f"schedules starved: {sorted(late.values_list('name', flat=True))}")

    latencies = sorted(sender.latencies_ms)
    figures = {
        "seconds": round(sent_s, 1),
        "offered_per_s": RATE,
        "signals": total,
        "slots_skipped_all_busy": skipped,
        "signals_per_s": round(total / sent_s, 1),
        "answered": len(answered),
        "attempts_by_status": dict(sorted(sender.statuses.items())),
        "retries": sender.retries,
        "accepted": accepted,
        "decisions": dict(Counter(RiskDecision.objects.values_list("reason_code", flat=True))),
        "entry_orders": orders.count(),
        "orders_at_venue": len(ours),
        "fills_booked": len(booked),
        "fills_expected": len(expected),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1) if latencies else None,
        "events_s": {k: round(v, 1) for k, v in events.items()},
        "problems": problems,
    }
    with capsys.disabled():  # the figures are the run's report: shown by `make test` too
        print("\ntwo hosts:", json.dumps(figures, default=str))
    assert not problems, figures
    # The processes that were not killed are all still there: recovered without restarts.
    assert first.web is not None and first.web.poll() is None
    assert second.cluster is not None and second.cluster.poll() is None
