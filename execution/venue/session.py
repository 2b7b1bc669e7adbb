"""One connected venue adapter per process, built from settings on first use."""

from __future__ import annotations

import threading

from .adapter import VenueAdapter

_lock = threading.Lock()
_adapter: VenueAdapter | None = None


def get_venue() -> VenueAdapter:
    """The process's adapter: version checked and API credentials derived once."""
    global _adapter
    with _lock:
        if _adapter is None:
            adapter = VenueAdapter.from_settings()
            adapter.connect()
            _adapter = adapter
        return _adapter


def reset_venue() -> None:
    """Forget the adapter (settings changed, or a test points at another venue)."""
    global _adapter
    with _lock:
        _adapter = None
