"""django-q2 entry points for strategies; thin wrappers around services."""

from __future__ import annotations

from .services import signal_nonces_prune


def prune_signal_nonces() -> int:
    """Every 10 minutes: forget signal signatures too old to be replayed (safe to repeat)."""
    return signal_nonces_prune()
