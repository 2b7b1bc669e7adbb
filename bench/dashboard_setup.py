"""Fills a migrated database for `bench_dashboard` (see there) and prints a staff session id.

Usage: python -m bench.dashboard_setup   (DATABASE_URL: a migrated, empty database)
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402

from execution.models import (  # noqa: E402
    Market,
    MarketToken,
    Order,
    OrderStatus,
    Position,
    PositionStatus,
)
from ltproject.domain import Side, TradingMode  # noqa: E402
from monitoring.alerts import alert_create  # noqa: E402
from monitoring.health.runner import CHECKS  # noqa: E402
from monitoring.models import Alert, HealthCheck, HealthStatus  # noqa: E402
from risk.models import BudgetPeriod, BudgetWindow  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

STRATEGIES, MARKETS, POSITIONS, ORDERS = 50, 200, 1000, 10_000
D = Decimal


def main() -> None:
    rng = random.Random(0)
    now = timezone.now()
    strategies = [strategy_create(slug=f"copy-{n:02d}", mode="paper") for n in range(STRATEGIES)]
    markets = Market.objects.bulk_create(
        Market(
            condition_id=f"0x{n:064x}",
            question=f"Will event number {n} happen by Friday?",
            event_id=f"event-{n // 4}",
        )
        for n in range(MARKETS)
    )
    tokens = MarketToken.objects.bulk_create(
        MarketToken(
            market=m, token_id=str(10**70 + 2 * i + k), outcome=("Yes", "No")[k], outcome_index=k
        )
        for i, m in enumerate(markets)
        for k in (0, 1)
    )
    positions = []
    for n in range(POSITIONS):
        strategy, token = strategies[n % STRATEGIES], tokens[n // STRATEGIES]
        cost = D(rng.randrange(20, 80)) / 100
        status = PositionStatus.OPEN if n % 4 else PositionStatus.CLOSED
        positions.append(
            Position(
                strategy=strategy,
                market=token.market,
                token_id=token.token_id,
                mode=TradingMode.PAPER,
                status=status,
                size=D(50) if status == "open" else D(0),
                avg_cost=cost,
                cost_basis=50 * cost if status == "open" else D(0),
                realised_pnl=D(rng.randrange(-300, 300)) / 100,
                mark_price=cost + D("0.02"),
                marked_at=now,
                closed_at=None if status == "open" else now - timedelta(hours=n % 48),
            )
        )
    Position.objects.bulk_create(positions, batch_size=1000)
    Order.objects.bulk_create(
        (
            Order(
                strategy=strategies[n % STRATEGIES],
                market=tokens[n % len(tokens)].market,
                token_id=tokens[n % len(tokens)].token_id,
                side=Side.BUY,
                order_type="FAK",
                mode=TradingMode.PAPER,
                price=D("0.50"),
                size=D(20),
                notional=D(10),
                size_matched=D(20),
                status=OrderStatus.MATCHED,
                created_at=now - timedelta(minutes=n),
            )
            for n in range(ORDERS)
        ),
        batch_size=2000,
    )
    BudgetWindow.objects.bulk_create(
        BudgetWindow(
            strategy=s,
            period=BudgetPeriod.DAILY,
            window_start=now.date(),
            limit=D(100),
            spent=D(rng.randrange(0, 100)),
        )
        for s in strategies
    )
    for n in range(40):
        alert_create(
            reason_code="BENCH",
            subject=f"alert {n}",
            severity=Alert.Severity.WARNING,
            strategy=strategies[n % STRATEGIES],
            dedupe_key=f"bench:{n}",
        )
    HealthCheck.objects.bulk_create(
        HealthCheck(
            name=check.name,
            status=HealthStatus.OK,
            message="fine",
            checked_at=now - timedelta(minutes=5 * k),
        )
        for check in CHECKS
        for k in range(12)
    )
    user = User.objects.create_user("bench", password="bench", is_staff=True)
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    print(session.session_key)


if __name__ == "__main__":
    main()
