"""Orders that stopped moving: intents not sent, trades not settling, orders past their TTL.

Each is counted per strategy, so only the strategies with stuck orders are marked.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet

from execution.models import Fill, Order, OrderStatus, TradeStatus
from monitoring.models import HealthStatus

from .base import ALL_MODES, Check, CheckResult, Context, Findings, threshold, worst

UNSENT = (OrderStatus.INTENT, OrderStatus.SIGNED)
RESTING = (OrderStatus.LIVE, OrderStatus.DELAYED)
UNSETTLED = (TradeStatus.MATCHED, TradeStatus.MINED, TradeStatus.RETRYING)


def _by_strategy(rows: QuerySet[Any, Any], key: str = "strategy_id") -> Counter[int]:
    return Counter({row[key]: row["n"] for row in rows.values(key).annotate(n=Count("pk"))})


def check_orders(ctx: Context) -> CheckResult:
    now = ctx.now
    unsent = Order.objects.filter(
        status__in=UNSENT, created_at__lt=now - timedelta(seconds=threshold("orders_unsent_s"))
    )
    unsent_long = _by_strategy(
        unsent.filter(created_at__lt=now - timedelta(seconds=threshold("orders_unsent_failing_s")))
    )
    unconfirmed = Fill.objects.filter(
        status__in=UNSETTLED,
        voided_at__isnull=True,
        is_paper=False,
        match_time__lt=now - timedelta(minutes=threshold("orders_unconfirmed_minutes")),
    )
    past_ttl = Order.objects.filter(
        status__in=RESTING,
        expires_at__lt=now - timedelta(seconds=threshold("orders_past_ttl_s")),
    )
    counts = {
        "unsent": _by_strategy(unsent),
        "unconfirmed": _by_strategy(unconfirmed, "order__strategy_id"),
        "past_ttl": _by_strategy(past_ttl),
    }
    per_strategy = _per_strategy(counts, unsent_long)
    details = {name: sum(c.values()) for name, c in counts.items()}
    details["unsent_over_failing"] = sum(unsent_long.values())
    found = Findings()
    found.fail_if(
        details["unsent_over_failing"] > 0,
        f"{details['unsent_over_failing']} accepted order(s) not sent for over "
        f"{threshold('orders_unsent_failing_s')} s",
    )
    found.warn_if(
        details["unsent"] > details["unsent_over_failing"],
        f"{details['unsent']} accepted order(s) not sent after {threshold('orders_unsent_s')} s",
    )
    found.warn_if(
        details["unconfirmed"] > 0,
        f"{details['unconfirmed']} fill(s) matched but not confirmed after "
        f"{threshold('orders_unconfirmed_minutes')} min",
    )
    found.warn_if(details["past_ttl"] > 0, f"{details['past_ttl']} resting order(s) past their TTL")
    result = found.result("orders", "orders are moving", details)
    result.per_strategy = per_strategy
    return result


def _per_strategy(
    counts: dict[str, Counter[int]], failing: Counter[int]
) -> dict[int, tuple[HealthStatus, str]]:
    found: dict[int, list[tuple[HealthStatus, str]]] = {}
    for name, counter in counts.items():
        for strategy_id, n in counter.items():
            if strategy_id is None:
                continue
            status = HealthStatus.FAILING if failing.get(strategy_id) else HealthStatus.WARNING
            status = status if name == "unsent" else HealthStatus.WARNING
            found.setdefault(strategy_id, []).append((status, f"{n} {name.replace('_', ' ')}"))
    return {
        pk: (worst(s for s, _ in items), ", ".join(text for _, text in items))
        for pk, items in found.items()
    }


ORDERS = Check(
    "orders",
    check_orders,
    ALL_MODES,
    "Orders",
    on_failing="The sweep job sends unsent orders every minute; whatever is still stuck "
    "needs a look (the venue, the q-cluster). Checked again every 5 minutes.",
)
