"""Market metadata in `lt_markets` / `lt_market_tokens`, kept from the venue's own answers.

Risk checks read tick size, minimum size, neg-risk flag and event group from these rows, so
a signal for a token LT has not seen yet first brings its market in from the venue. The
venue calls happen before any transaction opens; only the upsert is atomic.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from .models import Market, MarketToken
from .venue import VenueAdapter
from .venue.types import dec


def market_refresh(*, venue: VenueAdapter, condition_id: str) -> Market:
    """Fetch one market from the venue and upsert it with its tokens."""
    info = venue.market_info(condition_id)
    raw = venue.market(condition_id)
    return _market_upsert(condition_id=condition_id, info_tick=info.tick_size, raw=raw, info=info)


def market_for_token(*, venue: VenueAdapter, token_id: str) -> Market:
    """The market of a token: from the database, or fetched from the venue once."""
    known = MarketToken.objects.select_related("market").filter(token_id=token_id).first()
    if known is not None:
        return known.market
    return market_refresh(venue=venue, condition_id=venue.condition_for_token(token_id))


@transaction.atomic
def _market_upsert(*, condition_id: str, info_tick: Any, raw: dict[str, Any], info: Any) -> Market:
    end_date = raw.get("end_date_iso") or raw.get("end_date")
    market, _ = Market.objects.update_or_create(
        condition_id=condition_id,
        defaults={
            "question": str(raw.get("question", "")),
            "slug": str(raw.get("market_slug") or raw.get("slug") or ""),
            "event_id": str(raw.get("neg_risk_market_id") or raw.get("event_id") or ""),
            "neg_risk": info.neg_risk,
            "tick_size": info_tick,
            "min_order_size": info.min_order_size
            if info.min_order_size is not None
            else dec(raw.get("minimum_order_size") or 5),
            "fee_params": {"rate": str(info.fee_rate), "exponent": str(info.fee_exponent)},
            "active": bool(raw.get("active", True)),
            "accepting_orders": bool(raw.get("accepting_orders", True)),
            "closed": bool(raw.get("closed", False)),
            "end_date": parse_datetime(str(end_date)) if end_date else None,
        },
    )
    tokens = raw.get("tokens") or [{"token_id": t, "outcome": ""} for t in info.token_ids]
    for index, token in enumerate(tokens):
        winner = token.get("winner")
        MarketToken.objects.update_or_create(
            token_id=str(token["token_id"]),
            defaults={
                "market": market,
                "outcome": str(token.get("outcome") or f"Outcome {index}"),
                "outcome_index": index,
                "winner": bool(winner) if winner is not None and raw.get("closed") else None,
            },
        )
    return market
