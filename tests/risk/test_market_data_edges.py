"""risk/market_data.py: books from a plain mapping, and the stream's mids written at most once
a second while unchanged, only inside (0, 1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from execution.models import MidPrice
from risk import market_data
from risk.market_data import books_from_mapping, mid_record

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_books_from_a_mapping_of_strings() -> None:
    books = books_from_mapping(
        {"t1": {"bids": [["0.49", "10"], ["0.48", "5"]], "asks": [["0.51", "7.5"]]}, "t2": {}}
    )
    t1 = books.book("t1")
    assert t1.bids == ((D("0.49"), D(10)), (D("0.48"), D(5)))
    assert t1.asks == ((D("0.51"), D("7.5")),)
    assert books.book("t2").bids == () and books.book("t2").asks == ()


@pytest.fixture
def memory() -> Iterator[None]:
    market_data._last_mids.clear()
    yield
    market_data._last_mids.clear()


def _mids() -> list[tuple[Decimal, datetime]]:
    return [(m.mid, m.observed_at) for m in MidPrice.objects.filter(token_id="t").order_by("pk")]


@pytest.mark.django_db
def test_an_unchanged_mid_is_written_once_a_second(memory) -> None:
    assert mid_record(token_id="t", mid=D("0.5"), at=T0) is True
    second = timedelta(seconds=1)
    assert (
        mid_record(token_id="t", mid=D("0.5"), at=T0 + second - timedelta(microseconds=1)) is False
    )
    assert mid_record(token_id="t", mid=D("0.5"), at=T0 + second) is True
    assert mid_record(token_id="t", mid=D("0.6"), at=T0 + second) is True  # it moved
    assert mid_record(token_id="t", mid=D("0.6"), at=T0) is True  # an earlier clock: written
    assert mid_record(token_id="u", mid=D("0.6"), at=T0) is True  # another token
    assert _mids() == [
        (D("0.5"), T0),
        (D("0.5"), T0 + second),
        (D("0.6"), T0 + second),
        (D("0.6"), T0),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mid", "written"),
    [("0", False), ("0.000001", True), ("0.999999", True), ("1", False), ("1.2", False)],
)
def test_a_mid_is_written_only_strictly_between_0_and_1(memory, mid: str, written: bool) -> None:
    assert mid_record(token_id="t", mid=D(mid), at=T0) is written
    assert _mids() == ([(D(mid), T0)] if written else [])


@pytest.mark.django_db
def test_realised_volatility_reads_the_tokens_mids_from_since_in_time_order() -> None:
    from risk.selectors import realised_volatility

    second = timedelta(seconds=1)
    # Written out of order; one before `since`, one of another token.
    for mid, at in [("0.6", T0 + second), ("0.5", T0), ("0.5", T0 + 2 * second),
                    ("0.9", T0 - second)]:  # fmt: skip
        MidPrice.objects.create(token_id="t", mid=D(mid), observed_at=at)
    MidPrice.objects.create(token_id="u", mid=D("0.1"), observed_at=T0 + second)
    # 0.5, 0.6, 0.5 from T0 on: changes +0.1 and −0.1.
    assert realised_volatility(token_id="t", since=T0) == D("0.1")
    assert realised_volatility(token_id="t", since=T0 + second) is None  # two mids
    assert realised_volatility(token_id="u", since=T0) is None
