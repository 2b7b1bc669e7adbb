"""Finding YES and NO held together and opening merges for them.

A strategy that holds both outcomes of one binary market (a copied leader hedged, or flipped
sides) has locked in $1 per pair whatever the market does. Merging the pairs back into pUSD
on-chain (`mergePositions`, through the same adapter the redeem would use) frees that capital
now. Only pairs inside one strategy are merged (each strategy's capital is its own), only
when the strategy's rules allow it, and never shares an exit order in flight is selling.

The merge itself is a `Redemption` of kind `merge`, sent and booked by services.py like a
redeem: one open merge per wallet and condition at a time (a DB constraint).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from execution.models import TERMINAL_ORDER_STATUSES, Order, Position, PositionStatus
from ltproject.domain import Side, TradingMode
from ltproject.money import SHARES_QUANTUM, ZERO

from .chain import Chain, get_chain, holder
from .models import (
    Redemption,
    RedemptionAllocation,
    RedemptionKind,
    RedemptionState,
)
from .resolution import route_for

log = logging.getLogger(__name__)


def merges_plan(*, chain: Chain | None = None) -> int:
    """Open a merge for every unresolved binary market in which some strategy (rules allowing)
    holds both outcomes. Returns how many merges were opened. Safe to run twice at once: the
    second insert for a wallet and condition fails on lt_redemptions_one_open_merge."""
    pairs = _mergeable_pairs()
    if not pairs:
        return 0
    chain = chain or get_chain()
    wallet_type, wallet = holder()
    opened = 0
    for strategy_pairs in pairs.values():
        market = strategy_pairs[0][0][0].market
        assert market is not None
        tokens = list(market.tokens.order_by("outcome_index"))
        token_ids = [t.token_id for t in tokens]
        route = route_for(chain=chain, market=market, token_ids=[int(t) for t in token_ids])
        if route.code:
            log.warning("market %s: %s; not merged", market.condition_id, route.code)
            continue
        total = sum((amount for _, amount in strategy_pairs), ZERO)
        try:
            with transaction.atomic():
                if not _still_free(strategy_pairs):
                    continue
                merge = Redemption.objects.create(
                    kind=RedemptionKind.MERGE,
                    wallet_type=wallet_type,
                    wallet_address=wallet,
                    condition_id=market.condition_id,
                    market=market,
                    route=route.route,
                    collateral_token=route.collateral,
                    index_sets=[1 << t.outcome_index for t in tokens],
                    token_ids=token_ids,
                    amounts=[str(total)] * len(tokens),
                    expected_payout=total,
                )
                RedemptionAllocation.objects.bulk_create(
                    RedemptionAllocation(
                        redemption=merge,
                        position=position,
                        strategy_id=position.strategy_id,
                        shares=amount,
                    )
                    for legs, amount in strategy_pairs
                    for position in legs
                )
        except IntegrityError:
            continue  # a merge of this condition is already in flight
        opened += 1
    return opened


def _still_free(strategy_pairs: list[tuple[list[Position], Decimal]]) -> bool:
    """Under the legs' row locks (the lock the stops monitor takes before it creates an
    exit): no exit was created since the pairs were read."""
    legs = [p for pair, _ in strategy_pairs for p in pair]
    list(Position.objects.select_for_update().filter(pk__in=[p.pk for p in legs]).order_by("pk"))
    selling = _tokens_with_exits_in_flight()
    return not any(
        (p.strategy_id, p.token_id) in selling for legs, _ in strategy_pairs for p in legs
    )


def _mergeable_pairs() -> dict[int, list[tuple[list[Position], Decimal]]]:
    """market id → [(both legs of one strategy's pair, shares to merge)]."""
    minimum = settings.REDEMPTION_MERGE_MIN_SHARES
    positions = (
        Position.objects.filter(
            mode=TradingMode.LIVE,
            status=PositionStatus.OPEN,
            size__gt=0,
            market__isnull=False,
            market__resolved_at__isnull=True,
            strategy__risk_rules__merge_positions=True,
        )
        .exclude(pk__in=_positions_in_open_merges())
        .select_related("market")
        .order_by("pk")
    )
    grouped: dict[tuple[int, int], dict[str, Position]] = defaultdict(dict)
    for position in positions:
        assert position.market_id is not None
        grouped[(position.strategy_id, position.market_id)][position.token_id] = position
    selling = _tokens_with_exits_in_flight()
    pairs: dict[int, list[tuple[list[Position], Decimal]]] = defaultdict(list)
    for (strategy_id, market_id), by_token in grouped.items():
        if len(by_token) != 2 or any((strategy_id, t) in selling for t in by_token):
            continue
        legs = list(by_token.values())
        amount = min(p.size for p in legs).quantize(SHARES_QUANTUM, rounding=ROUND_DOWN)
        if amount < minimum:
            continue
        pairs[market_id].append((legs, amount))
    return pairs


def _positions_in_open_merges() -> QuerySet[RedemptionAllocation, int]:
    return RedemptionAllocation.objects.filter(
        redemption__kind=RedemptionKind.MERGE,
        redemption__state__in=(RedemptionState.PENDING, RedemptionState.SUBMITTED),
    ).values_list("position_id", flat=True)


def _tokens_with_exits_in_flight() -> set[tuple[int, str]]:
    """(strategy, token) pairs with a live SELL order: those shares are promised elsewhere."""
    rows = (
        Order.objects.filter(side=Side.SELL, mode=TradingMode.LIVE, strategy__isnull=False)
        .exclude(status__in=TERMINAL_ORDER_STATUSES)
        .values_list("strategy_id", "token_id")
    )
    return {(int(s), str(t)) for s, t in rows}
