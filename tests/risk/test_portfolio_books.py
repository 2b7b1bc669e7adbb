"""The decision's plain values (risk/portfolio.py, risk/books.py), no database: equity and a
position re-marked at a new mid, drawdown, and a book's depth within a price."""

from __future__ import annotations

from decimal import Decimal

import pytest

from risk.books import Book
from risk.portfolio import Holding, Mark, Portfolio, drawdown_pct

D = Decimal


def _portfolio(**marks: Mark) -> Portfolio:
    unrealised = sum((m.unrealised for m in marks.values()), D(0))
    return Portfolio(
        capital=D(1000), realised=D("-12.5"), unrealised=unrealised, holdings={}, marks=marks
    )


def test_equity_is_capital_plus_realised_plus_marks_to_the_unit() -> None:
    portfolio = _portfolio(t=Mark(shares=D(10), paid=D(4), price=D("0.5000004")))
    assert portfolio.equity == D("988.500004")  # 1000 − 12.5 + (5.000004 − 4)


def test_a_new_mid_re_marks_only_that_tokens_position() -> None:
    portfolio = _portfolio(
        t=Mark(shares=D(10), paid=D(4), price=D("0.5")),
        u=Mark(shares=D(20), paid=D(10), price=D("0.5")),
    )
    moved = portfolio.at_mid("t", D("0.7"))
    assert moved.unrealised == D(3)  # (7 − 4) + (10 − 10)
    assert moved.marks["t"] == Mark(shares=D(10), paid=D(4), price=D("0.7"))
    assert moved.marks["u"] == portfolio.marks["u"]
    assert portfolio.at_mid("t", D("0.5")) is portfolio  # the same mid: nothing moves
    assert portfolio.at_mid("x", D("0.9")) is portfolio  # no position there
    assert Holding("t").shares == D(0) and Holding("t").pending_sell_shares == D(0)


@pytest.mark.parametrize(
    ("peak", "equity", "pct"),
    [("1000", "800", "20.0000"), ("1000", "1000", "0.0000"), ("1000", "1100", "-10.0000"),
     ("3", "2", "33.3333"), ("0", "-5", "0"), ("-1", "-5", "0")],
)  # fmt: skip
def test_drawdown_is_percent_below_the_peak(peak, equity, pct) -> None:
    assert drawdown_pct(peak=D(peak), equity=D(equity)) == D(pct)


BOOK = Book(
    token_id="t",
    bids=((D("0.49"), D(100)), (D("0.48"), D(50)), (D("0.40"), D(10))),
    asks=((D("0.51"), D(100)), (D("0.52"), D(50)), (D("0.60"), D(10))),
)


def test_a_books_prices_and_depth_within_a_limit() -> None:
    assert (BOOK.best_bid, BOOK.best_ask, BOOK.mid, BOOK.spread) == (
        D("0.49"),
        D("0.51"),
        D("0.500000"),
        D("0.02"),
    )
    assert BOOK.bid_shares() == D(160)
    assert BOOK.ask_depth_within(D("0.52")) == D("77.00")  # 51 + 26, not the 0.60 level
    assert BOOK.ask_depth_within(D("0.50")) == D(0)
    assert BOOK.bid_depth_within(D("0.48")) == D("73.00")  # 49 + 24, not the 0.40 level
    assert BOOK.bid_depth_within(D("0.50")) == D(0)


def test_a_one_sided_book_has_no_mid_or_spread() -> None:
    bids_only = Book(token_id="t", bids=BOOK.bids, asks=())
    asks_only = Book(token_id="t", bids=(), asks=BOOK.asks)
    assert (bids_only.best_ask, bids_only.mid, bids_only.spread) == (None, None, None)
    assert (asks_only.best_bid, asks_only.mid, asks_only.spread) == (None, None, None)
    assert asks_only.bid_shares() == D(0)
