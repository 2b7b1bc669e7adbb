"""How the dashboard writes figures: pUSD with two decimals and a thousands separator, P&L
signed, prices on their tick's places, shares without trailing zeros, shares of a limit as a
bar width. Values are Decimals (or their exact text); nothing goes through a float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()
CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def pusd(value: Any) -> str:
    """1234.5 → "1,234.50"; empty for no value."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_EVEN):,}"


@register.filter
def pnl(value: Any) -> str:
    """+12.30 / −3.10 / 0.00 (a real minus sign)."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
    if rounded > 0:
        return f"+{rounded:,}"
    if rounded < 0:
        return f"−{-rounded:,}"
    return "0.00"


@register.filter
def pnl_class(value: Any) -> str:
    amount = _decimal(value)
    if amount is None or amount.quantize(CENT) == 0:
        return "flat"
    return "up" if amount > 0 else "down"


@register.filter
def price(value: Any) -> str:
    """0.530000 → "0.53"; 0.5 → "0.50": at least two places, no trailing zeros past them."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = format(amount.normalize(), "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


@register.filter
def shares(value: Any) -> str:
    amount = _decimal(value)
    if amount is None:
        return "—"
    return (
        f"{amount.normalize():,f}" if amount == amount.to_integral() else f"{amount.normalize():,}"
    )


@register.filter
def percent(value: Any) -> str:
    """A share 0–1 as a whole percent: 0.8 → "80 %"."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{(amount * 100).quantize(Decimal(1))} %"


@register.filter
def bar_width(value: Any) -> str:
    """A share 0–1 as a CSS width class step (0, 5, …, 100), for a bar without inline style."""
    amount = _decimal(value)
    if amount is None:
        return "0"
    step = int(min(max(amount, Decimal(0)), Decimal(1)) * 20) * 5
    return str(step)
