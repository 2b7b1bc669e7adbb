"""The adapter's translation of venue answers: typed errors and Decimal results."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from py_clob_client_v2.exceptions import PolyApiException, PolyException

from execution.venue import (
    AuthError,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    SignedOrder,
    VenueError,
    VenueUnavailable,
)
from execution.venue.adapter import _ack, _book, _translated, _venue_trade
from ltproject.domain import OrderType, Side


def _api_error(status: int, body: object) -> PolyApiException:
    return PolyApiException(httpx.Response(status, json=body))


def _raise_through(error: Exception, **kwargs: bool) -> Exception:
    with pytest.raises(VenueError) as excinfo, _translated("", **kwargs):
        raise error
    return excinfo.value


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("invalid signature", RejectReason.INVALID_SIGNATURE),
        ("not enough balance / allowance", RejectReason.INSUFFICIENT_BALANCE),
        ("Size lower than the minimum: 5", RejectReason.BELOW_MIN_SIZE),
        ("invalid post-only order: order crosses book", RejectReason.POST_ONLY_CROSSES),
        (
            "order couldn't be fully filled. FOK orders are fully filled or killed.",
            RejectReason.FOK_NOT_FILLED,
        ),
        ("no orders found to match with FAK order", RejectReason.FAK_NO_MATCH),
        ("the market is not yet ready to process new orders", RejectReason.MARKET_NOT_ACCEPTING),
        ("invalid expiration", RejectReason.INVALID_EXPIRATION),
        ("price breaks minimum tick size rule", RejectReason.INVALID_PRICE),
        ("something new", RejectReason.OTHER),
    ],
)
def test_order_400_becomes_order_rejected_with_the_venues_message(
    message: str, reason: RejectReason
) -> None:
    error = _raise_through(_api_error(400, {"error": message}), write=True, order=True)
    assert isinstance(error, OrderRejected)
    assert (error.reason, error.message, error.status_code) == (reason, message, 400)


def test_lost_answer_to_a_write_is_outcome_unknown_but_to_a_read_unavailable() -> None:
    lost = PolyApiException(error_msg="Request exception!")
    assert type(_raise_through(lost, write=True)) is OutcomeUnknown
    assert type(_raise_through(lost, write=False)) is VenueUnavailable


def test_5xx_on_a_write_may_have_placed_the_order() -> None:
    assert type(_raise_through(_api_error(502, {"error": "bad gateway"}), write=True)) is (
        OutcomeUnknown
    )
    assert type(_raise_through(_api_error(503, "down"), write=False)) is VenueUnavailable


def test_401_is_auth_error_and_429_rate_limited() -> None:
    unauthorized = _api_error(401, {"error": "Unauthorized/Invalid api key"})
    assert type(_raise_through(unauthorized, write=False)) is AuthError
    assert type(_raise_through(_api_error(429, {"error": "slow"}), write=True)) is RateLimited


def test_client_side_refusal_is_a_venue_error_with_its_text() -> None:
    error = _raise_through(PolyException("invalid tick size (0.001)"), write=False)
    assert type(error) is VenueError and "invalid tick size" in error.message


def test_unmatched_or_unsuccessful_answer_is_a_rejection() -> None:
    with pytest.raises(OrderRejected) as excinfo:
        _ack({"success": False, "errorMsg": "no orders found to match with FAK order"})
    assert excinfo.value.reason == RejectReason.FAK_NO_MATCH


def test_accepted_answer_parses_to_decimals() -> None:
    ack = _ack(
        {
            "success": True,
            "errorMsg": "",
            "orderID": "0xabc",
            "status": "matched",
            "makingAmount": "5.5",
            "takingAmount": "10",
            "tradeIDs": ["t1"],
            "transactionsHashes": ["0xdef"],
        }
    )
    assert (ack.status, ack.making_amount, ack.taking_amount) == (
        "matched",
        Decimal("5.5"),
        Decimal("10"),
    )
    assert ack.trade_ids == ("t1",) and ack.transaction_hashes == ("0xdef",)


def test_book_sides_come_back_best_first() -> None:
    book = _book(
        {
            "market": "0xc",
            "asset_id": "1",
            "timestamp": "1",
            "bids": [{"price": "0.40", "size": "10"}, {"price": "0.45", "size": "3"}],
            "asks": [{"price": "0.60", "size": "1"}, {"price": "0.55", "size": "2"}],
            "min_order_size": "5",
            "neg_risk": False,
            "tick_size": "0.01",
            "last_trade_price": "0.5",
            "hash": "",
        }
    )
    assert (book.best_bid, book.best_ask) == (Decimal("0.45"), Decimal("0.55"))
    assert book.mid == Decimal("0.50") and book.spread == Decimal("0.10")


def test_trade_status_accepts_both_rest_spellings() -> None:
    raw = {"id": "t", "status": "TRADE_STATUS_CONFIRMED", "side": "buy", "price": "0.5"}
    assert _venue_trade(raw).status == "CONFIRMED"
    assert _venue_trade({**raw, "status": "MINED"}).side == Side.BUY


def test_signed_order_round_trips_through_json() -> None:
    signed = SignedOrder(
        order_hash="0x" + "1" * 64,
        order={"tokenId": "7", "side": "BUY", "makerAmount": "5500000", "takerAmount": "10000000"},
        order_type=OrderType.GTC,
        post_only=True,
        neg_risk=False,
    )
    again = SignedOrder.from_json(signed.to_json())
    assert again == signed
    assert (again.size, again.notional) == (Decimal("10"), Decimal("5.5"))
