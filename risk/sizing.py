"""Order sizing rules: how much notional a BUY signal is worth, and the limit price.

Pure functions over Decimals; the engine supplies equity, volatility and the FT size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from ltproject.domain import Side
from ltproject.fees import FeeSchedule
from ltproject.money import ONE, ZERO, quantize_pusd

from .vocabulary import SizingMode

if TYPE_CHECKING:
    from .models import RiskRules

# Polymarket takes order sizes in hundredths of a share.
SIZE_QUANTUM = Decimal("0.01")
BPS = Decimal(10_000)


class SizingUnavailable(ValueError):
    """The sizing rule has no answer for this signal (missing input, no volatility...)."""


@dataclass(frozen=True)
class SizingInputs:
    ft_size: Decimal | None
    limit_price: Decimal
    equity: Decimal
    realised_vol: Decimal | None = None


def limit_price(*, side: str, reference: Decimal, slippage_bps: int, tick: Decimal) -> Decimal:
    """FT price ± slippage, snapped to the tick on the side that never exceeds the slippage."""
    if side == Side.BUY:
        raw = reference * (ONE + Decimal(slippage_bps) / BPS)
        snapped = (raw / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
        return min(snapped, ONE - tick).quantize(tick)
    raw = reference * (ONE - Decimal(slippage_bps) / BPS)
    snapped = (raw / tick).to_integral_value(rounding=ROUND_CEILING) * tick
    return max(snapped, tick).quantize(tick)


def shares_for(notional: Decimal, price: Decimal) -> Decimal:
    """Whole hundredths of a share that `notional` buys at `price` (rounded down)."""
    return (notional / price).quantize(SIZE_QUANTUM, rounding=ROUND_DOWN)


def shares_within(budget: Decimal, price: Decimal, fees: FeeSchedule) -> Decimal:
    """Whole hundredths of a share whose cost at `price` plus the most the venue's fee on
    them can be (`FeeSchedule.fee_bound`) stays within `budget`."""
    size = shares_for(budget, fees.buy_cost_per_share(price))
    while size > 0 and size * price + fees.fee_bound(size, price) > budget:
        size -= SIZE_QUANTUM  # the bound's rounding: a step or two at most
    return size


def round_shares(shares: Decimal) -> Decimal:
    return shares.quantize(SIZE_QUANTUM, rounding=ROUND_DOWN)


def _clamp(notional: Decimal, rules: RiskRules) -> Decimal:
    high: Decimal | None = rules.max_order_notional
    return notional if high is None else min(notional, high)


def _require(value: Decimal | int | None, what: str) -> Decimal:
    if value is None:
        raise SizingUnavailable(f"{what} is not set")
    return Decimal(value)


def target_notional(rules: RiskRules, inputs: SizingInputs) -> Decimal:
    """pUSD to spend on a BUY, before rounding to shares.

    fixed_notional is taken as configured (and may be refused by the notional bounds);
    the other modes vary by design and are clamped to max_order_notional.
    """
    mode = SizingMode(rules.sizing_mode)
    if mode == SizingMode.FIXED_NOTIONAL:
        return _require(rules.sizing_notional, "sizing_notional")
    if mode == SizingMode.PERCENT_EQUITY:
        percent = _require(rules.sizing_percent, "sizing_percent")
        if inputs.equity <= 0:
            raise SizingUnavailable(f"equity is {inputs.equity}")
        return _clamp(quantize_pusd(inputs.equity * percent / 100), rules)
    if mode == SizingMode.FT_PROPORTIONAL:
        if inputs.ft_size is None:
            raise SizingUnavailable("ft_proportional needs the signal's size")
        multiplier = _require(rules.sizing_multiplier, "sizing_multiplier")
        return _clamp(quantize_pusd(inputs.ft_size * multiplier * inputs.limit_price), rules)
    return _volatility_target(rules, inputs)


def _volatility_target(rules: RiskRules, inputs: SizingInputs) -> Decimal:
    base = _require(rules.sizing_notional, "sizing_notional")
    target = _require(rules.sizing_target_vol, "sizing_target_vol")
    vol = inputs.realised_vol
    if vol is None:
        raise SizingUnavailable("fewer than 3 recorded mid prices in the lookback window")
    if vol == 0:
        high: Decimal | None = rules.max_order_notional
        if high is None:
            raise SizingUnavailable("realised volatility is 0 and there is no max_order_notional")
        return high
    return _clamp(quantize_pusd(base * target / vol), rules)


def volatility_of(mids: Sequence[Decimal]) -> Decimal | None:
    """Standard deviation of successive mid-price changes; None under 3 mids."""
    if len(mids) < 3:
        return None
    changes = [b - a for a, b in pairwise(mids)]
    mean = sum(changes, ZERO) / len(changes)
    variance = sum(((c - mean) ** 2 for c in changes), ZERO) / len(changes)
    return variance.sqrt()
