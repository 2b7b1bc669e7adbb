"""Polymarket's trading fees, as the venue charges them at match time.

A market's fee details come with its CLOB parameters (`GET /clob-markets/{condition_id}`:
`fd = {r: rate, e: exponent, to: taker only}`). The taker of a match pays, in pUSD,

    fee = shares × r × (p × (1 − p)) ^ e

at the price p of each leg it matched, rounded down to 5 decimal places ("the smallest fee
charged is 0.00001 USDC. Anything smaller rounds to zero"); makers pay nothing. A BUY's fee
comes on top of what its shares cost and a SELL's is taken from its proceeds, so budgets hold
it, cost basis includes it and realised P&L is net of it.

The total a BUY pays, `shares × (p + r × (p(1 − p))^e)`, grows with p for any rate the venue
uses (its derivative is 1 + r·e·(p(1−p))^(e−1)·(1 − 2p) > 0 for r < 1), so a fill at a price
better than the limit never costs more than the same shares at the limit: reserving the
limit's cost, fee included and rounded up, bounds every fill of the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

ZERO = Decimal(0)
ONE = Decimal(1)
FEE_PLACES = 5
FEE_QUANTUM = Decimal(1).scaleb(-FEE_PLACES)
BPS = Decimal(10_000)
BOUNDED_LEGS = 200
LEG_ROUNDING_ALLOWANCE = FEE_QUANTUM / 2 * BOUNDED_LEGS  # 0.001 pUSD


@dataclass(frozen=True)
class FeeSchedule:
    """One market's fee details (`fd`)."""

    rate: Decimal = ZERO
    exponent: Decimal = ONE
    taker_only: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> FeeSchedule:
        """From `lt_markets.fee_params` ({"rate", "exponent", "taker_only"}); none → free."""
        if not params:
            return FREE
        exponent = Decimal(str(params.get("exponent") or 1))
        return cls(
            rate=Decimal(str(params.get("rate") or 0)),
            # Rows written before exponents were read stored 0 for "not sent": the fees
            # page's formula, p(1 − p) once, is what the venue means then.
            exponent=exponent if exponent > 0 else ONE,
            taker_only=bool(params.get("taker_only", True)),
        )

    def as_params(self) -> dict[str, Any]:
        return {
            "rate": str(self.rate),
            "exponent": str(self.exponent),
            "taker_only": self.taker_only,
        }

    @property
    def charges(self) -> bool:
        return self.rate > 0

    def applies_to(self, *, taker: bool) -> bool:
        return self.charges and (taker or not self.taker_only)

    def per_share(self, price: Decimal) -> Decimal:
        """The fee of one share at `price`, unrounded."""
        if not self.charges:
            return ZERO
        return self.rate * (price * (ONE - price)) ** self.exponent

    def fee(self, shares: Decimal, price: Decimal) -> Decimal:
        """What the venue charges for `shares` matched at `price` (5 places, rounded down)."""
        return (shares * self.per_share(price)).quantize(FEE_QUANTUM, rounding=ROUND_DOWN)

    def fee_of_legs(self, legs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
        """The fee of a match priced leg by leg ((price, shares) each): charged per leg."""
        return sum((self.fee(shares, price) for price, shares in legs), ZERO)

    def fee_bound(self, shares: Decimal, price: Decimal) -> Decimal:
        """At least what any fill of `shares` at `price` or better is charged: the exact fee
        rounded up. Legs rounded down never add up to more; `LEG_ROUNDING_ALLOWANCE` keeps
        the bound should the venue round each leg half up instead (up to `BOUNDED_LEGS`)."""
        if not self.charges:
            return ZERO
        exact = (shares * self.per_share(price)).quantize(FEE_QUANTUM, rounding=ROUND_UP)
        return exact + LEG_ROUNDING_ALLOWANCE

    def buy_cost_per_share(self, price: Decimal) -> Decimal:
        """pUSD a bought share costs at `price`, fee included (for sizing)."""
        return price + self.per_share(price)

    def with_rate_bps(self, bps: Decimal | None) -> FeeSchedule:
        """This schedule at the rate a trade reports (`fee_rate_bps`), when it reports one."""
        if bps is None:
            return self
        return FeeSchedule(rate=bps / BPS, exponent=self.exponent, taker_only=self.taker_only)


FREE = FeeSchedule()
