"""Plain objects for the risk rules' tests that need no database: the signal, book and market
a decision sees, and unsaved rules and inputs for sizing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ltproject.domain import Side
from risk.books import Book, MarketInfo
from risk.models import RiskRules
from risk.sizing import SizingInputs
from risk.vocabulary import SizingMode

D = Decimal
UNIT = D("0.000001")
TICK = timedelta(microseconds=1)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
YES, NO = "1001", "1002"

BOOK = Book(
    token_id=YES,
    bids=((D("0.49"), D(1000)), (D("0.48"), D(1000))),
    asks=((D("0.50"), D(1000)), (D("0.51"), D(1000))),
)  # spread 0.01, mid 0.495

MARKET = MarketInfo(
    token_id=YES,
    market_id=7,
    condition_id="0xc",
    event_id="",
    neg_risk=False,
    tick_size=D("0.01"),
    min_order_size=D(5),
    accepting_orders=True,
    sibling_token_ids=(NO,),
)


@dataclasses.dataclass
class Sig:
    token_id: str = YES
    condition_id: str = ""
    side: str = Side.BUY
    price: Decimal = Decimal("0.50")
    size: Decimal | None = None
    max_slippage_bps: int | None = None


def sizing_rules(mode: SizingMode, **values: object) -> RiskRules:
    """Unsaved rules with only the sizing mode (and what `values` sets)."""
    fields: dict[str, object] = {
        "sizing_mode": mode,
        "sizing_notional": None,
        "sizing_percent": None,
        "sizing_multiplier": None,
        "sizing_target_vol": None,
        "max_order_notional": None,
    }
    return RiskRules(**{**fields, **values})


def sizing_inputs(**values: object) -> SizingInputs:
    """A 0.50 limit, equity 1,000 pUSD, no FT size (and what `values` sets)."""
    fields: dict[str, object] = {"ft_size": None, "limit_price": D("0.50"), "equity": D(1000)}
    return SizingInputs(**{**fields, **values})  # type: ignore[arg-type]
