"""Survivors of the risk rules themselves: `risk/decision.py`, `sizing.py`, `portfolio.py`,
`books.py`, `models.py` (the rules' validation) and `services.py` (drawdowns, pauses)."""

from __future__ import annotations

SURVIVOR_REASONS: dict[str, str] = {}

DIFF_REASONS: list[tuple[str, str, str]] = []
