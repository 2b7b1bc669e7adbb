"""Polymarket's own documented payloads (tests/venue/recorded.py) replayed through the adapter,
the WebSocket message parsers and the fill code: each parses to LT's types, or becomes a typed
venue error with the right retry class. None raises anything else."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import httpx
import pytest
from py_clob_client_v2.exceptions import PolyApiException

from execution.fills import fills_record, own_fills
from execution.markets import _market_upsert, market_tick_changed
from execution.models import Fill, Market, TradeStatus
from execution.venue import (
    AuthError,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    VenueError,
    VenuePaused,
    VenueUnavailable,
)
from execution.venue.adapter import (
    _ack,
    _ack_or_rejection,
    _book,
    _market_info,
    _translated,
    _venue_order,
    _venue_trade,
)
from execution.venue.messages import (
    BookMessage,
    LastTradePriceMessage,
    MalformedMessage,
    OrderMessage,
    OtherMarketMessage,
    PriceChangeMessage,
    TickSizeChangeMessage,
    TradeMessage,
    messages_parse,
)
from ltproject.domain import Side, TradingMode
from ltproject.fees import FeeSchedule
from tests.factories import MarketFactory, MarketTokenFactory, OrderFactory, StrategyFactory
from tests.venue import recorded as r

D = Decimal


def _data(page: Any) -> list[dict[str, Any]]:
    """The rows of a documented paginated answer ({limit, next_cursor, count, data})."""
    rows: list[dict[str, Any]] = page["data"]
    return rows


# --- books -------------------------------------------------------------------------------

BOOKS = [r.GET_BOOK_RESPONSE, r.GET_BOOK_RESPONSE_LEGACY_DOCS, *r.POST_BOOKS_RESPONSE]


@pytest.mark.parametrize("raw", BOOKS)
def test_documented_books_parse_best_first(raw: dict[str, Any]) -> None:
    book = _book(raw)
    assert book.bids == tuple(sorted(book.bids, key=lambda level: -level.price))
    assert book.asks == tuple(sorted(book.asks, key=lambda level: level.price))
    assert book.token_id == str(raw["asset_id"])


def test_the_get_book_example_reads_as_documented() -> None:
    book = _book(r.GET_BOOK_RESPONSE)
    assert (book.best_bid, book.best_ask, book.tick_size) == (D("0.45"), D("0.46"), D("0.01"))
    assert (book.spread, book.last_trade_price) == (D("0.01"), D("0.45"))


def test_a_book_without_tick_size_leaves_the_markets_tick_standing() -> None:
    legacy = {k: v for k, v in r.GET_BOOK_RESPONSE.items() if k != "tick_size"}
    assert _book(legacy).tick_size is None
    assert _book(r.WS_MARKET_BOOK_DOCS_PAGE).tick_size is None  # the channel never sends one


# --- CLOB market info and markets --------------------------------------------------------

MARKET_INFOS = [
    r.GET_CLOB_MARKET_INFO_FROM_SCHEMA_EXAMPLES,
    r.PY_TEST_CLOB_MARKET_INFO_FD_0_04,
    r.PY_TEST_CLOB_MARKET_INFO_FD_0_02_EXP_4,
    r.PY_TEST_CLOB_MARKET_INFO_NO_FD,
    r.PY_TEST_CLOB_MARKET_INFO_FD_0_03_EXP_2,
    r.PY_TEST_CLOB_MARKET_INFO_FD_0_01_EXP_1,
    r.PY_TEST_CLOB_MARKET_INFO_TWO_TOKENS,
    r.PY_TEST_CLOB_MARKET_INFO_MINIMAL,
]


@pytest.mark.parametrize("raw", MARKET_INFOS)
def test_documented_market_info_parses_fees_tick_and_tokens(raw: dict[str, Any]) -> None:
    info = _market_info("0xcondition", raw)
    fees = raw.get("fd") or {}
    assert info.tick_size == D(str(raw["mts"]))
    assert info.fee_rate == D(str(fees.get("r", 0)))
    assert info.fee_exponent == D(str(fees.get("e", 1)))
    assert info.token_ids == tuple(t["t"] for t in raw["t"])
    assert info.neg_risk is bool(raw.get("nr", False))


def test_the_schema_example_market_charges_takers_two_percent_squared() -> None:
    info = _market_info("0xc", r.GET_CLOB_MARKET_INFO_FROM_SCHEMA_EXAMPLES)
    assert (info.fee_rate, info.fee_exponent, info.fee_taker_only) == (D("0.02"), D(2), True)
    assert info.min_order_size == 5


def test_market_info_of_another_shape_is_a_venue_error_not_a_key_error() -> None:
    with pytest.raises(VenueError):
        _market_info("0xc", {"error": "market not found"})


@pytest.mark.django_db
def test_a_closed_market_still_accepting_orders_is_not_traded_and_a_hex_event_id_is_kept() -> None:
    # Shapes captured on the venue (no documented example): a closed market that still says
    # `accepting_orders: true`, and `neg_risk_market_id` as 0x hex.
    info = _market_info("0xc", r.PY_TEST_CLOB_MARKET_INFO_TWO_TOKENS)
    raw = {
        "question": "Will it happen?",
        "closed": True,
        "accepting_orders": True,
        "neg_risk_market_id": "0x" + "ab" * 32,
        "tokens": [{"token_id": "1234", "outcome": "Yes"}, {"token_id": "5678", "outcome": "No"}],
    }
    market = _market_upsert(condition_id="0xc", info_tick=info.tick_size, raw=raw, info=info)
    assert (market.closed, market.accepting_orders) == (True, False)
    assert market.event_id == "0x" + "ab" * 32
    assert FeeSchedule.from_params(market.fee_params) == FeeSchedule(rate=D("0.03"))


# --- orders --------------------------------------------------------------------------------

ORDERS = [
    r.GET_ORDER_RESPONSE,
    *_data(r.GET_ORDERS_RESPONSE),
    r.GET_ORDER_RESPONSE_GUIDE,
    *r.GET_ORDERS_RESPONSE_GUIDE,
]


@pytest.mark.parametrize("raw", ORDERS)
def test_documented_orders_parse(raw: dict[str, Any]) -> None:
    order = _venue_order(raw)
    assert order.order_id == raw["id"] and order.side in (Side.BUY, Side.SELL)
    assert order.size_matched == D(raw["size_matched"])
    assert order.created_at is not None and order.created_at.year >= 2023


def test_a_timestamp_beyond_any_date_is_no_date() -> None:
    raw = r.GET_ORDER_RESPONSE_GUIDE | {"created_at": "100000000000000000000"}
    assert _venue_order(raw).created_at is None


def test_a_body_that_says_success_false_but_may_have_placed_it_is_unknown() -> None:
    body = {"success": False, "errorMsg": "error delaying the order", "orderID": ""}
    with pytest.raises(OutcomeUnknown):
        _ack(body)


def test_size_matched_empty_and_created_at_in_milliseconds_parse() -> None:
    raw = r.GET_ORDER_RESPONSE_GUIDE | {"size_matched": "", "created_at": "1782753357257"}
    order = _venue_order(raw)
    assert order.size_matched == 0
    assert order.created_at is not None and order.created_at.year == 2026


ACKS = [
    r.POST_ORDER_RESPONSE_LIVE,
    r.POST_ORDER_RESPONSE_MATCHED,
    r.POST_ORDER_RESPONSE_DELAYED,
    r.POST_ORDER_RESPONSE_LIVE_GUIDE,
    r.PY_TEST_POST_ORDER_RESPONSE_MATCHED,
    r.PY_TEST_POST_ORDER_RESPONSE_MATCHED_WITH_HASHES,
    r.PY_TEST_POST_ORDER_RESPONSE_MATCHED_TRADE_IDS_ONLY,
    r.PY_TEST_POST_ORDER_RESPONSE_LIVE,
]


@pytest.mark.parametrize("raw", ACKS)
def test_documented_order_answers_are_acknowledgements(raw: dict[str, Any]) -> None:
    ack = _ack(raw)
    assert ack.order_id == raw["orderID"]
    assert ack.status in ("live", "matched", "delayed")


@pytest.mark.parametrize(
    "answers",
    [
        r.PY_TEST_POST_ORDERS_RESPONSE,
        r.POST_ORDERS_RESPONSE_MIXED,
        r.POST_ORDERS_RESPONSE_POST_ONLY_MODE,
    ],
)
def test_batch_answers_give_one_typed_result_per_order(answers: list[dict[str, Any]]) -> None:
    results = [_ack_or_rejection(answer) for answer in answers]
    assert len(results) == len(answers)
    for answer, result in zip(answers, results, strict=True):
        if answer.get("orderID") and answer.get("success") is not False:
            assert result.order_id == answer["orderID"]  # type: ignore[union-attr]
        else:
            assert isinstance(result, VenueError)


def test_post_only_mode_in_a_batch_is_a_pause_not_a_refusal() -> None:
    results = [_ack_or_rejection(a) for a in r.POST_ORDERS_RESPONSE_POST_ONLY_MODE]
    assert all(type(result) is VenuePaused for result in results)


# --- errors --------------------------------------------------------------------------------


def _through(status: int, text: str, *, order: bool) -> Exception:
    error = PolyApiException(httpx.Response(status, json={"error": text}))
    with pytest.raises(VenueError) as caught, _translated("", write=order, order=order):
        raise error
    return caught.value


def _is_order_endpoint(endpoint: str) -> bool:
    return "POST /order" in endpoint or endpoint == "matching engine"


ERRORS = r.ERROR_CODES_PAGE_2026_03 + r.ERROR_CODES_PAGE_2026_06_ADDITIONS


@pytest.mark.parametrize(("status", "endpoint", "text"), ERRORS)
def test_every_documented_error_is_a_typed_venue_error(
    status: int, endpoint: str, text: str
) -> None:
    error = _through(status, text, order=_is_order_endpoint(endpoint))
    assert isinstance(error, VenueError) and error.message == text


@pytest.mark.parametrize(
    ("status", "text", "kind", "reason"),
    [
        (400, "order 0xabc... is invalid. Price (100) breaks minimum tick size rule: 0.1",
         OrderRejected, RejectReason.INVALID_PRICE),
        (400, "order 0xabc is invalid. Size (2) lower than the minimum: 5",
         OrderRejected, RejectReason.BELOW_MIN_SIZE),
        (400, "order 0xabc is invalid. Duplicated.", OrderRejected, RejectReason.DUPLICATE),
        (400, "order 0xabc crosses the book", OrderRejected, RejectReason.POST_ONLY_CROSSES),
        (400, "invalid post-only order: order crosses book",
         OrderRejected, RejectReason.POST_ONLY_CROSSES),
        (400, "'0x1234...' address in closed only mode",
         OrderRejected, RejectReason.ACCOUNT_CLOSED_ONLY),
        (400, "'0x1234...' address banned", OrderRejected, RejectReason.ADDRESS_BANNED),
        (400, "not enough balance / allowance", OrderRejected, RejectReason.INSUFFICIENT_BALANCE),
        (400, "the market is not yet ready to process new orders",
         OrderRejected, RejectReason.MARKET_NOT_ACCEPTING),
        # The matching engine's 500s that say what it did: nothing was placed.
        (500, "FOK orders are filled or killed", OrderRejected, RejectReason.FOK_NOT_FILLED),
        (500, "there are no matching orders", OrderRejected, RejectReason.FAK_NO_MATCH),
        (500, "the trade contains rounding issues", OrderRejected, RejectReason.ROUNDING),
        (500, "the price of the taker's order has a discrepancy greater than allowed with the "
         "worst maker order", OrderRejected, RejectReason.PRICE_DISCREPANCY),
        # A 500 that does not say: the order may exist, look it up by its hash.
        (500, "could not insert order", OutcomeUnknown, None),
        (500, "order timed out", OutcomeUnknown, None),
        # Not refused, delayed: it may still match.
        (400, "order match delayed due to market conditions", OutcomeUnknown, None),
        # System errors that do not say the order was left out (legacy EXECUTION_ERROR and
        # DELAYING_ORDER_ERROR; "context canceled" comes as a 400 whatever happened).
        (400, "could not run the execution", OutcomeUnknown, None),
        (400, "error delaying the order", OutcomeUnknown, None),
        (400, "context canceled", OutcomeUnknown, None),
        (400, "order timed out", OutcomeUnknown, None),
        # Engine modes: nothing placed, send the same bytes later.
        (503, r.ERROR_503_CANCEL_ONLY["error"], VenuePaused, None),
        (503, r.ERROR_503_POST_ONLY_MODE["error"], VenuePaused, None),
        (503, "Trading is currently disabled. Check polymarket.com for updates", VenuePaused, None),
        (401, "Invalid API key", AuthError, None),
        (429, "Too Many Requests", RateLimited, None),
    ],
)  # fmt: skip
def test_order_errors_get_their_retry_class(
    status: int, text: str, kind: type[VenueError], reason: RejectReason | None
) -> None:
    error = _through(status, text, order=True)
    assert type(error) is kind
    if reason is not None:
        assert isinstance(error, OrderRejected) and error.reason == reason


def test_a_5xx_to_a_read_is_unavailable() -> None:
    error = _through(500, r.GET_BOOK_ERROR_BODIES[500]["error"], order=False)
    assert type(error) is VenueUnavailable


# --- trades through the fill code ----------------------------------------------------------

REST_TRADES = [
    *_data(r.GET_TRADES_RESPONSE),
    *r.GET_TRADES_RESPONSE_GUIDE,
    r.PY_TEST_TRADE_MATCHED,
    r.PY_TEST_TRADE_MINED,
    r.PY_TEST_TRADE_CONFIRMED,
    r.PY_TEST_TRADE_FAILED,
]
WS_TRADES = [r.WS_USER_TRADE_DOCS_PAGE, r.WS_USER_TRADE_ASYNCAPI, r.WS_USER_TRADE_WIRE]


@pytest.mark.parametrize("raw", REST_TRADES + WS_TRADES)
def test_documented_trades_parse(raw: dict[str, Any]) -> None:
    trade = _venue_trade(raw)
    assert trade.status in {
        s.removeprefix("TRADE_STATUS_") for s in r.TRADE_STATUS_ENUM_SDK_REALTIME
    }
    assert trade.match_time is not None
    assert trade.trade_id == raw["id"]


@pytest.mark.parametrize(
    "status", r.TRADE_STATUS_ENUM_REST_OPENAPI + r.TRADE_STATUS_ENUM_SDK_REALTIME
)
def test_every_trade_status_the_venue_names_is_understood(status: str) -> None:
    trade = _venue_trade(r.PY_TEST_TRADE_MATCHED | {"status": status})
    assert trade.status in TradeStatus.values or trade.status == "MATCHED_NOT_BROADCASTED"


def _ws_trade_ids(raw: dict[str, Any]) -> tuple[str, str]:
    return raw["taker_order_id"], raw["maker_orders"][0]["order_id"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", WS_TRADES)
def test_a_documented_trade_books_its_taker_and_maker_once(raw: dict[str, Any]) -> None:
    token = raw["asset_id"]
    market = MarketFactory()
    MarketTokenFactory(market=market, token_id=token)
    taker_id, maker_id = _ws_trade_ids(raw)
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    price, size = D(raw["price"]), D(raw["size"])
    common = {"strategy": strategy, "market": market, "token_id": token, "mode": "live",
              "status": "live", "price": price, "size": size, "notional": price * size}  # fmt: skip
    taker = OrderFactory(side=Side.BUY, venue_order_id=taker_id, **common)
    maker = OrderFactory(side=Side.SELL, venue_order_id=maker_id, purpose="exit_signal", **common)
    strategy.positions.create(token_id=token, mode="live", size=size, avg_cost=D("0.5"),
                              cost_basis=size / 2, market=market)  # fmt: skip
    (message,) = messages_parse(raw)
    assert isinstance(message, TradeMessage)
    ids = {taker_id: taker.pk, maker_id: maker.pk}
    assert fills_record(own_fills(message.trade, ids)) == 2
    assert fills_record(own_fills(_venue_trade(copy.deepcopy(raw)), ids)) == 0  # the poll
    fills = {f.order_id: f for f in Fill.objects.all()}
    assert (fills[taker.pk].side, fills[taker.pk].trader_side) == (Side.BUY, "TAKER")
    assert (fills[maker.pk].side, fills[maker.pk].trader_side) == (Side.SELL, "MAKER")
    assert fills[taker.pk].price == D(raw["maker_orders"][0]["price"])


# --- WebSocket messages --------------------------------------------------------------------

MARKET_MESSAGES = [
    (r.WS_MARKET_BOOK_DOCS_PAGE, BookMessage),
    (r.WS_MARKET_BOOK_ASYNCAPI, BookMessage),
    (r.WS_MARKET_BOOK_WIRE, BookMessage),
    (r.WS_MARKET_PRICE_CHANGE_DOCS_PAGE, PriceChangeMessage),
    (r.WS_MARKET_PRICE_CHANGE_ASYNCAPI, PriceChangeMessage),
    (r.WS_MARKET_PRICE_CHANGE_WIRE, PriceChangeMessage),
    (r.WS_MARKET_PRICE_CHANGE_LEGACY, PriceChangeMessage),
    (r.WS_MARKET_TICK_SIZE_CHANGE_DOCS_PAGE, TickSizeChangeMessage),
    (r.WS_MARKET_TICK_SIZE_CHANGE_ASYNCAPI, TickSizeChangeMessage),
    (r.WS_MARKET_TICK_SIZE_CHANGE_WIRE, TickSizeChangeMessage),
    (r.WS_MARKET_LAST_TRADE_PRICE_DOCS_PAGE, LastTradePriceMessage),
    (r.WS_MARKET_LAST_TRADE_PRICE_ASYNCAPI, LastTradePriceMessage),
    (r.WS_MARKET_LAST_TRADE_PRICE_WIRE, LastTradePriceMessage),
    (r.WS_MARKET_BEST_BID_ASK, OtherMarketMessage),
    (r.WS_MARKET_BEST_BID_ASK_WIRE, OtherMarketMessage),
    (r.WS_MARKET_NEW_MARKET_DOCS_PAGE, OtherMarketMessage),
    (r.WS_MARKET_NEW_MARKET_WITH_FEES, OtherMarketMessage),
    (r.WS_MARKET_MARKET_RESOLVED_DOCS_PAGE, OtherMarketMessage),
    (r.WS_MARKET_MARKET_RESOLVED_WIRE, OtherMarketMessage),
    (r.WS_USER_ORDER_PLACEMENT_DOCS_PAGE, OrderMessage),
    (r.WS_USER_ORDER_PLACEMENT_ASYNCAPI, OrderMessage),
    (r.WS_USER_ORDER_PLACEMENT_WIRE, OrderMessage),
]


@pytest.mark.parametrize(("raw", "kind"), MARKET_MESSAGES)
def test_documented_channel_messages_parse_to_their_types(raw: dict[str, Any], kind: type) -> None:
    (message,) = messages_parse(raw)
    assert type(message) is kind


def test_a_frame_may_carry_a_list_and_text() -> None:
    import json

    frame = json.dumps([r.WS_MARKET_BOOK_WIRE, r.WS_MARKET_TICK_SIZE_CHANGE_WIRE])
    assert [type(m) for m in messages_parse(frame)] == [BookMessage, TickSizeChangeMessage]


def test_order_messages_carry_status_and_milliseconds() -> None:
    (placement,) = messages_parse(r.WS_USER_ORDER_PLACEMENT_DOCS_PAGE)
    assert isinstance(placement, OrderMessage)
    assert (placement.kind, placement.order.status) == ("PLACEMENT", "LIVE")
    cancelled = r.WS_USER_ORDER_PLACEMENT_DOCS_PAGE | {"type": "CANCELLATION"}
    (cancellation,) = messages_parse(cancelled)
    assert isinstance(cancellation, OrderMessage) and cancellation.order.status == "CANCELED"
    millis = r.WS_USER_ORDER_PLACEMENT_WIRE | {"created_at": "1782753357257"}
    (message,) = messages_parse(millis)
    assert isinstance(message, OrderMessage) and message.order.created_at is not None
    assert message.order.created_at.year == 2026


@pytest.mark.parametrize(
    "frame",
    ["not json", "[]", '{"no": "event_type"}', {"event_type": "book"},
     r.WS_MARKET_TICK_SIZE_CHANGE_WIRE | {"new_tick_size": "x"},
     r.WS_MARKET_TICK_SIZE_CHANGE_WIRE | {"new_tick_size": "NaN"},
     r.WS_USER_TRADE_WIRE | {"size": "Infinity"}],
)  # fmt: skip
def test_a_message_lt_cannot_read_is_a_typed_error(frame: Any) -> None:
    if frame == "[]":
        assert messages_parse(frame) == []
        return
    with pytest.raises(MalformedMessage):
        messages_parse(frame)


@pytest.mark.django_db
def test_a_tick_size_change_message_moves_the_markets_tick() -> None:
    raw = r.WS_MARKET_TICK_SIZE_CHANGE_WIRE
    market = MarketFactory(tick_size=D("0.01"))
    MarketTokenFactory(market=market, token_id=raw["asset_id"])
    (message,) = messages_parse(raw)
    assert isinstance(message, TickSizeChangeMessage)
    assert market_tick_changed(token_id=message.token_id, tick_size=message.new_tick_size)
    assert Market.objects.get(pk=market.pk).tick_size == D("0.001")
    assert not market_tick_changed(token_id=message.token_id, tick_size=message.new_tick_size)


# --- fees ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row", r.PLATFORM_FEE_CASES_PY_TESTS)
def test_the_client_librarys_fee_cases(row: tuple[Any, ...]) -> None:
    contracts, amount, price, rate, exponent, expected = row
    price_d = D(str(price))
    shares = D(str(contracts)) if contracts is not None else D(str(amount)) / price_d
    schedule = FeeSchedule(rate=D(str(rate)), exponent=D(str(exponent)))
    exact = shares * schedule.per_share(price_d)
    assert abs(exact - D(str(expected))) <= D("0.000001")
    assert schedule.fee(shares, price_d) <= exact < schedule.fee(shares, price_d) + D("0.00001")


@pytest.mark.parametrize(
    ("category", "rows"),
    [(k, v) for k, v in r.FEE_TABLE_100_SHARES_2026_06.items() if "@" in k],
)
def test_the_fees_page_tables_to_the_cent(category: str, rows: list[tuple[str, str, str]]) -> None:
    rate = D(category.split("@")[1])
    schedule = FeeSchedule(rate=rate, exponent=D(1))
    for price, _, fee in rows:
        assert schedule.fee(D(100), D(price)).quantize(D("0.01")) == D(fee), (category, price)
