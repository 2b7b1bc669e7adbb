"""Resolution detection: the chain's payouts decide; positions, marks and redemptions follow.

Gamma (`closed`, `outcomePrices`) and the CLOB (`tokens[].winner`) may show a resolution
earlier but are advisory (sources.py: they pick which markets to ask the chain about and
cross-check its winner). Only `payoutDenominator > 0` on-chain books a resolution, because
only then can a redeem be sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from execution.models import Market, MarketToken, Position, PositionStatus
from ltproject.domain import TradingMode
from ltproject.money import ZERO, quantize_price, quantize_pusd
from monitoring.models import Alert
from monitoring.services import alert_create
from risk.models import RiskState
from risk.services import risk_position_closed

from .chain import Chain, get_chain, holder
from .models import (
    Redemption,
    RedemptionAllocation,
    RedemptionKind,
    RedemptionRoute,
    RedemptionState,
)
from .reasons import RedemptionAlert, RedemptionCode
from .selectors import markets_awaiting_resolution

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resolution:
    numerators: list[int]
    denominator: int

    def ratio(self, outcome_index: int) -> Decimal:
        return Decimal(self.numerators[outcome_index]) / Decimal(self.denominator)

    @property
    def winner_index(self) -> int | None:
        winners = [i for i, n in enumerate(self.numerators) if n == self.denominator]
        return winners[0] if winners else None


class ResolutionSource(Protocol):
    def resolved(self, condition_ids: list[str]) -> set[str]:
        """Which of these conditions look resolved (cheap, batched)."""
        ...

    def resolution(self, condition_id: str, slots: int) -> Resolution | None: ...


class ChainResolutionSource:
    """The CTF's `payoutDenominator` / `payoutNumerators` (the authority for redeeming)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def resolved(self, condition_ids: list[str]) -> set[str]:
        denominators = self.chain.payout_denominators(condition_ids)
        return {c for c, d in denominators.items() if d > 0}

    def resolution(self, condition_id: str, slots: int) -> Resolution | None:
        denominator = self.chain.payout_denominator(condition_id)
        if denominator == 0:
            return None
        return Resolution(self.chain.payout_numerators(condition_id, slots), denominator)


@dataclass(frozen=True)
class Route:
    route: str
    collateral: str
    code: str = ""


def route_for(*, chain: Chain, market: Market, token_ids: list[int]) -> Route:
    """How this wallet's positions in the market are redeemed (and in which token they pay).

    Standard CLOB tokens are keyed to the legacy collateral and go through the collateral
    adapter (pays pUSD); neg-risk tokens through the neg-risk adapter. A position minted on
    the CTF with another collateral is redeemed on the CTF with exactly that collateral:
    redeeming with any other token "succeeds" and pays nothing.
    """
    if market.neg_risk:
        return Route(RedemptionRoute.NEG_RISK_ADAPTER, chain.contracts.neg_risk_payout_token)
    contracts = chain.contracts
    if chain.position_id(contracts.legacy_collateral, market.condition_id, 1) == token_ids[0]:
        return Route(RedemptionRoute.COLLATERAL_ADAPTER, contracts.pusd)
    if chain.position_id(contracts.pusd, market.condition_id, 1) == token_ids[0]:
        return Route(RedemptionRoute.CTF_LEGACY, contracts.pusd)
    return Route(RedemptionRoute.CTF_LEGACY, "", RedemptionCode.UNKNOWN_COLLATERAL)


def resolutions_detect(
    *, chain: Chain | None = None, source: ResolutionSource | None = None
) -> int:
    """Check every unresolved market that has open positions; book the resolved ones.

    Safe to run twice at once: booking locks the market row and skips a resolved market.
    """
    chain = chain or get_chain()
    source = source or ChainResolutionSource(chain)
    booked = 0
    markets = list(markets_awaiting_resolution())
    try:
        resolved = source.resolved([m.condition_id for m in markets])
    except Exception:  # the chain is down or unreachable: the next run tries again
        log.exception("resolution scan failed")
        return 0
    for market in (m for m in markets if m.condition_id in resolved):
        tokens = list(market.tokens.order_by("outcome_index"))
        if len(tokens) < 2:
            log.warning("market %s has no outcome tokens recorded; skipped", market.condition_id)
            continue
        try:
            resolution = source.resolution(market.condition_id, len(tokens))
            if resolution is None:
                continue
            route = route_for(
                chain=chain, market=market, token_ids=[int(t.token_id) for t in tokens]
            )
        except Exception:
            log.exception("resolution check of %s failed", market.condition_id)
            continue
        booked += market_resolution_record(market_id=market.pk, resolution=resolution, route=route)
    return booked


@transaction.atomic
def market_resolution_record(*, market_id: int, resolution: Resolution, route: Route) -> bool:
    """Mark the market, its tokens and positions resolved; open the wallet's redemption."""
    _holders_risk_states_lock(market_id)
    market = Market.objects.select_for_update(no_key=True).get(pk=market_id)
    if market.resolved_at is not None:
        return False
    now = timezone.now()
    tokens = list(market.tokens.order_by("outcome_index"))
    winner = resolution.winner_index
    market.closed, market.active, market.accepting_orders = True, False, False
    market.resolved_at = now
    market.winning_token_id = tokens[winner].token_id if winner is not None else ""
    market.save()
    for token in tokens:
        MarketToken.objects.filter(pk=token.pk).update(
            winner=resolution.numerators[token.outcome_index] > 0
            if winner is None
            else token.outcome_index == winner
        )
    by_token = {t.token_id: t for t in tokens}
    positions = list(
        Position.objects.select_for_update()
        .filter(Q(market=market) | Q(token_id__in=by_token), status=PositionStatus.OPEN, size__gt=0)
        .order_by("pk")
    )
    live: list[tuple[Position, Decimal, Decimal]] = []
    for position in positions:
        ratio = resolution.ratio(by_token[position.token_id].outcome_index)
        if position.mode == TradingMode.LIVE:
            live.append((position, ratio, position.size))
        _position_mark_resolved(position, ratio=ratio, now=now)
    if live:
        _redemption_open(
            market=market, tokens=tokens, resolution=resolution, route=route, live=live, now=now
        )
    return True


def _holders_risk_states_lock(market_id: int) -> None:
    """Lock the risk state of each strategy holding the market first, in the order a decision
    takes its locks.

    Settling a position updates its strategy's risk state (`risk_position_closed`). A decision
    locks that row before writing its rows, one of which (an exit order) names the position
    and the market; taken after the market and position rows, the two transactions would wait
    for each other.
    """
    tokens = MarketToken.objects.filter(market_id=market_id).values("token_id")
    holders = Position.objects.filter(
        Q(market_id=market_id) | Q(token_id__in=tokens), status=PositionStatus.OPEN, size__gt=0
    ).values("strategy_id")
    states = RiskState.objects.select_for_update(no_key=True).filter(strategy_id__in=holders)
    list(states.order_by("pk").values_list("pk", flat=True))


def _position_mark_resolved(position: Position, *, ratio: Decimal, now: object) -> None:
    position.mark_price = quantize_price(ratio)
    position.marked_at = position.resolved_at = now  # type: ignore[assignment]
    if ratio == ZERO:
        position_settle(position, payout=ZERO, status=PositionStatus.RESOLVED_LOST)
    elif position.mode != TradingMode.LIVE:
        # Paper positions are paid by the simulation at resolution: no chain, no redemption.
        position_settle(
            position, payout=quantize_pusd(position.size * ratio), status=PositionStatus.REDEEMED
        )
    else:
        position.status = PositionStatus.RESOLVED_WON
        position.save()


def position_settle(position: Position, *, payout: Decimal, status: str) -> None:
    """Close a resolved position at its payout: realised P&L = payout − cost still held.

    The close counts for the risk rules like a sale does: a loss at resolution lengthens the
    loss streak, a win ends it, and drawdown is measured again.
    """
    position.realised_pnl = quantize_pusd(position.realised_pnl + payout - position.cost_basis)
    position.cost_basis = ZERO
    position.size = ZERO
    position.status = status
    position.closed_at = timezone.now()
    position.save()
    risk_position_closed(position=position, realised_pnl=position.realised_pnl)


def _redemption_open(
    *,
    market: Market,
    tokens: list[MarketToken],
    resolution: Resolution,
    route: Route,
    live: list[tuple[Position, Decimal, Decimal]],
    now: object,
) -> Redemption:
    wins = any(ratio > 0 for _, ratio, _ in live)
    wallet_type, wallet = holder()
    redemption, _ = Redemption.objects.get_or_create(
        wallet_address=wallet,
        condition_id=market.condition_id,
        kind=RedemptionKind.REDEEM,
        defaults={"market": market, "route": RedemptionRoute.NONE, "wallet_type": wallet_type},
    )
    redemption.market = market
    redemption.resolved_at = now  # type: ignore[assignment]
    redemption.index_sets = [1 << t.outcome_index for t in tokens]
    redemption.token_ids = [t.token_id for t in tokens]
    redemption.payout_numerators = resolution.numerators
    redemption.payout_denominator = resolution.denominator
    if not wins:
        redemption.route = RedemptionRoute.NONE
        redemption.state = RedemptionState.NOT_NEEDED
        redemption.outcome_code = RedemptionCode.LOSS
        redemption.expected_payout = redemption.actual_payout = ZERO
        redemption.confirmed_at = now  # type: ignore[assignment]
    else:
        redemption.route = route.route
        redemption.collateral_token = route.collateral
        if route.code:
            redemption.state = RedemptionState.FAILED
            redemption.outcome_code = route.code
            redemption.last_error = "the position ids match neither legacy collateral nor pUSD"
            alert_create(
                reason_code=RedemptionAlert.FAILED,
                severity=Alert.Severity.CRITICAL,
                subject=f"Cannot redeem (unknown collateral): {market}",
                message=redemption.last_error,
                context={"condition_id": market.condition_id, "wallet": wallet},
                action="Nothing was sent: a redeem with the wrong collateral pays nothing. "
                "Find the collateral the positions were minted with, then retry from the admin.",
                dedupe_key=f"{RedemptionAlert.FAILED}:unknown-collateral:{market.condition_id}",
                condition_id=market.condition_id,
            )
    redemption.save()
    for position, ratio, shares in live:
        RedemptionAllocation.objects.get_or_create(
            redemption=redemption,
            position=position,
            defaults={
                "strategy_id": position.strategy_id,
                "shares": shares,
                "payout": None if ratio > 0 else ZERO,
            },
        )
    return redemption
