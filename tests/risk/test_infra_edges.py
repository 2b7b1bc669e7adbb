"""The risk package's plumbing at its edges: a mid seen twice at one instant is written once,
a decision's snapshot brings an unseen market in and goes without a book the venue cannot
give, and a rules import says what is wrong with a document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from execution.market_data import VenueMarketData
from execution.models import Market, MarketToken, MidPrice
from risk import market_data
from risk.market_data import BookUnavailable, mid_record, snapshot
from risk.rules_io import RulesImportError, rules_import
from sandbox.testing import SandboxHandle
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def memory() -> Iterator[None]:
    market_data._last_mids.clear()
    yield
    market_data._last_mids.clear()


def test_the_same_mid_seen_twice_at_one_instant_is_written_once(memory) -> None:
    assert mid_record(token_id="t", mid=D("0.5"), at=T0) is True
    assert mid_record(token_id="t", mid=D("0.5"), at=T0) is False
    assert list(MidPrice.objects.filter(token_id="t").values_list("mid", "observed_at")) == [
        (D("0.5"), T0)
    ]


def test_a_snapshot_brings_the_tokens_market_in_and_freezes_its_book(
    live_venue: SandboxHandle,
) -> None:
    token = live_venue.market("fed-cut-december").yes.token_id
    assert not MarketToken.objects.filter(token_id=token).exists()
    frozen = snapshot(VenueMarketData(), token)
    market = MarketToken.objects.get(token_id=token).market
    assert Market.objects.filter(pk=market.pk, condition_id=live_venue.market(
        "fed-cut-december").condition_id).exists()  # fmt: skip
    assert frozen.book(token).bids and frozen.book(token).asks


def test_a_snapshot_without_the_book_the_venue_cannot_give(live_venue: SandboxHandle) -> None:
    unknown = "9" * 40
    frozen = snapshot(VenueMarketData(), unknown)  # no market, no book: nothing raised
    with pytest.raises(BookUnavailable):
        frozen.book(unknown)
    assert not MarketToken.objects.filter(token_id=unknown).exists()


def test_a_rules_document_that_is_not_an_object_is_refused_with_that_said() -> None:
    rules = StrategyFactory().risk_rules
    with pytest.raises(RulesImportError, match=r"^rules must be a JSON object$"):
        rules_import(rules, ["budget_daily", "100"])


def test_a_float_in_a_rules_document_is_refused_naming_its_key() -> None:
    rules = StrategyFactory().risk_rules
    with pytest.raises(RulesImportError, match=r"^stop_loss_pct: use a decimal string, not a"):
        rules_import(rules, {"stop_loss_pct": 12.5})
    with pytest.raises(RulesImportError, match=r"^breakers\.max_spread: use a decimal string"):
        rules_import(rules, {"breakers": {"max_spread": 0.05}})
