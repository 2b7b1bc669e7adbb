"""Data for the `signal_to_post` benchmark, written into its fresh database.

Usage: python -m bench.s2p_setup <fixture.json> <strategies>   (settings from the env:
DATABASE_URL, CLOB_HOST pointing at a running sandbox venue, LIVE_TRADING, signer key).
Creates live strategies whose orders rest (GTC well under the market, so the sandbox does no
matching work), fetches the sandbox's markets through the venue adapter, issues one signing
key per strategy, and marks the ledger reconciled so live entries are allowed.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import django

django.setup()

from django.utils import timezone  # noqa: E402

from execution.markets import market_refresh  # noqa: E402
from execution.venue.session import get_venue  # noqa: E402
from risk.models import RiskRules, RiskState  # noqa: E402
from strategies.services import credential_issue, strategy_create  # noqa: E402


def main(path: str, strategies: int) -> None:
    venue = get_venue()
    tokens = []
    for raw in venue.markets():
        market = market_refresh(venue=venue, condition_id=raw["condition_id"])
        if market.tick_size == Decimal("0.01"):  # the bench's 0.05 is on this tick
            tokens += [t.token_id for t in market.tokens.all()]
    keys = []
    for n in range(strategies):
        strategy = strategy_create(slug=f"s2p-{n}", mode="live")
        RiskRules.objects.filter(pk=strategy.risk_rules_id).update(
            budget_daily=None, order_type="GTC", sizing_notional=1, max_order_notional=None,
            max_drawdown_pct=None, order_max_slippage_bps=0,
        )  # fmt: skip
        issued = credential_issue(strategy=strategy)
        keys.append({"slug": strategy.slug, "key_id": issued.key_id, "secret": issued.secret})
    RiskState.objects.update_or_create(is_global=True, defaults={"reconciled_at": timezone.now()})
    with open(path, "w") as handle:
        json.dump({"keys": keys, "tokens": tokens}, handle)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
