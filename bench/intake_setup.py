"""Prepare the `intake` benchmark's database: migrate, then strategies, keys and markets.

Run as `python -m bench.intake_setup OUT.json` with DATABASE_URL naming the (empty) bench
database; writes the keys, tokens and books the client and the server need.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal


def main(out: str, strategies: int, tokens: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltproject.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from execution.models import Market, MarketToken
    from ltproject.domain import TradingMode
    from risk.models import RiskRules
    from strategies.services import credential_issue, strategy_create

    keys = []
    for n in range(strategies):
        strategy = strategy_create(slug=f"bench-{n}", mode=TradingMode.PAPER)
        RiskRules.objects.filter(pk=strategy.risk_rules_id).update(
            budget_daily=Decimal(10**9),
            max_order_notional=None,
            max_drawdown_pct=Decimal(50),
            max_exposure_per_market=Decimal(10**9),
            max_concurrent_positions=1000,
            breaker_max_spread=Decimal("0.05"),
        )
        issued = credential_issue(strategy=strategy)
        keys.append({"slug": strategy.slug, "key_id": issued.key_id, "secret": issued.secret})
    token_ids, books = [], {}
    for n in range(tokens):
        market = Market.objects.create(condition_id="0x" + f"{n:064x}", event_id=f"event-{n % 3}")
        for index, outcome in enumerate(("Yes", "No")):
            token_id = str(10**30 + 2 * n + index)
            MarketToken.objects.create(
                market=market, token_id=token_id, outcome=outcome, outcome_index=index
            )
            token_ids.append(token_id)
            books[token_id] = {
                "bids": [["0.49", "1000000"], ["0.48", "1000000"]],
                "asks": [["0.50", "1000000"], ["0.51", "1000000"]],
            }
    with open(out, "w") as handle:
        json.dump({"keys": keys, "tokens": token_ids, "books": books}, handle)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
