"""`make soak [MINUTES=60] [RATE=3]`: `make run`'s whole system on PostgreSQL for MINUTES under
a steady stream of RATE signals a second, and a report of what grows.

A fresh database (`<DATABASE_URL name>_soak`) is created; `manage.py lt_run --no-demo`
starts the sandbox venue and chain, the web server, the job cluster, the heartbeat and the
stream on it, exactly as `make run` does. This process then plays an FT copy-trading system
against the two demo strategies (one paper, one live against the sandbox), signed like any
FT sender, a new TCP connection per signal: leaders enter markets and later leave them, so
entries, exits and fills keep flowing. The rules are the soak's own (SOAK_RULES): no loss
streak or drawdown pause, budgets that last the run, exposure limits that refuse some
entries until exits free them, and stops close to the price so that stop-loss and
take-profit exits happen too. The live wallet is topped up at the sandbox faucet.

Retention runs with short ages (SOAK_RETENTION, or the environment's LT_RETENTION), so that
the pruning job's effect shows within the run.

Every SAMPLE_SECONDS: RSS of every process, the database's size, rows and bytes per table,
its connections and the job queue's depth; every signal's answer time. At the end, after the
stream settles: the invariants (one order per accepted signal, ledger and venue in agreement,
no duplicate fill, no budget over its limit, no stuck order, no error line of LT's in the log) and
the report, `var/soak/report.json` and `var/soak/report.md`. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench import soak_sample as sample
from bench.bench_intake import _database_urls, _fresh_database

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "soak"
SAMPLE_SECONDS = 30.0
SETTLE_SECONDS = 60.0  # after the last signal: fills, exits and the minute jobs catch up
SOAK_RETENTION = {
    "rejected_signals": "15m",
    "mid_prices": "15m",
    "health_checks": "30m",
    "reconcile_runs": "30m",
    "venue_calls": "30m",
}
# Entries sized at half the leader's, $1-5 each; a market takes up to $40 before exits must
# free it; stops 5 % away so that the sandbox's walking prices trigger some.
SOAK_RULES: dict[str, Any] = {
    "budget_daily": "1000000",
    "budget_weekly": None,
    "budget_monthly": None,
    "max_drawdown_pct": None,
    "max_consecutive_losses": None,
    "max_exposure_per_market": "40",
    "max_exposure_per_event": "40",
    "max_concurrent_positions": 30,
    "min_order_notional": "1",
    "max_order_notional": "5",
    "sizing": {"mode": "ft_proportional", "multiplier": "0.5"},
    "stop_loss_pct": "5",
    "take_profit_pct": "5",
    "order": {"type": "FAK", "max_slippage_bps": 300},
}
WALLET_FLOOR = Decimal(500)  # the live wallet is topped up to 1000 pUSD below this
EXIT_SHARE = 0.3  # of FT signals on a token the leader holds: the leader leaves


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Soak:
    def __init__(self, *, minutes: float, rate: float) -> None:
        self.minutes, self.rate = minutes, rate
        self.admin, self.url, self.name = _database_urls("_soak")
        self.port, self.venue_port = _free_port(), _free_port()
        self.marker = f"LT_SOAK_{uuid.uuid4().hex}"
        self.stop = threading.Event()
        self.samples: list[dict[str, Any]] = []
        self.latencies = sample.Latencies()
        self.sent = 0
        self.outcomes: Counter[str] = Counter()
        self.started = 0.0
        self.feed_error = ""
        OUT.mkdir(parents=True, exist_ok=True)
        self.log_path = OUT / "lt_run.log"

    # --- the system ----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        # sandbox.demo.DEMO_SIGNER_KEY, read before Django is set up.
        from ltproject.devkeys import ANVIL_KEYS

        retention = os.environ.get("LT_RETENTION") or json.dumps(SOAK_RETENTION)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        return env | {
            "DJANGO_SETTINGS_MODULE": "ltproject.settings",
            "DATABASE_URL": self.url,
            "DEBUG": "true",
            "SECRET_KEY": env.get("SECRET_KEY") or "soak-" + secrets.token_urlsafe(40),
            "CLOB_HOST": f"http://127.0.0.1:{self.venue_port}",
            "LIVE_TRADING": "true",
            "SIGNER_PRIVATE_KEY": ANVIL_KEYS[1],
            "LT_RETENTION": retention,
            "PYTHONUNBUFFERED": "1",
            self.marker: "1",
        }

    def start(self) -> subprocess.Popen[bytes]:
        env = self.env()
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "CLOB_HOST")})
        os.environ.update(
            {k: env[k] for k in ("LIVE_TRADING", "SIGNER_PRIVATE_KEY", "LT_RETENTION", "DEBUG")}
        )
        self.log = self.log_path.open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "lt_run", "--no-demo", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while "Press Ctrl-C" not in self.log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"lt_run did not start; see {self.log_path}")
            time.sleep(0.5)
        return process

    # --- the FT sender -------------------------------------------------------------------

    def prepare(self) -> list[Any]:
        import django

        django.setup()
        from django.conf import settings

        from execution.venue.session import get_venue
        from risk.rules_io import rules_import
        from sandbox.demo import demo_reconcile, demo_strategies_ensure, demo_wallet_prepare
        from strategies.models import Strategy

        targets = demo_strategies_ensure()
        for target in targets:
            rules_import(Strategy.objects.get(slug=target.slug).risk_rules, SOAK_RULES)
        venue = get_venue()
        demo_wallet_prepare(venue=venue, write=print)
        demo_reconcile(write=print)
        assert settings.DATABASES["default"]["NAME"] == self.name
        return targets

    def feed(self, targets: list[Any]) -> None:
        try:
            self._feed(targets)
        except Exception as error:  # the report says so; the run goes on to its end
            self.feed_error = repr(error)
            raise

    def _feed(self, targets: list[Any]) -> None:
        from execution.venue.session import get_venue

        venue = get_venue()
        tokens = _open_tokens(venue)
        leader: dict[str, Decimal] = {}  # FT's own holding per token: what an exit sells
        run = f"soak-{secrets.token_hex(3)}"
        interval = len(targets) / self.rate  # each FT signal goes to every target
        next_at, refreshed, funded = time.monotonic(), time.monotonic(), 0.0
        number = 0
        base = f"http://127.0.0.1:{self.port}"
        while not self.stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            if time.monotonic() - refreshed > 300:
                tokens, refreshed = _open_tokens(venue) or tokens, time.monotonic()
            if time.monotonic() - funded > 60:
                _top_up(venue)
                funded = time.monotonic()
            number += 1
            body = _ft_signal(venue, tokens, leader, number)
            if body is None:
                continue
            for target in targets:
                self._send(base, target, body | {"strategy": target.slug}, run)

    def _send(self, base: str, target: Any, body: dict[str, Any], run: str) -> None:
        from sandbox.demo import signal_post

        body = body | {"idempotency_key": f"{run}-{target.slug}-{body['ft_signal_id']}"}
        began = time.monotonic()
        # A client per signal: a new TCP connection each time, as senders that do not keep
        # connections alive do.
        with httpx.Client(base_url=base, timeout=30) as client:
            answer = signal_post(client, target, body)
        ms = (time.monotonic() - began) * 1000
        self.latencies.add(int((began - self.started) // 60), ms, answer.status_code)
        self.sent += 1
        if answer.status_code in (200, 201):
            decision = answer.json()
            self.outcomes[decision.get("reason_code") or decision.get("decision", "?")] += 1

    # --- sampling ------------------------------------------------------------------------

    def sampler(self, lt_run: int) -> None:
        while not self.stop.wait(0 if not self.samples else SAMPLE_SECONDS):
            self.samples.append(self._sample(lt_run))

    def _sample(self, lt_run: int) -> dict[str, Any]:
        processes = sample.process_tree(lt_run)
        return {
            "t": round(time.monotonic() - self.started, 1),
            "signals": self.sent,
            "rss_kib": {str(pid): sample.rss_kib(pid) for pid in processes},
            "kinds": {str(pid): kind for pid, kind in processes.items()},
            "db": sample.database_sample(self.url, self.name),
        }

    # --- the run -------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        _fresh_database(self.admin, self.name)
        process = self.start()
        try:
            targets = self.prepare()
            self.started = time.monotonic()
            sampler = threading.Thread(target=self.sampler, args=(process.pid,), daemon=True)
            sampler.start()
            feeder = threading.Thread(target=self.feed, args=(targets,), daemon=True)
            feeder.start()
            end, written = self.started + self.minutes * 60, 0
            while time.monotonic() < end and process.poll() is None:
                time.sleep(1)
                if len(self.samples) >= written + 10:  # a report so far, every 10 samples
                    written = len(self.samples)
                    self.write(self.report(final=False))
            self.stop.set()
            feeder.join(timeout=60)
            time.sleep(SETTLE_SECONDS)
            self.samples.append(self._sample(process.pid))
            report = self.report(final=True)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
            self.log.close()
        report["invariants"]["no_error_line"] = _log_errors(self.log_path)
        self.write(report)
        return report

    def report(self, *, final: bool) -> dict[str, Any]:
        from bench.soak_report import report_build

        return report_build(self, final=final)

    def write(self, report: dict[str, Any]) -> None:
        from bench.soak_report import report_markdown

        (OUT / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (OUT / "report.md").write_text(report_markdown(report))
        # The raw samples too, so that a report can be drawn again from them.
        (OUT / "samples.json").write_text(json.dumps(self.samples, default=str) + "\n")


def _open_tokens(venue: Any) -> list[str]:
    return [
        str(token["token_id"])
        for market in venue.markets()
        if market.get("active") and not market.get("closed")
        for token in market.get("tokens") or []
    ]


def _ft_signal(
    venue: Any, tokens: list[str], leader: dict[str, Decimal], number: int
) -> dict[str, Any] | None:
    """The next FT signal: an exit of a held token now and then, else an entry at the ask."""
    from execution.venue import VenueError

    held = [t for t in tokens if leader.get(t)]
    exit_ = bool(held) and random.random() < EXIT_SHARE
    token = random.choice(held if exit_ else tokens)
    try:
        book = venue.book(token)
    except VenueError:
        return None
    price = book.best_bid if exit_ else book.best_ask
    if price is None or not Decimal(0) < price < Decimal(1):
        return None
    size = leader.pop(token) if exit_ else Decimal(random.randint(4, 20))
    if not exit_:
        leader[token] = leader.get(token, Decimal(0)) + size
    return {
        "token_id": token,
        "condition_id": book.condition_id,
        "side": "SELL" if exit_ else "BUY",
        "price": str(price),
        "size": str(size),
        "ft_signal_id": f"ft-soak-{number}",
        "ft_created_at": _now_iso(),
        "leader": "0x" + "5" * 40,
    }


def _now_iso() -> str:
    from django.utils import timezone

    return timezone.now().isoformat()


def _top_up(venue: Any) -> None:
    from django.conf import settings

    from execution.venue import VenueError

    try:
        cash = venue.balance().balance
        if cash < WALLET_FLOOR:
            httpx.post(
                f"{settings.CLOB_HOST}/_sandbox/fund",
                json={"address": venue.funder, "pusd": str(2 * WALLET_FLOOR - cash)},
                timeout=30,
            )
    except (VenueError, httpx.HTTPError) as error:  # a missed top-up is retried in a minute
        print(f"soak: top-up failed: {error!r}")


# A log line at ERROR or CRITICAL (the format of settings.LOGGING): its logger's name. Alert
# mails printed by the console backend are not log lines (the report counts alerts apart),
# and a traceback belongs to the line before it.
_ERROR_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (?:ERROR|CRITICAL) (\S+) ")
# The sandbox venue and its chain stand in for Polymarket and Polygon: their errors are
# reported, not held against LT.
_STAND_IN_LOGGERS = ("sandbox.",)
# lt_run's line when the soak stops it: the venue stand-in may go before a job that was
# reading it ends, and what follows is the system stopping, not running; reported apart.
_STOPPING = "Stopping LT"


def _log_errors(path: Path) -> dict[str, Any]:
    lt: list[str] = []
    stand_in: list[str] = []
    stopping: list[str] = []
    running = True
    for line in path.read_text(errors="replace").splitlines():
        running = running and not line.startswith(_STOPPING)
        if (match := _ERROR_LINE.match(line)) is None:
            continue
        if not running:
            stopping.append(line)
        else:
            (stand_in if match.group(1).startswith(_STAND_IN_LOGGERS) else lt).append(line)
    return {
        "ok": not lt,
        "count": len(lt),
        "first": lt[:10],
        "stand_in_count": len(stand_in),
        "stand_in_first": stand_in[:5],
        "while_stopping_count": len(stopping),
        "while_stopping_first": stopping[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=3, help="signals a second, all strategies")
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "ltproject.settings"
    sys.path.insert(0, str(ROOT))
    report = Soak(minutes=args.minutes, rate=args.rate).run()
    print((OUT / "report.md").read_text())
    return 0 if all(v.get("ok") for v in report["invariants"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
