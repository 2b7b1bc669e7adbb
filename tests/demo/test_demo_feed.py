"""`lt_demo_feed`: the bundled FT stream reaches both demo strategies through the signal API,
the paper one fills at once, the live one trades at the sandbox with a wallet the faucet
funded; bad input stops it with one line before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from execution.models import Fill, Order, OrderStatus, Position
from execution.sync import fills_sync
from execution.venue.session import get_venue, reset_venue
from ltproject.domain import TradingMode
from risk.models import RiskDecision, RiskState
from sandbox.demo import (
    DEMO_FILE,
    LIVE_SLUG,
    PAPER_SLUG,
    WALLET_PUSD,
    demo_reconcile,
    demo_wallet_prepare,
)
from sandbox.testing import TEST_PRIVATE_KEY, SandboxHandle
from strategies.models import ApiCredential, Signal, Strategy
from tests.demo.test_demo_file import DESIGNED
from tests.factories import PositionFactory, StrategyFactory

ROOT = Path(__file__).resolve().parents[2]
D = Decimal
# Five entries every rule lets through, and two that no holding can change: too small a
# notional (carol) and too few shares for the market (world cup).
SLICE = ("ft-copy-0001", "ft-copy-0002", "ft-copy-0003", "ft-copy-0004", "ft-copy-0005",
         "ft-copy-0006", "ft-copy-0008")  # fmt: skip


@pytest.fixture
def demo_venue(live_venue: SandboxHandle, settings: Settings) -> SandboxHandle:
    """The sandbox as LT's live venue, traded with LT's own wallet (not the faucet's)."""
    settings.SIGNER_PRIVATE_KEY = live_venue.other_account.private_key
    reset_venue()
    return live_venue


def _slice(tmp_path: Path, ids: tuple[str, ...]) -> Path:
    lines = [line for line in DEMO_FILE.read_text().splitlines() if any(i in line for i in ids)]
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _feed(*args: str) -> list[str]:
    out = StringIO()
    call_command("lt_demo_feed", *args, "--speed", "0", stdout=out)
    return out.getvalue().splitlines()


def _nothing_written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Strategy, ApiCredential, Signal, RiskDecision, Order)
    }


@pytest.mark.django_db(transaction=True)
def test_feed_trades_each_signal_in_both_strategies(
    demo_venue: SandboxHandle, live_server: LiveServer, tmp_path: Path
) -> None:
    wallet = demo_venue.other_account.address
    lines = _feed("--url", live_server.url, "--file", str(_slice(tmp_path, SLICE)))

    decisions = [line for line in lines if line.startswith("[")]
    assert len(decisions) == 2 * len(SLICE)
    assert sum("accepted" in line for line in decisions) == 10
    assert f"demo: live wallet {wallet}" in "\n".join(lines)
    for slug in (PAPER_SLUG, LIVE_SLUG):
        strategy = Strategy.objects.get(slug=slug)
        outcomes = dict(
            RiskDecision.objects.filter(strategy=strategy)
            .values_list("reason_code")
            .annotate(n=Count("id"))
        )
        assert outcomes == {
            "ACCEPTED": 5,
            "ORDER_NOTIONAL_BELOW_MIN": 1,
            "SIZE_BELOW_MARKET_MIN": 1,
        }
        assert set(Order.objects.filter(strategy=strategy).values_list("status", flat=True)) == {
            OrderStatus.MATCHED
        }

    paper = Fill.objects.filter(order__strategy__slug=PAPER_SLUG)
    assert paper.count() >= 5 and all(f.is_paper for f in paper)
    at_venue = [o for o in demo_venue.orders() if o["maker_address"].lower() == wallet.lower()]
    assert len(at_venue) == 5 and {o["status"] for o in at_venue} == {"MATCHED"}
    fills_sync()
    live = Fill.objects.filter(order__strategy__slug=LIVE_SLUG)
    assert live.count() >= 5 and not any(f.is_paper for f in live)
    spent = sum((f.size * f.price for f in live), D(0))
    assert get_venue().balance().balance == WALLET_PUSD - spent


@pytest.mark.django_db(transaction=True)
def test_whole_stream_gets_the_designed_paper_decisions(
    demo_venue: SandboxHandle, live_server: LiveServer
) -> None:
    lines = _feed("--url", live_server.url)

    decided = dict(
        RiskDecision.objects.filter(strategy__slug=PAPER_SLUG).values_list(
            "signal__ft_signal_id", "reason_code"
        )
    )
    assert decided == DESIGNED
    accepted = sum(code == "ACCEPTED" for code in DESIGNED.values())
    tally = f"demo: {PAPER_SLUG} (paper): {accepted} accepted, {len(DESIGNED) - accepted} rejected"
    assert tally in lines
    assert Signal.objects.filter(strategy__slug=LIVE_SLUG).count() == len(DESIGNED)


@pytest.mark.django_db(transaction=True)
def test_feed_signs_like_an_ft_system_and_a_second_run_trades_again(
    demo_venue: SandboxHandle, live_server: LiveServer, tmp_path: Path
) -> None:
    path = _slice(tmp_path, ("ft-copy-0004",))  # an entry small enough to fit twice
    _feed("--url", live_server.url, "--file", str(path))
    _feed("--url", live_server.url, "--file", str(path))

    # Each run: one new key per strategy (the older revoked) and new idempotency keys.
    assert ApiCredential.objects.filter(is_active=True).count() == 2
    assert ApiCredential.objects.filter(is_active=False).count() == 2
    assert Signal.objects.filter(strategy__slug=LIVE_SLUG).count() == 2
    assert Order.objects.filter(strategy__slug=LIVE_SLUG, status=OrderStatus.MATCHED).count() == 2
    signal = Signal.objects.filter(strategy__slug=PAPER_SLUG).first()
    assert signal is not None and signal.ft_signal_id == "ft-copy-0004"
    assert signal.leader.startswith("0x") and signal.condition_id.startswith("0x")


@pytest.mark.django_db
def test_restart_gives_the_wallet_back_what_the_ledger_holds(
    demo_venue: SandboxHandle,
) -> None:
    """A new sandbox has an empty wallet while LT's database keeps the last run's positions;
    unrestored, every reconciliation would fail and halt live entries."""
    token = demo_venue.market("btc-above-150k-2026").yes.token_id
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    PositionFactory(strategy=strategy, token_id=token, mode=TradingMode.LIVE, size=D("12.5"))
    lines: list[str] = []

    demo_wallet_prepare(venue=get_venue(), write=lines.append)

    assert get_venue().balance(token).balance == D("12.5")
    assert get_venue().balance().balance == WALLET_PUSD
    assert demo_reconcile(write=lines.append)
    assert RiskState.objects.get(is_global=True).reconciled_at is not None
    assert Position.objects.get(token_id=token).size == D("12.5")


def _refused(*args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        _feed(*args)
    message = str(excinfo.value)
    assert "\n" not in message
    return message


@pytest.mark.django_db
def test_unknown_market_stops_the_feed_before_anything_is_written(
    demo_venue: SandboxHandle, tmp_path: Path
) -> None:
    path = _slice(tmp_path, ("ft-copy-0001", "ft-copy-0002"))
    path.write_text(path.read_text().replace('"eth-etf-flows-positive"', '"eth-above-10k"'))

    message = _refused("--file", str(path))

    assert message == ("slice.jsonl:2: the venue has no market 'eth-above-10k' with outcome 'Yes'")
    assert set(_nothing_written().values()) == {0}
    assert demo_venue.orders() == []
    assert demo_venue.venue.balance(demo_venue.other_account.address) == 0  # not funded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SIGNER_PRIVATE_KEY": TEST_PRIVATE_KEY}, "SIGNER_PRIVATE_KEY is anvil account 0"),
        ({"LIVE_TRADING": False}, "the live demo strategy needs LIVE_TRADING=true"),
    ],
)
def test_a_wallet_the_demo_may_not_use_stops_it_before_anything_is_written(
    demo_venue: SandboxHandle, settings: Settings, overrides: dict[str, Any], message: str
) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)
    reset_venue()

    assert _refused("--file", str(DEMO_FILE)).startswith(message)
    assert set(_nothing_written().values()) == {0}
    assert demo_venue.venue.balance(demo_venue.account.address) == 10_000 * 10**6


def test_bad_input_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": 0, "side": "BUY"}\n')
    database = tmp_path / "lt.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env |= {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "lt_demo_feed", "--file", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == "CommandError: bad.jsonl:1: missing key 'ft_signal_id'\n"
    assert not database.exists()


@pytest.mark.django_db
def test_a_missing_file_stops_the_feed_with_one_line(tmp_path: Path) -> None:
    message = _refused("--file", str(tmp_path / "nope.jsonl"))
    assert message.startswith("cannot read ") and message.endswith("No such file or directory")
    assert set(_nothing_written().values()) == {0}
