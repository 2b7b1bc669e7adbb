from __future__ import annotations

from collections.abc import Iterator

import pytest

from execution.venue import metrics


@pytest.fixture(autouse=True)
def venue_metrics_reset() -> Iterator[None]:
    """Each test counts its own venue calls (the counters live in the process)."""
    metrics._take(everything=True)
    yield
    metrics._take(everything=True)
