"""The stop monitor's cycle against the sandbox venue: a token with no bid is left unmarked
without holding up the others, and a quiet cycle's queries do not grow with its positions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from execution.models import Position
from execution.stops import stops_cycle
from execution.venue.session import get_venue
from sandbox.testing import SandboxHandle
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _token(sandbox: SandboxHandle, slug: str) -> str:
    return sandbox.market(slug).yes.token_id


def test_a_position_whose_book_has_no_bid_is_left_unmarked_and_the_others_are_marked(
    live_venue: SandboxHandle,
) -> None:
    quoted = PositionFactory(token_id=_token(live_venue, "fed-cut-december"))
    empty = live_venue.market("btc-above-150k-2026")
    with live_venue.venue.lock:
        live_venue.venue.crowd.withdraw(empty)  # nobody bids (or asks) on it now
    # Opened last, so the cycle comes to it first.
    bidless = PositionFactory(token_id=empty.yes.token_id)
    assert get_venue().book(bidless.token_id).best_bid is None
    assert stops_cycle() == []
    bidless.refresh_from_db()
    quoted.refresh_from_db()
    assert (bidless.mark_price, bidless.marked_at, bidless.peak_price) == (None, None, None)
    assert quoted.mark_price == get_venue().book(quoted.token_id).mid
    assert quoted.marked_at is not None


def _cycle_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        assert stops_cycle() == []
    return len(queries)


def test_a_quiet_cycle_reads_its_positions_rules_in_the_same_queries_however_many(
    live_venue: SandboxHandle,
) -> None:
    token = _token(live_venue, "fed-cut-december")
    PositionFactory(token_id=token)
    one = _cycle_queries()
    for _ in range(3):
        PositionFactory(token_id=token)  # each of a strategy of its own, with its rules
    assert _cycle_queries() == one
    assert Position.objects.filter(marked_at__isnull=False).count() == 4
