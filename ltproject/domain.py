"""Vocabulary shared by several apps (kept here so no app imports another just for an enum)."""

from __future__ import annotations

from ltproject.choices import TextChoices


class Side(TextChoices):
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class TradingMode(TextChoices):
    """How a strategy's signals are executed."""

    PAPER = "paper", "Paper (simulated fills against the real book)"
    LIVE = "live", "Live (real orders)"
    OFF = "off", "Off (signals rejected)"


class OrderType(TextChoices):
    FAK = "FAK", "FAK (fill and kill)"
    FOK = "FOK", "FOK (fill or kill)"
    GTC = "GTC", "GTC (good till cancelled)"
    GTD = "GTD", "GTD (good till date)"
