"""Taker fees, as Polymarket charges them per market (`fd: {r, e, to}` on /clob-markets).

fee = shares × r × (p·(1−p))^e, paid in pUSD by the taker only: a BUY pays its notional plus
the fee, a SELL receives its notional minus the fee; makers pay nothing. p is the price the
taker trades at (for a complement leg, 1 − the maker's price). Every leg is charged on its own.
Computed with Decimal, never float, and rounded down to 5 decimal places of pUSD: "Fees are
rounded to 5 decimal places. The smallest fee charged is 0.00001 USDC. Anything smaller rounds
to zero" (Polymarket's fees page).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext

from sandbox.units import PRICE_SCALE

# Where collected fees go (ledger and chain alike), so pUSD totals still add up.
FEE_COLLECTOR = "0x000000000000000000000000000000000000fee5"
_ZERO = Decimal(0)
_TEN = Decimal(10)


def taker_fee(shares: int, price: int, rate: Decimal, exponent: Decimal) -> int:
    """pUSD base units a taker pays for `shares` base units at `price` (1/10,000)."""
    if rate <= 0 or shares <= 0:
        return 0
    with localcontext() as ctx:
        ctx.prec = 60  # integer exponents stay exact: 6+4 digits per factor, far below 60
        p = Decimal(price) / PRICE_SCALE
        fee = Decimal(shares) * rate * (p * (1 - p)) ** exponent
        # In base units (1e-6) the fee's 5 places are whole tens.
        return int((fee / _TEN).quantize(Decimal(1), rounding=ROUND_DOWN)) * 10


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """One market's fee parameters: rate r, exponent e and whether only takers pay (`to`).

    The sandbox charges takers only whatever `to` says (it reports `to` as the venue does).
    """

    rate: Decimal = _ZERO
    exponent: Decimal = _ZERO
    taker_only: bool = True

    def taker_fee(self, shares: int, price: int) -> int:
        return taker_fee(shares, price, self.rate, self.exponent)

    @property
    def bps(self) -> str:
        """r in basis points as the trade's `fee_rate_bps` string: 0.02 → "200"."""
        return _plain(self.rate * 10_000)


NO_FEES = FeeSchedule()


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 200.00 → "200", 12.50 → "12.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
