"""Market metadata in `lt_markets` / `lt_market_tokens`, kept from the venue's own answers.

Risk checks read tick size, minimum size, neg-risk flag and event group from these rows, so
a signal for a token LT has not seen yet first brings its market in from the venue. The
venue calls happen before any transaction opens; only the upsert is atomic.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from ltproject.fees import FeeSchedule
from strategies.models import Signal

from .models import Market, MarketToken, Order, OrderStatus, Position, PositionStatus
from .venue import VenueAdapter, VenueError
from .venue.types import dec

log = logging.getLogger(__name__)


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
    closed = bool(raw.get("closed", False))
    market, _ = Market.objects.update_or_create(
        condition_id=condition_id,
        defaults={
            "question": str(raw.get("question", "")),
            "slug": str(raw.get("market_slug") or raw.get("slug") or ""),
            "event_id": str(raw.get("neg_risk_market_id") or raw.get("event_id") or ""),
            "neg_risk": info.neg_risk,
            "exchange_version": exchange_version(raw),
            "tick_size": info_tick,
            "min_order_size": info.min_order_size
            if info.min_order_size is not None
            else dec(raw.get("minimum_order_size") or 5),
            "fee_params": FeeSchedule(
                rate=info.fee_rate, exponent=info.fee_exponent, taker_only=info.fee_taker_only
            ).as_params(),
            "active": bool(raw.get("active", True)),
            # The venue leaves some closed markets `accepting_orders: true`: closed wins.
            "accepting_orders": bool(raw.get("accepting_orders", True)) and not closed,
            "closed": closed,
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


# Gamma's `version` names the market's protocol: "v2" markets trade position ids on Exchange
# V3 (EIP-712 domain "3"); "v1" and unversioned ones on Exchange V2.
_EXCHANGE_OF_PROTOCOL = {"v1": 2, "v2": 3}


def exchange_version(raw: dict[str, Any]) -> int:
    """The exchange a market's orders are signed for, from its `version` when it has one."""
    return _EXCHANGE_OF_PROTOCOL.get(str(raw.get("version") or "v1").lower(), 2)


def market_tick_changed(*, token_id: str, tick_size: Decimal) -> bool:
    """The venue says a token's tick is now `tick_size` (a `tick_size_change` market message):
    record it on the token's market. Returns whether it changed."""
    return bool(market_ticks_observed({token_id: tick_size}))


def market_ticks_observed(ticks: dict[str, Decimal]) -> int:
    """Ticks as the venue's books show them, token → tick: record those that moved (one
    query when none did). Returns how many markets changed."""
    recorded = MarketToken.objects.filter(token_id__in=ticks).values_list(
        "token_id", "market_id", "market__tick_size"
    )
    moved = {
        market_id: ticks[token_id]
        for token_id, market_id, tick in recorded
        if tick is not None and Decimal(tick) != ticks[token_id]
    }
    for market_id, tick in moved.items():
        market_tick_set(market_id=market_id, tick_size=tick)
    return len(moved)


def market_tick_set(*, market_id: int, tick_size: Decimal) -> None:
    """The venue moved a market's tick (near 0 and 1 it does): later orders price on it."""
    if (
        Market.objects.filter(pk=market_id)
        .exclude(tick_size=tick_size)
        .update(tick_size=tick_size.normalize())
    ):
        log.info("market %s: the venue's tick is now %s", market_id, tick_size.normalize())


def markets_refresh_active(*, venue: VenueAdapter, since: datetime) -> int:
    """Re-read the CLOB parameters (tick, minimum size, neg-risk, fees, accepting orders) of
    every market LT holds, has an order resting in, or was signalled on since `since`: the
    venue changes ticks while a market trades, and a stale tick gets orders refused."""
    tokens = (
        set(Position.objects.filter(status=PositionStatus.OPEN).values_list("token_id", flat=True))
        | set(
            Order.objects.filter(status__in=(OrderStatus.LIVE, OrderStatus.DELAYED)).values_list(
                "token_id", flat=True
            )
        )
        | set(Signal.objects.filter(received_at__gte=since).values_list("token_id", flat=True))
    )
    conditions = set(
        MarketToken.objects.filter(token_id__in=tokens).values_list(
            "market__condition_id", flat=True
        )
    )
    refreshed = 0
    for condition_id in sorted(conditions):
        try:
            market_refresh(venue=venue, condition_id=condition_id)
        except VenueError as error:  # one market's failure must not stop the others
            log.warning("market %s not refreshed: %s", condition_id, error.message)
            continue
        refreshed += 1
    return refreshed
