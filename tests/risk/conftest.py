from __future__ import annotations

from collections.abc import Iterator

import pytest

from risk import market_data
from risk.market_data import StaticBooks


@pytest.fixture
def books() -> Iterator[StaticBooks]:
    """In-memory books, installed as the intake's market data for the test."""
    source = StaticBooks()
    previous = market_data.set_market_data(source)
    market_data._last_mids.clear()
    yield source
    market_data.set_market_data(previous)
