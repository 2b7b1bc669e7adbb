"""Decimal precision for money, prices and sizes, defined once for every table and service.

pUSD has 6 decimals on-chain, outcome shares are ERC-1155 amounts with the same 6-decimal
base unit, and prices live in (0, 1) on ticks as fine as 0.0001 (0.0025 on the newer markets).
Average costs and marks keep 6 places so that repeated fills do not drift.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db import models


PUSD_PLACES = 6
SHARES_PLACES = 6
PRICE_PLACES = 6
AMOUNT_DIGITS = 20  # up to 10^14 pUSD / shares: far beyond any account
PRICE_DIGITS = 10
PCT_DIGITS, PCT_PLACES = 7, 4  # percentages such as 12.5000

PUSD_QUANTUM = Decimal(1).scaleb(-PUSD_PLACES)
SHARES_QUANTUM = Decimal(1).scaleb(-SHARES_PLACES)
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)

ZERO = Decimal(0)
ONE = Decimal(1)

# Ticks Polymarket markets use (V1 clients know the first four; the unified SDK adds the last two).
TICK_SIZES = tuple(Decimal(t) for t in ("0.1", "0.01", "0.001", "0.0001", "0.005", "0.0025"))


def _decimal_field(digits: int, places: int, kwargs: dict[str, Any]) -> models.DecimalField:
    # Imported here, not at the top: the arithmetic in this module (which the pure risk
    # decision uses) needs nothing of Django's database layer.
    from django.db import models

    # The field factories run when the models are imported, before a mutant is switched on.
    # pragma: no mutate block
    return models.DecimalField(max_digits=digits, decimal_places=places, **kwargs)


def MoneyField(**kwargs: Any) -> models.DecimalField:  # noqa: N802 - reads as a field class
    """A pUSD amount (may be negative only where the column's constraints allow it)."""
    return _decimal_field(AMOUNT_DIGITS, PUSD_PLACES, kwargs)  # pragma: no mutate


def SharesField(**kwargs: Any) -> models.DecimalField:  # noqa: N802
    """A number of outcome shares."""
    return _decimal_field(AMOUNT_DIGITS, SHARES_PLACES, kwargs)  # pragma: no mutate


def PriceField(**kwargs: Any) -> models.DecimalField:  # noqa: N802
    """A price in pUSD per share, (0, 1) for orders and fills."""
    return _decimal_field(PRICE_DIGITS, PRICE_PLACES, kwargs)  # pragma: no mutate


def PercentField(**kwargs: Any) -> models.DecimalField:  # noqa: N802
    """A percentage, 0–100 (e.g. 20 means 20 %)."""
    return _decimal_field(PCT_DIGITS, PCT_PLACES, kwargs)  # pragma: no mutate


def quantize_pusd(value: Decimal) -> Decimal:
    """Round a pUSD amount to the token's 6 decimals (banker's rounding, as ledgers do)."""
    return value.quantize(PUSD_QUANTUM, rounding=ROUND_HALF_EVEN)


def quantize_shares(value: Decimal, places: int = SHARES_PLACES) -> Decimal:
    """Round a share count down: never trade more shares than were sized."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def quantize_price(value: Decimal) -> Decimal:
    return value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_EVEN)


def price_on_tick(price: Decimal, tick: Decimal, *, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Snap a price to a multiple of the market's tick (the venue rejects off-tick prices)."""
    steps = (price / tick).quantize(ONE, rounding=rounding)
    return (steps * tick).quantize(tick)


def is_on_tick(price: Decimal, tick: Decimal) -> bool:
    return price % tick == 0


def is_valid_price(price: Decimal, tick: Decimal) -> bool:
    """Polymarket accepts prices in [tick, 1 - tick] that are multiples of the tick."""
    return tick <= price <= ONE - tick and is_on_tick(price, tick)
