"""The FT-vs-LT comparison: latencies measured on the right clocks, the latest mid per token on
any database, and the endpoint's answers as its schema documents them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from execution.apis import (
    ComparisonQualityOutput,
    SignalOutcomeOutput,
    SlippageBucketOutput,
    StrategyComparisonApi,
)
from execution.models import Order, OrderStatus
from execution.selectors import strategy_comparison
from ltproject.domain import OrderType, TradingMode
from strategies.models import Signal, Strategy
from tests.factories import (
    FillFactory,
    MarketTokenFactory,
    MidPriceFactory,
    OrderFactory,
    RiskDecisionFactory,
    SignalFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
ROOT = Path(__file__).resolve().parents[2]
# LT's clock when the order was handed to the venue: 700 ms into a second, so a venue
# match_time (whole seconds) in the same second reads 700 ms *before* the post.
POSTED = datetime(2026, 3, 2, 14, 30, 5, 700_000, tzinfo=UTC)
ROUND_TRIP = timedelta(milliseconds=180)
FT_PRICE = D("0.55")


def _traded_signal(
    strategy: Strategy,
    *,
    match_time: datetime,
    order_type: str = OrderType.GTC,
    decided: datetime | None = None,
    acked: datetime | None = POSTED + ROUND_TRIP,
    price: Decimal = FT_PRICE,
    fill_price: Decimal = FT_PRICE,
) -> Signal:
    """A live signal LT decided, posted at POSTED and got a first fill for at `match_time`,
    the venue's clock (fills._apply copies the trade's match_time to first_fill_at)."""
    signal = SignalFactory(strategy=strategy, price=price)
    decision = RiskDecisionFactory(
        signal=signal, created_at=decided or POSTED - timedelta(milliseconds=40)
    )
    order = OrderFactory(
        strategy=strategy,
        signal=signal,
        risk_decision=decision,
        token_id=signal.token_id,
        mode=TradingMode.LIVE,
        order_type=order_type,
        price=fill_price,
        size=D(10),
        notional=D("5.5"),
        reference_price=price,
        status=OrderStatus.MATCHED,
        size_matched=D(10),
        avg_fill_price=fill_price,
        posted_at=POSTED,
        acked_at=acked,
        first_fill_at=match_time,
    )
    FillFactory(order=order, price=fill_price, size=D(10), match_time=match_time)
    return signal


def _row(report: dict[str, Any], signal: Signal) -> dict[str, Any]:
    return next(r for r in report["rows"] if r["signal_id"] == signal.pk)


# --- post→fill and decision→post -----------------------------------------------------------


@pytest.mark.parametrize("order_type", [OrderType.GTC, OrderType.FAK])
def test_a_fill_matched_at_the_post_counts_the_post_round_trip_not_a_negative_time(
    order_type: str,
) -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    venue_second = POSTED.replace(microsecond=0)  # 700 ms before LT's posted_at
    signal = _traded_signal(strategy, match_time=venue_second, order_type=order_type)

    row = _row(strategy_comparison(strategy=strategy), signal)

    assert D(row["post_to_fill_ms"]) >= 0
    assert row["post_to_fill_ms"] == "180.0"  # acked_at - posted_at


def test_a_fak_fill_the_venue_stamps_after_the_answer_still_counts_the_round_trip() -> None:
    # A FAK only matches at the POST: a match_time after LT's acked_at is the venue's clock
    # running ahead, not a later fill.
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    stamped_late = POSTED.replace(microsecond=0) + timedelta(seconds=1)
    signal = _traded_signal(strategy, match_time=stamped_late, order_type=OrderType.FAK)

    assert _row(strategy_comparison(strategy=strategy), signal)["post_to_fill_ms"] == "180.0"


def test_a_resting_order_filled_30_seconds_after_its_post_counts_about_30_seconds() -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    later = POSTED.replace(microsecond=0) + timedelta(seconds=30)  # the venue's whole second
    signal = _traded_signal(strategy, match_time=later, order_type=OrderType.GTC)

    post_to_fill = D(_row(strategy_comparison(strategy=strategy), signal)["post_to_fill_ms"])

    assert abs(post_to_fill - 30_000) < 1000  # within the venue's one-second resolution
    assert post_to_fill == D("29300.0")


def test_a_fill_without_an_answer_yet_never_counts_before_the_post() -> None:
    # The POST's outcome was unknown (no acked_at) and the trade feed showed a fill stamped
    # in the second of the post: the fill cannot have come before the order existed.
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    signal = _traded_signal(strategy, match_time=POSTED.replace(microsecond=0), acked=None)

    assert _row(strategy_comparison(strategy=strategy), signal)["post_to_fill_ms"] == "0.0"


def test_decision_to_post_is_measured_and_never_negative() -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    on_time = _traded_signal(strategy, match_time=POSTED)
    # The intake's host clock ahead of the executor's: the decision reads after the post.
    skewed = _traded_signal(strategy, match_time=POSTED, decided=POSTED + timedelta(seconds=2))

    report = strategy_comparison(strategy=strategy)

    assert _row(report, on_time)["decision_to_post_ms"] == "40.0"
    assert _row(report, skewed)["decision_to_post_ms"] == "0.0"
    assert report["quality"]["decision_to_post_ms_p50"] == "20.0"
    assert report["quality"]["decision_to_post_ms_p99"] == "40.0"


# --- quality figures -------------------------------------------------------------------------


def test_quality_gives_p50_and_p99_latencies_and_slippage_per_bucket() -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    base = POSTED.replace(microsecond=0)
    # Fills 1 s .. 10 s after the second of the post: post→fill 300 ms .. 9300 ms.
    for seconds in range(1, 11):
        _traded_signal(strategy, match_time=base + timedelta(seconds=seconds))
    _traded_signal(strategy, match_time=base, fill_price=D("0.56"))  # 181.82 bps worse
    _traded_signal(strategy, match_time=base, fill_price=D("0.54"))  # 181.82 bps better
    SignalFactory(strategy=strategy)  # not traded: no latency, no slippage

    quality = strategy_comparison(strategy=strategy)["quality"]

    # 12 fills: 180 ms twice, then 300 .. 9300 ms.
    assert quality["post_to_fill_ms_p50"] == "3800.0"  # (3300 + 4300) / 2
    assert quality["post_to_fill_ms_p99"] == "9300.0"  # nearest rank: the 12th of 12
    buckets = {(b["min_bps"], b["max_bps"]): b["count"] for b in quality["slippage_bps_buckets"]}
    assert list(buckets) == [
        (None, "-500"),
        ("-500", "-100"),
        ("-100", "-10"),
        ("-10", "0"),
        ("0", "10"),
        ("10", "100"),
        ("100", "500"),
        ("500", None),
    ]
    assert buckets[("-500", "-100")] == 1
    assert buckets[("0", "10")] == 10
    assert buckets[("100", "500")] == 1
    assert sum(buckets.values()) == 12
    assert quality["slippage_bps_p50"] == "0.00"
    assert quality["fill_ratio_p50"] == "1.0000"


def test_an_empty_strategy_has_empty_figures() -> None:
    report = strategy_comparison(strategy=StrategyFactory())

    assert (report["signals"], report["traded"], report["rows"]) == (0, 0, [])
    quality = report["quality"]
    assert quality["decision_to_post_ms_p99"] is None and quality["post_to_fill_ms_p99"] is None
    assert sum(b["count"] for b in quality["slippage_bps_buckets"]) == 0


# --- marks: the latest mid per token ---------------------------------------------------------


def test_marks_are_each_tokens_latest_mid_in_a_bounded_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    strategy = StrategyFactory()
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    tokens = [str(9 * 10**40 + n) for n in range(6)]
    for n, token in enumerate(tokens):
        SignalFactory(strategy=strategy, token_id=token)
        for minutes, mid in ((-10, "0.10"), (-(n + 1), f"0.{n + 2}0"), (-30, "0.90")):
            MidPriceFactory(
                token_id=token, mid=D(mid), observed_at=now + timedelta(minutes=minutes)
            )
    # Another token's newest instant (token 1's, 2 min ago) must not pick token 0's row there.
    MidPriceFactory(token_id=tokens[0], mid=D("0.95"), observed_at=now - timedelta(minutes=2))
    # Two rows at one token's newest instant: the later insert wins.
    MidPriceFactory(token_id=tokens[5], mid=D("0.77"), observed_at=now - timedelta(minutes=6))
    # A resolved token is marked at 1 / 0, whatever its mids.
    MarketTokenFactory(token_id=tokens[4], winner=True)
    SignalFactory(strategy=strategy, token_id="no-mid-recorded")

    with django_assert_max_num_queries(4):  # signals, newest instants, their rows, winners
        report = strategy_comparison(strategy=strategy)

    marks = {r["token_id"]: r["mark"] for r in report["rows"]}
    assert marks == {
        tokens[0]: "0.200000",
        tokens[1]: "0.300000",
        tokens[2]: "0.400000",
        tokens[3]: "0.500000",
        tokens[4]: "1",
        tokens[5]: "0.770000",
        "no-mid-recorded": None,
    }


def test_the_comparison_answers_on_sqlite(tmp_path: Path) -> None:
    """The `make run` database: DISTINCT ON made the endpoint answer 500 there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("SECRET_KEY_FILE", None)
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DEBUG": "true",
        "SECRET_KEY": "x" * 50,
    }
    migrated = _manage(env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr

    shown = _manage(env, "shell", "-c", _SQLITE_SCRIPT)

    assert shown.returncode == 0, shown.stderr
    answer = json.loads(shown.stdout.strip().splitlines()[-1])
    assert answer["vendor"] == "sqlite" and answer["status"] == 200
    report = answer["body"]
    assert (report["signals"], report["traded"], report["missed"]) == (2, 1, 1)
    marks = {r["token_id"]: r["mark"] for r in report["rows"]}
    assert marks == {"111": "0.600000", "222": "0.300000"}
    traded = next(r for r in report["rows"] if r["token_id"] == "111")
    assert traded["post_to_fill_ms"] == "180.0" and traded["decision_to_post_ms"] == "40.0"
    assert report["lt_pnl"] == "0.500000"  # 10 shares bought at 0.55, marked at 0.60


_SQLITE_SCRIPT = textwrap.dedent(
    """
    import json
    from datetime import timedelta
    from decimal import Decimal as D

    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIRequestFactory, force_authenticate

    from execution.apis import StrategyComparisonApi
    from execution.models import OrderStatus
    from tests.factories import (
        MidPriceFactory, OrderFactory, RiskDecisionFactory, SignalFactory, StrategyFactory,
    )

    now = timezone.now().replace(microsecond=700_000)
    strategy = StrategyFactory(slug="on-sqlite")
    signal = SignalFactory(strategy=strategy, token_id="111", price=D("0.55"))
    SignalFactory(strategy=strategy, token_id="222")
    MidPriceFactory(token_id="111", mid=D("0.40"), observed_at=now - timedelta(minutes=5))
    MidPriceFactory(token_id="111", mid=D("0.60"), observed_at=now)
    MidPriceFactory(token_id="222", mid=D("0.30"), observed_at=now - timedelta(minutes=5))
    MidPriceFactory(token_id="222", mid=D("0.20"), observed_at=now - timedelta(minutes=9))
    decision = RiskDecisionFactory(signal=signal, created_at=now - timedelta(milliseconds=40))
    OrderFactory(
        strategy=strategy, signal=signal, risk_decision=decision, token_id="111",
        order_type="GTC", size=D(10), size_matched=D(10), avg_fill_price=D("0.55"),
        status=OrderStatus.MATCHED, posted_at=now, acked_at=now + timedelta(milliseconds=180),
        first_fill_at=now.replace(microsecond=0),
    )
    # The view itself, past authentication: what answered 500 here was the selector.
    request = APIRequestFactory().get("/api/v1/strategies/on-sqlite/comparison/")
    force_authenticate(request, User.objects.create_superuser("cmp", "cmp@example.com", "pw"))
    answer = StrategyComparisonApi.as_view()(request, slug="on-sqlite")
    answer.render()
    print(json.dumps({
        "vendor": connection.vendor,
        "status": answer.status_code,
        "body": json.loads(answer.content),
    }))
    """
)


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


# --- the endpoint ----------------------------------------------------------------------------


def _url(slug: str) -> str:
    return f"/api/v1/strategies/{slug}/comparison/"


def test_anonymous_gets_403_not_401_as_documented() -> None:
    strategy = StrategyFactory()

    answer = Client().get(_url(strategy.slug))

    assert answer.status_code == 403
    assert answer.json() == {"detail": "Authentication credentials were not provided."}


def test_a_logged_in_user_without_staff_status_gets_403() -> None:
    strategy = StrategyFactory()
    client = Client()
    client.force_login(User.objects.create_user("viewer", "viewer@example.com", "pw"))

    answer = client.get(_url(strategy.slug))

    assert answer.status_code == 403
    assert answer.json() == {"detail": "You do not have permission to perform this action."}


def test_an_unknown_slug_gets_404(admin_client_logged_in: Client) -> None:
    answer = admin_client_logged_in.get(_url("no-such-strategy"))

    assert answer.status_code == 404
    assert set(answer.json()) == {"detail"}


def test_staff_get_the_documented_keys(admin_client_logged_in: Client) -> None:
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    _traded_signal(strategy, match_time=POSTED.replace(microsecond=0))
    SignalFactory(strategy=strategy)

    answer = admin_client_logged_in.get(_url(strategy.slug))

    assert answer.status_code == 200
    report = answer.json()
    assert set(report) == set(StrategyComparisonApi.OutputSerializer().fields)
    assert set(report) >= {  # what callers read before the schema existed
        "strategy",
        "signals",
        "traded",
        "missed",
        "missed_by_reason",
        "ft_pnl",
        "lt_pnl",
        "ft_pnl_on_traded",
        "quality",
        "rows",
    }
    assert set(report["quality"]) == set(ComparisonQualityOutput().fields)
    assert set(report["quality"]) >= {
        "decision_to_post_ms_p50",
        "decision_to_post_ms_p99",
        "post_to_fill_ms_p50",
        "post_to_fill_ms_p99",
        "slippage_bps_p50",
        "slippage_bps_buckets",
        "fill_ratio_p50",
    }
    bucket_fields = set(SlippageBucketOutput().fields)
    assert all(set(b) == bucket_fields for b in report["quality"]["slippage_bps_buckets"])
    assert len(report["rows"]) == 2
    assert all(set(row) == set(SignalOutcomeOutput().fields) for row in report["rows"])
    # The serializer passes the selector's strings through: same digits as before.
    assert report == json.loads(json.dumps(strategy_comparison(strategy=strategy)))
    first_fill_at = Order.objects.get(strategy=strategy).first_fill_at
    assert first_fill_at is not None and first_fill_at < POSTED  # the case the row covers
    assert D(_row(report, Signal.objects.get(order__strategy=strategy))["post_to_fill_ms"]) > 0
