from __future__ import annotations

from typing import Any

import pytest

from risk.market_data import StaticBooks
from tests.risk.helpers import credential_for, market_pair, strategy_with


@pytest.fixture
def setup(books: StaticBooks) -> tuple[Any, ...]:
    """A strategy, a YES token with books, and a signing key for the strategy."""
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    credential, secret = credential_for(strategy)
    return strategy, yes, credential, secret
