"""Integer units the engine works in, and their wire formatting.

Amounts are 6-decimal base units (pUSD and outcome shares alike, as on Polymarket); prices are
integers in 1/10,000 so every tick the venue knows (0.1 … 0.0001, 0.005, 0.0025) is exact.
"""

from __future__ import annotations

import base64
from decimal import Decimal

UNIT = 1_000_000
PRICE_SCALE = 10_000


def cost(size: int, price: int) -> int:
    """pUSD base units for `size` share units at `price`; one rounding for both sides."""
    return (size * price + PRICE_SCALE // 2) // PRICE_SCALE


def _fmt(value: int, scale: int, digits: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), scale)
    frac_text = f"{frac:0{digits}d}".rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


def fmt_units(value: int) -> str:
    """Base units as a decimal string: 12_500_000 → "12.5"."""
    return _fmt(value, UNIT, 6)


def fmt_price(price: int) -> str:
    """A price in 1/10,000 as a decimal string: 5200 → "0.52"."""
    return _fmt(price, PRICE_SCALE, 4)


def parse_price(text: Decimal | str | float) -> int:
    return int((Decimal(str(text)) * PRICE_SCALE).to_integral_value())


def parse_units(text: Decimal | str | float) -> int:
    return int((Decimal(str(text)) * UNIT).to_integral_value())


def encode_cursor(offset: int) -> str:
    """Polymarket cursors are base64 offsets: "MA==" is 0 and "LTE=" (-1) means the end."""
    return base64.b64encode(str(offset).encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode())
    except (ValueError, UnicodeDecodeError):
        return 0


END_CURSOR = encode_cursor(-1)
