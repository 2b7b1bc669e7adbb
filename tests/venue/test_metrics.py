"""Every venue call is counted by kind and outcome, with its latency, and written per minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from execution.venue import (
    OrderRejected,
    OrderRequest,
    RateLimited,
    VenueAdapter,
    VenueUnavailable,
    metrics,
)
from execution.venue.metrics import CallCounts, bucket_of, bucket_upper_ms, percentile_ms
from ltproject.domain import Side
from monitoring.models import VenueCalls
from sandbox.testing import SandboxHandle

D = Decimal


@pytest.fixture
def counted(sandbox_venue: SandboxHandle) -> Iterator[VenueAdapter]:
    venue = VenueAdapter(
        host=sandbox_venue.url,
        chain_id=137,
        private_key=sandbox_venue.account.private_key,
        timeout_s=2.0,
    )
    venue.connect()
    metrics._take(everything=True)
    yield venue
    metrics._take(everything=True)


def _now_counts() -> dict[str, CallCounts]:
    return metrics.merged((call, c) for (_, call), c in metrics._take(everything=True).items())


def test_each_call_is_counted_with_its_outcome(
    counted: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    token = sandbox_venue.market("btc-above-150k-2026").yes.token_id
    counted.book(token)
    sandbox_venue.faults.http_status("/book", 503)
    with pytest.raises(VenueUnavailable):
        counted.book(token)
    sandbox_venue.faults.rate_limit("/book")
    with pytest.raises(RateLimited):
        counted.book(token)
    sandbox_venue.faults.balance_error()
    signed = counted.sign_order(
        OrderRequest(token_id=token, side=Side.BUY, price=D("0.10"), size=D(10))
    )
    with pytest.raises(OrderRejected):
        counted.post_order(signed)
    counts = _now_counts()
    book = counts["book"]
    assert (book.count, book.errors, book.rate_limited) == (3, 1, 1)
    assert book.last_ok_at is not None
    assert (counts["post_order"].count, counts["post_order"].rejected) == (1, 1)
    assert "" not in counts  # signing is not a venue call


def test_percentiles_come_from_a_log_scale_histogram() -> None:
    assert bucket_of(0.5) == 0 and bucket_of(1) == 1
    assert bucket_upper_ms(bucket_of(10)) >= 10 > bucket_upper_ms(bucket_of(10) - 1)
    histogram = {bucket_of(5): 99, bucket_of(800): 1}
    assert percentile_ms(histogram, 0.50) == round(bucket_upper_ms(bucket_of(5)), 1)
    assert percentile_ms(histogram, 0.99) == round(bucket_upper_ms(bucket_of(5)), 1)
    assert percentile_ms(histogram, 0.995) == round(bucket_upper_ms(bucket_of(800)), 1)
    assert percentile_ms({}, 0.5) is None


@pytest.mark.django_db
def test_finished_minutes_are_written_and_the_current_one_waits(counted: VenueAdapter) -> None:
    minute = datetime.now(UTC).replace(second=10, microsecond=0)
    with time_machine.travel(minute, tick=False):
        counted.server_time()
        assert metrics.flush() == 0  # this minute is still counting
    with time_machine.travel(minute + timedelta(minutes=1), tick=False):
        assert metrics.flush() == 1
    row = VenueCalls.objects.get()
    assert (row.call, row.count, row.errors) == ("time", 1, 0)
    assert row.to_counts().histogram == {int(k): v for k, v in row.histogram.items()}
