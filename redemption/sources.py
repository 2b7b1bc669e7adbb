"""Resolution sources that read the venue: the CLOB market (`closed`, `tokens[].winner`) and
Gamma (`closed`, `outcomePrices`, `umaResolutionStatus`). Both are advisory.

The chain stays the authority: only `payoutDenominator > 0` books a resolution, because only
then can a redeem be sent. The venue sources speed detection — one batched Gamma request a
minute names the markets worth a chain check, instead of waiting for the 5-minute chain scan —
and cross-check the chain's winner (a disagreement raises an alert; the chain's payouts win).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings

from execution.models import Market
from monitoring.services import alert_create

from .chain import Chain, get_chain
from .reasons import RedemptionAlert
from .resolution import ChainResolutionSource, Resolution, ResolutionSource, resolutions_detect
from .selectors import markets_awaiting_resolution

if TYPE_CHECKING:
    from execution.venue.adapter import VenueAdapter

log = logging.getLogger(__name__)

GAMMA_BATCH = 50  # condition ids per Gamma request (the URL stays well under 8 KB)
UNSETTLED_UMA = frozenset({"requested", "proposed", "disputed"})


def _one_hot(index: int | None, slots: int) -> Resolution | None:
    if index is None or index >= slots:
        return None
    return Resolution([int(i == index) for i in range(slots)], 1)


def clob_winner(market: dict[str, Any]) -> int | None:
    """The index of the token the CLOB marks `winner`, once the market is closed."""
    if not market.get("closed"):
        return None
    winners = [i for i, t in enumerate(market.get("tokens") or []) if t.get("winner")]
    return winners[0] if len(winners) == 1 else None


def gamma_winner(market: dict[str, Any]) -> int | None:
    """The outcome Gamma prices at 1 (others at 0) once closed and UMA is past disputes."""
    if not market.get("closed") or market.get("umaResolutionStatus") in UNSETTLED_UMA:
        return None
    try:
        prices = [float(p) for p in json.loads(market.get("outcomePrices") or "[]")]
    except (TypeError, ValueError):
        return None
    if sorted(prices) != [0.0] * (len(prices) - 1) + [1.0]:
        return None  # still trading, or a 50-50: only the chain can say
    return prices.index(1.0)


class ClobResolutionSource:
    """`GET /markets/{condition_id}` through the venue adapter: one request per market, so it
    suits cross-checking a few markets rather than scanning many."""

    def __init__(self, venue: VenueAdapter | None = None) -> None:
        self._venue = venue

    @property
    def venue(self) -> VenueAdapter:
        if self._venue is None:
            from execution.venue.session import get_venue

            self._venue = get_venue()
        return self._venue

    def resolved(self, condition_ids: list[str]) -> set[str]:
        return {c for c in condition_ids if clob_winner(self.venue.market(c)) is not None}

    def resolution(self, condition_id: str, slots: int) -> Resolution | None:
        return _one_hot(clob_winner(self.venue.market(condition_id)), slots)


class GammaResolutionSource:
    """Gamma's `/markets?condition_ids=…`, batched (the sandbox serves it under /gamma)."""

    def __init__(self, host: str | None = None, *, timeout: float = 5.0) -> None:
        # Production: GAMMA_HOST=https://gamma-api.polymarket.com; the sandbox: CLOB_HOST/gamma.
        default = f"{settings.CLOB_HOST.rstrip('/')}/gamma"
        self.host = (host or settings.GAMMA_HOST or default).rstrip("/")
        self.timeout = timeout

    def markets(self, condition_ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        with httpx.Client(timeout=self.timeout) as client:
            for batch in _chunks(condition_ids, GAMMA_BATCH):
                answer = client.get(
                    f"{self.host}/markets", params=[("condition_ids", c) for c in batch]
                )
                answer.raise_for_status()
                for market in answer.json():
                    found[str(market.get("conditionId", "")).lower()] = market
        return found

    def resolved(self, condition_ids: list[str]) -> set[str]:
        markets = self.markets(condition_ids)
        return {c for c in condition_ids if gamma_winner(markets.get(c.lower(), {})) is not None}

    def resolution(self, condition_id: str, slots: int) -> Resolution | None:
        market = self.markets([condition_id]).get(condition_id.lower(), {})
        return _one_hot(gamma_winner(market), slots)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class CheckedResolutionSource:
    """The authority's (the chain's) resolutions, cross-checked against an advisory source.

    With `propose=True` the advisory source also picks which markets to ask the authority
    about (a cheap venue scan first); the authority still decides each one.
    """

    def __init__(
        self, *, authority: ResolutionSource, advisory: ResolutionSource, propose: bool = False
    ) -> None:
        self.authority = authority
        self.advisory = advisory
        self.propose = propose

    def resolved(self, condition_ids: list[str]) -> set[str]:
        if self.propose:
            try:
                condition_ids = sorted(self.advisory.resolved(condition_ids))
            # Any failure of the advisory venue (down, 5xx, odd JSON) only skips this fast
            # pass: the 5-minute chain scan still books the resolution.
            except Exception as exc:  # noqa: BLE001
                log.warning("venue resolution scan failed: %s", exc)
                return set()
            if not condition_ids:
                return set()
        return self.authority.resolved(condition_ids)

    def resolution(self, condition_id: str, slots: int) -> Resolution | None:
        resolution = self.authority.resolution(condition_id, slots)
        if resolution is not None:
            self._cross_check(condition_id, slots, resolution)
        return resolution

    def _cross_check(self, condition_id: str, slots: int, resolution: Resolution) -> None:
        try:
            venue = self.advisory.resolution(condition_id, slots)
        except Exception:  # advisory only: the venue being down never blocks a booking
            log.warning("venue cross-check of %s failed", condition_id, exc_info=True)
            return
        if venue is None or venue.winner_index == resolution.winner_index:
            return
        alert_create(
            reason_code=RedemptionAlert.RESOLUTION_MISMATCH,
            subject=f"Venue and chain disagree on the winner of {_market_name(condition_id)}",
            message=(
                f"chain payouts {resolution.numerators}/{resolution.denominator}, venue says "
                f"outcome {venue.winner_index} won; the chain's payouts are booked"
            ),
            context={"condition_id": condition_id},
            action="The chain's payouts were booked: only they can be redeemed.",
            dedupe_key=f"{RedemptionAlert.RESOLUTION_MISMATCH}:{condition_id}",
            condition_id=condition_id,
        )


def resolutions_detect_from_venue(
    *, chain: Chain | None = None, venue_source: ResolutionSource | None = None
) -> int:
    """Book the awaited markets the venue calls resolved AND the chain has resolved.

    Cheap enough for every minute: nothing when no market is awaited, else one batched Gamma
    request plus a chain read for the few markets Gamma names.
    """
    if not markets_awaiting_resolution().exists():
        return 0
    chain = chain or get_chain()
    source = CheckedResolutionSource(
        authority=ChainResolutionSource(chain),
        advisory=venue_source or GammaResolutionSource(),
        propose=True,
    )
    return resolutions_detect(chain=chain, source=source)


def _market_name(condition_id: str) -> str:
    question = (
        Market.objects.filter(condition_id=condition_id).values_list("question", flat=True).first()
    )
    return question or f"{condition_id[:12]}…"
