"""Resolution sources that read the venue (CLOB `tokens[].winner`, Gamma `outcomePrices`):
advisory only — the chain's payoutDenominator decides what is booked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from execution.venue.session import get_venue
from monitoring.models import Alert
from redemption.reasons import RedemptionAlert
from redemption.resolution import Resolution
from redemption.sources import (
    CheckedResolutionSource,
    ClobResolutionSource,
    GammaResolutionSource,
    clob_winner,
    gamma_winner,
    resolutions_detect_from_venue,
)

SLUG = "btc-above-150k-2026"


def _gamma(closed: bool = True, prices: list[str] | None = None, uma: str = "resolved") -> Any:
    prices = ["0", "1"] if prices is None else prices
    return {"closed": closed, "outcomePrices": json.dumps(prices), "umaResolutionStatus": uma}


@pytest.mark.parametrize(
    ("market", "winner"),
    [
        (_gamma(), 1),
        (_gamma(prices=["1", "0"]), 0),
        (_gamma(closed=False), None),
        (_gamma(prices=["0.5", "0.5"]), None),  # a 50-50: only the chain can say
        (_gamma(uma="disputed"), None),
        (_gamma(prices=["0.97", "0.03"]), None),
        ({"closed": True, "outcomePrices": "not json"}, None),
    ],
)
def test_gamma_names_a_winner_only_when_closed_settled_and_priced_one_hot(market, winner):
    assert gamma_winner(market) == winner


def test_clob_names_the_token_marked_winner_of_a_closed_market():
    tokens = [{"winner": False}, {"winner": True}]
    assert clob_winner({"closed": True, "tokens": tokens}) == 1
    assert clob_winner({"closed": False, "tokens": tokens}) is None
    assert clob_winner({"closed": True, "tokens": [{"winner": False}] * 2}) is None


def test_gamma_source_reads_the_sandbox_in_one_batch(sandbox_venue, settings):
    settings.CLOB_HOST = sandbox_venue.url
    btc, fed = sandbox_venue.market(SLUG), sandbox_venue.market("fed-cut-december")
    source = GammaResolutionSource()
    assert source.resolved([btc.condition_id, fed.condition_id]) == set()
    sandbox_venue.resolve(fed.condition_id, fed.no.token_id)
    assert source.resolved([btc.condition_id, fed.condition_id]) == {fed.condition_id}
    assert source.resolution(fed.condition_id, 2) == Resolution([0, 1], 1)


def test_clob_source_reads_the_market_through_the_venue_adapter(live_venue):
    btc = live_venue.market(SLUG)
    source = ClobResolutionSource(get_venue())
    assert source.resolution(btc.condition_id, 2) is None
    live_venue.resolve(btc.condition_id, btc.yes.token_id)
    assert source.resolved([btc.condition_id]) == {btc.condition_id}
    assert source.resolution(btc.condition_id, 2) == Resolution([1, 0], 1)


class Fixed:
    """A source with fixed answers (None: not resolved)."""

    def __init__(self, answers: dict[str, Resolution | None], *, broken: bool = False) -> None:
        self.answers = answers
        self.broken = broken
        self.asked: list[list[str]] = []

    def resolved(self, condition_ids: list[str]) -> set[str]:
        self.asked.append(list(condition_ids))
        if self.broken:
            raise OSError("venue down")
        return {c for c in condition_ids if self.answers.get(c) is not None}

    def resolution(self, condition_id: str, slots: int) -> Resolution | None:
        if self.broken:
            raise OSError("venue down")
        return self.answers.get(condition_id)


YES, NO = Resolution([1, 0], 1), Resolution([0, 1], 1)


def test_the_venue_proposes_but_only_what_the_chain_resolved_counts():
    chain = Fixed({"0xa": YES, "0xb": None})
    venue = Fixed({"0xa": YES, "0xb": YES, "0xc": None})
    source = CheckedResolutionSource(authority=chain, advisory=venue, propose=True)
    assert source.resolved(["0xa", "0xb", "0xc"]) == {"0xa"}
    assert chain.asked == [["0xa", "0xb"]]  # the chain is asked only about venue-closed ones
    assert source.resolution("0xb", 2) is None


def test_a_venue_that_is_down_skips_the_fast_pass_and_never_blocks_the_chain():
    chain = Fixed({"0xa": YES})
    down = Fixed({}, broken=True)
    assert (
        CheckedResolutionSource(authority=chain, advisory=down, propose=True).resolved(["0xa"])
        == set()
    )
    checked = CheckedResolutionSource(authority=chain, advisory=down)
    assert checked.resolved(["0xa"]) == {"0xa"}
    assert checked.resolution("0xa", 2) == YES


@pytest.mark.django_db
def test_a_venue_winner_other_than_the_chains_raises_an_alert_and_the_chain_wins():
    source = CheckedResolutionSource(authority=Fixed({"0xa": NO}), advisory=Fixed({"0xa": YES}))
    assert source.resolution("0xa", 2) == NO
    alert = Alert.objects.get()
    assert alert.reason_code == RedemptionAlert.RESOLUTION_MISMATCH
    assert "0xa" in alert.subject


@pytest.mark.django_db
def test_fast_detection_asks_nobody_when_no_market_awaits_resolution():
    venue = Fixed({}, broken=True)
    assert resolutions_detect_from_venue(chain=object(), venue_source=venue) == 0  # type: ignore[arg-type]
    assert venue.asked == []
