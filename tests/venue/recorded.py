# ruff: noqa: E501
"""Recorded venue payloads for Polymarket's CLOB: copied, never generated.

Every constant below is a JSON example copied from Polymarket's official
documentation (docs.polymarket.com pages, the OpenAPI spec
https://docs.polymarket.com/api-spec/clob-openapi.yaml as embedded in the
per-endpoint ``/api-reference/...md`` pages, the AsyncAPI WebSocket pages) or
from the tests of the official client library (Polymarket/py-clob-client-v2,
``tests/``). JSON ``true/false/null`` are written as ``True/False/None``;
everything else (strings vs numbers, empty strings, odd timestamps, ``"0x1234..."``
placeholders) is kept exactly as the source shows it, including the sources'
own inconsistencies.

Where the text was read: each comment names the docs URL first and then the public
copy of that page whose text was used:
  - [crawl 2026-06-18]  a crawler copy carrying ``source_url:`` and
    ``crawled_at: 2026-06-18T23:37:59Z`` front matter.
  - ebowwa/dailydocupdates:docs/polymarket/<page>.md  (daily docs snapshots; the
    snapshot date is quoted where the file states it).
  - Etherdrake/PolymarketDocumentation:docs/<page>.md (docs snapshots).
  - xaozzzz/DOCSpolymarket:polymarket_docs/<page>.md  (2025 scrape of the older docs).
Where a source gives only a schema, a constant is built solely from the schema's
declared ``example:`` values and the comment says so.
"""

# ============================================================================
# REST: order book
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/market-data/get-order-book.md (clob-openapi.yaml, GET /book, 200 example)
# Read via [crawl 2026-06-18]. Note: "market" is a 40-hex placeholder and "timestamp" is 10 digits.
GET_BOOK_RESPONSE = {
    "market": "0x1234567890123456789012345678901234567890",
    "asset_id": "0xabc123def456...",
    "timestamp": "1234567890",
    "hash": "a1b2c3d4e5f6...",
    "bids": [
        {"price": "0.45", "size": "100"},
        {"price": "0.44", "size": "200"},
    ],
    "asks": [
        {"price": "0.46", "size": "150"},
        {"price": "0.47", "size": "250"},
    ],
    "min_order_size": "1",
    "tick_size": "0.01",
    "neg_risk": False,
    "last_trade_price": "0.45",
}

# Source: https://docs.polymarket.com/api-reference/orderbook/get-order-book-summary (2025 docs, "Get order book summary", 200 example)
# Read via xaozzzz/DOCSpolymarket scrape of the same page. Legacy example: ISO "timestamp",
# price "1800.50", no last_trade_price.
GET_BOOK_RESPONSE_LEGACY_DOCS = {
    "market": "0x1b6f76e5b8587ee896c35847e12d11e75290a8c3934c5952e8a9d6e4c6f03cfa",
    "asset_id": "1234567890",
    "timestamp": "2023-10-01T12:00:00Z",
    "hash": "0xabc123def456...",
    "bids": [{"price": "1800.50", "size": "10.5"}],
    "asks": [{"price": "1800.50", "size": "10.5"}],
    "min_order_size": "0.001",
    "tick_size": "0.01",
    "neg_risk": False,
}

# Source: https://docs.polymarket.com/api-reference/market-data/get-order-books-request-body.md (clob-openapi.yaml, POST /books, request example)
# Read via [crawl 2026-06-18].
POST_BOOKS_REQUEST = [
    {"token_id": "0xabc123def456..."},
    {"token_id": "0xdef456abc123..."},
]

# Source: https://docs.polymarket.com/api-reference/market-data/get-order-books-request-body.md (clob-openapi.yaml, POST /books, 200 example)
# Read via [crawl 2026-06-18].
POST_BOOKS_RESPONSE = [
    {
        "market": "0x1234567890123456789012345678901234567890",
        "asset_id": "0xabc123def456...",
        "timestamp": "1234567890",
        "hash": "a1b2c3d4e5f6...",
        "bids": [{"price": "0.45", "size": "100"}],
        "asks": [{"price": "0.46", "size": "150"}],
        "min_order_size": "1",
        "tick_size": "0.01",
        "neg_risk": False,
        "last_trade_price": "0.45",
    }
]

# ============================================================================
# REST: market metadata
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/markets/get-clob-market-info.md (clob-openapi.yaml, GET /clob-markets/{condition_id})
# Read via [crawl 2026-06-18]. The spec gives NO response example; this dict is BUILT ONLY from the
# schema's declared `example:` values (ClobMarketDetails, ClobToken, FeeDetails). Fields without an
# example (gst, r, rfqe, itode, ibce, oas) are omitted. The spec types mos/mts as numbers.
GET_CLOB_MARKET_INFO_FROM_SCHEMA_EXAMPLES = {
    "t": [
        {
            "t": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
            "o": "Yes",
        }
    ],
    "mos": 5,
    "mts": 0.01,
    "mbf": 0,
    "tbf": 0,
    "fd": {"r": 0.02, "e": 2, "to": True},
}

# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) — GET /clob-markets mocks.
# Note: the client tests send "mts" as a STRING and use an "nr" (neg-risk) key that the OpenAPI schema
# does not list; one mock has no "fd" at all.
PY_TEST_CLOB_MARKET_INFO_FD_0_04 = {
    "t": [{"t": "0xabc123"}],
    "mts": "0.01",
    "nr": False,
    "fd": {"r": 0.04, "e": 1.0},
}
# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) — test_fetches_market_info_when_not_cached (TestGetFeeExponent)
PY_TEST_CLOB_MARKET_INFO_FD_0_02_EXP_4 = {
    "t": [{"t": "0xabc123"}],
    "mts": "0.01",
    "nr": False,
    "fd": {"r": 0.02, "e": 4.0},
}
# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) — test_sets_fee_info_with_defaults_when_fd_missing
PY_TEST_CLOB_MARKET_INFO_NO_FD = {
    "t": [{"t": "0xabc123"}],
    "mts": "0.01",
    "nr": False,
}
# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) — test_sets_fee_info_from_fd
PY_TEST_CLOB_MARKET_INFO_FD_0_03_EXP_2 = {
    "t": [{"t": "0xabc123"}],
    "mts": "0.01",
    "nr": False,
    "fd": {"r": 0.03, "e": 2.0},
}
# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) — test_fetches_when_not_in_fee_infos
PY_TEST_CLOB_MARKET_INFO_FD_0_01_EXP_1 = {
    "t": [{"t": "0xabc123"}],
    "mts": "0.01",
    "nr": False,
    "fd": {"r": 0.01, "e": 1.0},
}
# Source: Polymarket/py-clob-client-v2:tests/test_client_order_metadata_warmup.py (@6231f16d) — _market_info() (two tokens)
PY_TEST_CLOB_MARKET_INFO_TWO_TOKENS = {
    "t": [{"t": "1234"}, {"t": "5678"}],
    "mts": "0.01",
    "nr": False,
    "fd": {"r": 0.03, "e": 1.0},
}
# Source: Polymarket/py-clob-client-v2:tests/test_position_orders.py (@292c1100) — minimal /clob-markets/condition mock (no nr, no fd)
PY_TEST_CLOB_MARKET_INFO_MINIMAL = {"t": [{"t": "456"}], "mts": "0.01"}

# Source: https://docs.polymarket.com/api-reference/markets/get-market-by-token.md (clob-openapi.yaml, GET /markets-by-token/{token_id})
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/markets/get-market-by-token.md (downloaded 2026-05-19).
# No response example in the spec; BUILT ONLY from the schema's `example:` values (MarketByTokenResponse).
GET_MARKET_BY_TOKEN_FROM_SCHEMA_EXAMPLES = {
    "condition_id": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "primary_token_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
    "secondary_token_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
}
# Source: Polymarket/py-clob-client-v2:tests/test_position_orders.py (@292c1100) — /markets-by-token/456 mock
PY_TEST_MARKET_BY_TOKEN = {"condition_id": "condition"}

# Source: https://docs.polymarket.com/api-reference/market-data/get-tick-size.md (clob-openapi.yaml, GET /tick-size, 200 example)
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/market-data/get-tick-size.md (downloaded 2026-03-10).
# Note: a NUMBER here, while GET /book's tick_size is a string.
GET_TICK_SIZE_RESPONSE = {"minimum_tick_size": 0.01}

# Source: https://docs.polymarket.com/api-reference/market-data/get-fee-rate.md (clob-openapi.yaml, GET /fee-rate, 200 example)
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/market-data/get-fee-rate.md (downloaded 2026-03-10).
GET_FEE_RATE_RESPONSE = {"base_fee": 30}

# Source: Polymarket/py-clob-client-v2:tests/test_client_fee_cache.py (@5af067bd) and
# tests/test_client_order_metadata_warmup.py (@6231f16d) — GET /fee-rate mocks. The last one is an
# empty body (the client then treats base_fee as 0).
PY_TEST_FEE_RATE_RESPONSES = [
    {"base_fee": 200},
    {"base_fee": 150},
    {"base_fee": 1000},
    {"base_fee": 100},
    {},
]

# Source: Polymarket/py-clob-client-v2:tests/test_client_order_metadata_warmup.py (@6231f16d) — GET builder fee rate mock
PY_TEST_BUILDER_FEE_RATE_RESPONSE = {
    "builder_maker_fee_rate_bps": 0,
    "builder_taker_fee_rate_bps": 25,
}

# Source: Polymarket/py-clob-client-v2:tests/test_client_order_metadata_warmup.py (@6231f16d) — GET /version mocks (v2 and v1 exchange)
PY_TEST_VERSION_RESPONSES = [{"version": 2}, {"version": 1}]

# ============================================================================
# REST: placing orders
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, request example)
# Read via [crawl 2026-06-18]. CLOB V2 wire body: timestamp (ms), metadata "", builder bytes32, no
# taker/nonce/feeRateBps; salt is an INTEGER.
POST_ORDER_REQUEST_V2 = {
    "order": {
        "maker": "0x1234567890123456789012345678901234567890",
        "signer": "0x1234567890123456789012345678901234567890",
        "tokenId": "0xabc123def456...",
        "makerAmount": "100000000",
        "takerAmount": "200000000",
        "side": "BUY",
        "expiration": "1735689600",
        "timestamp": "1735689600000",
        "metadata": "",
        "builder": "0x0000000000000000000000000000000000000000000000000000000000000000",
        "signature": "0x1234abcd...",
        "salt": 1234567890,
        "signatureType": 0,
    },
    "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
    "orderType": "GTC",
    "deferExec": False,
    "postOnly": False,
}

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, request example, pre-V2 revision)
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/trade/post-a-new-order.md (downloaded 2026-03-10).
POST_ORDER_REQUEST_V1 = {
    "order": {
        "maker": "0x1234567890123456789012345678901234567890",
        "signer": "0x1234567890123456789012345678901234567890",
        "taker": "0x0000000000000000000000000000000000000000",
        "tokenId": "0xabc123def456...",
        "makerAmount": "100000000",
        "takerAmount": "200000000",
        "side": "BUY",
        "expiration": "1735689600",
        "nonce": "0",
        "feeRateBps": "30",
        "signature": "0x1234abcd...",
        "salt": 1234567890,
        "signatureType": 0,
    },
    "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
    "orderType": "GTC",
    "deferExec": False,
}

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, 200 example "live_order")
# Read via [crawl 2026-06-18]; identical in the 2026-03-10 snapshot.
POST_ORDER_RESPONSE_LIVE = {
    "success": True,
    "orderID": "0xabcdef1234567890abcdef1234567890abcdef12",
    "status": "live",
    "makingAmount": "100000000",
    "takingAmount": "200000000",
    "errorMsg": "",
}

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, 200 example "matched_order")
# Read via [crawl 2026-06-18].
POST_ORDER_RESPONSE_MATCHED = {
    "success": True,
    "orderID": "0xabcdef1234567890abcdef1234567890abcdef12",
    "status": "matched",
    "makingAmount": "100000000",
    "takingAmount": "200000000",
    "transactionsHashes": ["0x1234567890abcdef1234567890abcdef12345678"],
    "tradeIDs": ["trade-123"],
    "errorMsg": "",
}

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, 200 example "delayed_order")
# Read via [crawl 2026-06-18].
POST_ORDER_RESPONSE_DELAYED = {
    "success": True,
    "orderID": "0xabcdef1234567890abcdef1234567890abcdef12",
    "status": "delayed",
    "makingAmount": "100000000",
    "takingAmount": "200000000",
    "errorMsg": "",
}

# Source: https://docs.polymarket.com/trading/orders/create.md ("Response" section; the old /developers/CLOB/orders/create-order path)
# Read via Etherdrake/PolymarketDocumentation:docs/developers/CLOB/orders/create-order.md (@86334945).
# Note: empty-string takingAmount/makingAmount on a live order.
POST_ORDER_RESPONSE_LIVE_GUIDE = {
    "success": True,
    "errorMsg": "",
    "orderID": "0xabc123...",
    "takingAmount": "",
    "makingAmount": "",
    "status": "live",
    "transactionsHashes": [],
    "tradeIDs": [],
}

# Source: same page as POST_ORDER_RESPONSE_LIVE_GUIDE ("Statuses" table); the 2025 create-order page
# (xaozzzz/DOCSpolymarket scrape, "Insert Statuses") lists the same four values.
POST_ORDER_STATUSES = {
    "live": "Order resting on the book",
    "matched": "Order matched immediately with a resting order",
    "delayed": "Marketable order accepted into an asynchronous matching delay",
    "unmatched": "Marketable but failed to delay — placement still successful",
}

# Source: Polymarket/py-clob-client-v2:tests/test_client_post_order_resolution.py (@1a39a985) — _make_order_response()
PY_TEST_POST_ORDER_RESPONSE_MATCHED = {
    "success": True,
    "errorMsg": "",
    "orderID": "0xorder",
    "status": "matched",
    "takingAmount": "100",
    "makingAmount": "50",
}
# Source: same file — test_returns_sync_responses_without_polling (hashes returned synchronously)
PY_TEST_POST_ORDER_RESPONSE_MATCHED_WITH_HASHES = {
    "success": True,
    "errorMsg": "",
    "orderID": "0xorder",
    "status": "matched",
    "takingAmount": "100",
    "makingAmount": "50",
    "transactionsHashes": ["0xaaa"],
    "tradeIDs": ["trade-1"],
}
# Source: same file — test_resolves_hashes_by_polling_when_only_trade_ids_returned (tradeIDs but no transactionsHashes)
PY_TEST_POST_ORDER_RESPONSE_MATCHED_TRADE_IDS_ONLY = {
    "success": True,
    "errorMsg": "",
    "orderID": "0xorder",
    "status": "matched",
    "takingAmount": "100",
    "makingAmount": "50",
    "tradeIDs": ["trade-1"],
}
# Source: same file — test_does_not_poll_for_orders_resting_on_the_book
PY_TEST_POST_ORDER_RESPONSE_LIVE = {
    "success": True,
    "errorMsg": "",
    "orderID": "0xorder",
    "status": "live",
    "takingAmount": "100",
    "makingAmount": "50",
}
# Source: same file — TestPostOrdersResolution.test_resolves_matched_entries_and_skips_unmatched_ones (POST /orders)
PY_TEST_POST_ORDERS_RESPONSE = [
    {
        "success": True,
        "errorMsg": "",
        "orderID": "0xorder-1",
        "status": "matched",
        "takingAmount": "100",
        "makingAmount": "50",
        "tradeIDs": ["trade-1"],
    },
    {
        "success": True,
        "errorMsg": "",
        "orderID": "0xorder-2",
        "status": "live",
        "takingAmount": "100",
        "makingAmount": "50",
    },
]

# Source: https://docs.polymarket.com/api-reference/trade/post-multiple-orders.md (clob-openapi.yaml, POST /orders, request example)
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/trade/post-multiple-orders.md (downloaded 2026-03-10; pre-V2 order body).
POST_ORDERS_REQUEST_V1 = [
    {
        "order": {
            "maker": "0x1234567890123456789012345678901234567890",
            "signer": "0x1234567890123456789012345678901234567890",
            "taker": "0x0000000000000000000000000000000000000000",
            "tokenId": "0xabc123def456...",
            "makerAmount": "100000000",
            "takerAmount": "200000000",
            "side": "BUY",
            "expiration": "1735689600",
            "nonce": "0",
            "feeRateBps": "30",
            "signature": "0x1234abcd...",
            "salt": 1234567890,
            "signatureType": 0,
        },
        "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
        "orderType": "GTC",
        "deferExec": False,
    },
    {
        "order": {
            "maker": "0x1234567890123456789012345678901234567890",
            "signer": "0x1234567890123456789012345678901234567890",
            "taker": "0x0000000000000000000000000000000000000000",
            "tokenId": "0xdef456abc789...",
            "makerAmount": "200000000",
            "takerAmount": "100000000",
            "side": "SELL",
            "expiration": "1735689600",
            "nonce": "0",
            "feeRateBps": "30",
            "signature": "0x5678efgh...",
            "salt": 1234567891,
            "signatureType": 0,
        },
        "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
        "orderType": "GTC",
        "deferExec": False,
    },
]

# Source: https://docs.polymarket.com/api-reference/trade/post-multiple-orders.md (clob-openapi.yaml, POST /orders, 200 example "mixed_results")
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Third entry: success False, orderID "",
# status "delayed", no amounts, per-order errorMsg.
POST_ORDERS_RESPONSE_MIXED = [
    {
        "success": True,
        "orderID": "0xabcdef1234567890abcdef1234567890abcdef12",
        "status": "live",
        "makingAmount": "100000000",
        "takingAmount": "200000000",
        "errorMsg": "",
    },
    {
        "success": True,
        "orderID": "0xfedcba0987654321fedcba0987654321fedcba09",
        "status": "matched",
        "makingAmount": "200000000",
        "takingAmount": "100000000",
        "transactionsHashes": ["0x1234567890abcdef1234567890abcdef12345678"],
        "tradeIDs": ["trade-123"],
        "errorMsg": "",
    },
    {
        "success": False,
        "orderID": "",
        "status": "delayed",
        "errorMsg": "Rate limit exceeded for tokenId: 0xdef456abc789...",
    },
]

# Source: https://docs.polymarket.com/trading/matching-engine ("Post-Only Mode": POST /orders per-order errors)
# Read via a verbatim copy of the page .md. Note: "success": True together with
# a non-empty errorMsg and all-empty orderID/amounts/status.
POST_ORDERS_RESPONSE_POST_ONLY_MODE = [
    {
        "errorMsg": "post-only mode: only post-only orders and cancels are allowed",
        "orderID": "",
        "takingAmount": "",
        "makingAmount": "",
        "status": "",
        "success": True,
    },
    {
        "errorMsg": "post-only mode: only post-only orders and cancels are allowed",
        "orderID": "",
        "takingAmount": "",
        "makingAmount": "",
        "status": "",
        "success": True,
    },
]

# ============================================================================
# REST: querying orders
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/trade/get-single-order-by-id.md (clob-openapi.yaml, GET /data/order/{orderID}, 200 example)
# Read via [crawl 2026-06-18]. Note: created_at is an INTEGER (seconds); sizes are "fixed-math with 6 decimals".
GET_ORDER_RESPONSE = {
    "id": "0xabcdef1234567890abcdef1234567890abcdef12",
    "status": "ORDER_STATUS_LIVE",
    "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
    "maker_address": "0x1234567890123456789012345678901234567890",
    "market": "0x0000000000000000000000000000000000000000000000000000000000000001",
    "asset_id": "0xabc123def456...",
    "side": "BUY",
    "original_size": "100000000",
    "size_matched": "0",
    "price": "0.5",
    "outcome": "YES",
    "expiration": "1735689600",
    "order_type": "GTC",
    "associate_trades": [],
    "created_at": 1700000000,
}

# Source: https://docs.polymarket.com/api-reference/trade/get-single-order-by-id.md (OpenOrder.status enum)
# Read via [crawl 2026-06-18].
ORDER_STATUS_ENUM_OPENAPI = [
    "ORDER_STATUS_LIVE",
    "ORDER_STATUS_INVALID",
    "ORDER_STATUS_CANCELED_MARKET_RESOLVED",
    "ORDER_STATUS_CANCELED",
    "ORDER_STATUS_MATCHED",
]

# Source: https://docs.polymarket.com/api-reference/trade/get-user-orders.md (clob-openapi.yaml, GET /data/orders, 200 example)
# Read via [crawl 2026-06-18].
GET_ORDERS_RESPONSE = {
    "limit": 100,
    "next_cursor": "MTAw",
    "count": 2,
    "data": [
        {
            "id": "0xabcdef1234567890abcdef1234567890abcdef12",
            "status": "ORDER_STATUS_LIVE",
            "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
            "maker_address": "0x1234567890123456789012345678901234567890",
            "market": "0x0000000000000000000000000000000000000000000000000000000000000001",
            "asset_id": "0xabc123def456...",
            "side": "BUY",
            "original_size": "100000000",
            "size_matched": "0",
            "price": "0.5",
            "outcome": "YES",
            "expiration": "1735689600",
            "order_type": "GTC",
            "associate_trades": [],
            "created_at": 1700000000,
        },
        {
            "id": "0xfedcba0987654321fedcba0987654321fedcba09",
            "status": "ORDER_STATUS_LIVE",
            "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
            "maker_address": "0x1234567890123456789012345678901234567890",
            "market": "0x0000000000000000000000000000000000000000000000000000000000000002",
            "asset_id": "0xdef456abc789...",
            "side": "SELL",
            "original_size": "200000000",
            "size_matched": "50000000",
            "price": "0.75",
            "outcome": "NO",
            "expiration": "1735689600",
            "order_type": "GTC",
            "associate_trades": ["trade-123"],
            "created_at": 1700000001,
        },
    ],
}

# Source: https://docs.polymarket.com/trading/manage-orders ("Fetch an Order", API tab, "Order Example" — "the order in its wire response shape")
# Read via Etherdrake/PolymarketDocumentation:docs/trading/manage-orders.md (@fbf68320). Note: plain
# "LIVE" status (not ORDER_STATUS_LIVE), owner "0x1234...", expiration "0" for GTC, human sizes.
GET_ORDER_RESPONSE_GUIDE = {
    "id": "ORDER_ID",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "owner": "0x1234...",
    "maker_address": "0x1234...",
    "side": "BUY",
    "price": "0.52",
    "original_size": "10",
    "size_matched": "0",
    "outcome": "Yes",
    "order_type": "GTC",
    "status": "LIVE",
    "associate_trades": [],
    "created_at": 1748779200,
    "expiration": "0",
}

# Source: https://docs.polymarket.com/trading/manage-orders ("List Open Orders", API tab, "Order Example")
# Read via Etherdrake/PolymarketDocumentation:docs/trading/manage-orders.md (@fbf68320). Shown as a bare
# JSON array, unlike the paginated {limit, next_cursor, count, data} of the OpenAPI example.
GET_ORDERS_RESPONSE_GUIDE = [
    {
        "id": "ORDER_ID",
        "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
        "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
        "owner": "0x1234...",
        "maker_address": "0x1234...",
        "side": "BUY",
        "price": "0.52",
        "original_size": "10",
        "size_matched": "0",
        "outcome": "Yes",
        "order_type": "GTC",
        "status": "LIVE",
        "associate_trades": [],
        "created_at": 1748779200,
        "expiration": "0",
    }
]

# ============================================================================
# REST: trades
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/trade/get-trades.md (clob-openapi.yaml, GET /data/trades, 200 example)
# Read via [crawl 2026-06-18]. Note: count is 2 but data holds one trade; size "100000000" is 6-decimal
# fixed math; fee_rate_bps on the trade; TRADE_STATUS_* prefix.
GET_TRADES_RESPONSE = {
    "limit": 100,
    "next_cursor": "MTAw",
    "count": 2,
    "data": [
        {
            "id": "trade-123",
            "taker_order_id": "0xabcdef1234567890abcdef1234567890abcdef12",
            "market": "0x0000000000000000000000000000000000000000000000000000000000000001",
            "asset_id": "15871154585880608648532107628464183779895785213830018178010423617714102767076",
            "side": "BUY",
            "size": "100000000",
            "fee_rate_bps": "30",
            "price": "0.5",
            "status": "TRADE_STATUS_CONFIRMED",
            "match_time": "1700000000",
            "last_update": "1700000000",
            "outcome": "YES",
            "bucket_index": 0,
            "owner": "f4f247b7-4ac7-ff29-a152-04fda0a8755a",
            "maker_address": "0x1234567890123456789012345678901234567890",
            "transaction_hash": "0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef",
            "trader_side": "TAKER",
            "maker_orders": [],
        }
    ],
}

# Source: https://docs.polymarket.com/trading/manage-orders ("List Account Trades", API tab, "Trade Example" wire shape)
# Read via Etherdrake/PolymarketDocumentation:docs/trading/manage-orders.md (@fbf68320). Bare array;
# status is plain "MATCHED" here although the OpenAPI enum uses TRADE_STATUS_*.
GET_TRADES_RESPONSE_GUIDE = [
    {
        "id": "TRADE_ID",
        "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
        "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
        "owner": "0x1234...",
        "maker_address": "0x1234...",
        "taker_order_id": "ORDER_ID",
        "side": "BUY",
        "trader_side": "TAKER",
        "price": "0.52",
        "size": "10",
        "outcome": "Yes",
        "status": "MATCHED",
        "fee_rate_bps": "0",
        "bucket_index": 0,
        "transaction_hash": "0xabc...",
        "maker_orders": [],
        "match_time": "1748779205",
        "last_update": "1748779205",
    }
]

# Source: https://docs.polymarket.com/api-reference/trade/get-trades.md (Trade.status enum), read via [crawl 2026-06-18]
TRADE_STATUS_ENUM_REST_OPENAPI = [
    "TRADE_STATUS_CONFIRMED",
    "TRADE_STATUS_FAILED",
    "TRADE_STATUS_RETRYING",
    "TRADE_STATUS_MATCHED",
    "TRADE_STATUS_MINED",
]
# Source: https://docs.polymarket.com/api-reference/wss/user.md (asyncapi-user.json, Trade Event status enum), read via [crawl 2026-06-18]
TRADE_STATUS_ENUM_WS_ASYNCAPI = ["MATCHED", "MINED", "CONFIRMED", "RETRYING", "FAILED"]
# Source: https://docs.polymarket.com/trading/realtime-order-updates (TypeScript UserTradeEvent.status union)
# Read via Etherdrake/PolymarketDocumentation:docs/trading/realtime-order-updates.md (@fbf68320). Adds
# a sixth state, MATCHED_NOT_BROADCASTED ("The orders matched before an onchain transaction was broadcast").
TRADE_STATUS_ENUM_SDK_REALTIME = [
    "TRADE_STATUS_MATCHED",
    "TRADE_STATUS_MATCHED_NOT_BROADCASTED",
    "TRADE_STATUS_MINED",
    "TRADE_STATUS_CONFIRMED",
    "TRADE_STATUS_RETRYING",
    "TRADE_STATUS_FAILED",
]
# Source: https://docs.polymarket.com/market-data/websocket/user-channel ("Trade Statuses" table)
# Read via ebowwa/dailydocupdates:docs/polymarket/market-data/websocket/user-channel.md (downloaded 2026-03-10).
TRADE_STATUS_TERMINAL = {
    "MATCHED": False,
    "MINED": False,
    "CONFIRMED": True,
    "RETRYING": False,
    "FAILED": True,
}

# Source: Polymarket/py-clob-client-v2:tests/test_client_post_order_resolution.py (@1a39a985) — _make_trade() (GET /data/trades item)
PY_TEST_TRADE_MATCHED = {
    "id": "trade-1",
    "taker_order_id": "0xorder",
    "market": "0xmarket",
    "asset_id": "123",
    "side": "BUY",
    "size": "100",
    "fee_rate_bps": "0",
    "price": "0.5",
    "status": "MATCHED",
    "match_time": "1752500000",
    "last_update": "1752500000",
    "outcome": "YES",
    "owner": "owner",
    "maker_address": "0xmaker",
    "maker_orders": [],
    "trader_side": "TAKER",
}
# Source: same file — _make_trade(status="MINED", transaction_hash="0xccc")
PY_TEST_TRADE_MINED = {
    "id": "trade-1",
    "taker_order_id": "0xorder",
    "market": "0xmarket",
    "asset_id": "123",
    "side": "BUY",
    "size": "100",
    "fee_rate_bps": "0",
    "price": "0.5",
    "status": "MINED",
    "match_time": "1752500000",
    "last_update": "1752500000",
    "outcome": "YES",
    "owner": "owner",
    "maker_address": "0xmaker",
    "maker_orders": [],
    "trader_side": "TAKER",
    "transaction_hash": "0xccc",
}
# Source: same file — _make_trade(status="CONFIRMED", transaction_hash="0xeee")
PY_TEST_TRADE_CONFIRMED = {
    "id": "trade-1",
    "taker_order_id": "0xorder",
    "market": "0xmarket",
    "asset_id": "123",
    "side": "BUY",
    "size": "100",
    "fee_rate_bps": "0",
    "price": "0.5",
    "status": "CONFIRMED",
    "match_time": "1752500000",
    "last_update": "1752500000",
    "outcome": "YES",
    "owner": "owner",
    "maker_address": "0xmaker",
    "maker_orders": [],
    "trader_side": "TAKER",
    "transaction_hash": "0xeee",
}
# Source: same file — _make_trade(status="FAILED") (excluded from resolved hashes by the client)
PY_TEST_TRADE_FAILED = {
    "id": "trade-1",
    "taker_order_id": "0xorder",
    "market": "0xmarket",
    "asset_id": "123",
    "side": "BUY",
    "size": "100",
    "fee_rate_bps": "0",
    "price": "0.5",
    "status": "FAILED",
    "match_time": "1752500000",
    "last_update": "1752500000",
    "outcome": "YES",
    "owner": "owner",
    "maker_address": "0xmaker",
    "maker_orders": [],
    "trader_side": "TAKER",
}

# ============================================================================
# REST: cancelling orders
# ============================================================================

# Source: https://docs.polymarket.com/api-reference/trade/cancel-single-order.md (clob-openapi.yaml, DELETE /order, request example)
# Read via ebowwa/dailydocupdates:docs/polymarket/api-reference/trade/cancel-single-order.md (downloaded 2026-03-10).
CANCEL_ORDER_REQUEST = {"orderID": "0xabcdef1234567890abcdef1234567890abcdef12"}
# Source: same page, 200 example "canceled"
CANCEL_ORDER_RESPONSE_CANCELED = {
    "canceled": ["0xabcdef1234567890abcdef1234567890abcdef12"],
    "not_canceled": {},
}
# Source: same page, 200 example "not_canceled" (a 200 with an empty canceled list)
CANCEL_ORDER_RESPONSE_NOT_CANCELED = {
    "canceled": [],
    "not_canceled": {
        "0xabcdef1234567890abcdef1234567890abcdef12": "Order not found or already canceled"
    },
}

# Source: https://docs.polymarket.com/api-reference/trade/cancel-multiple-orders.md (clob-openapi.yaml, DELETE /orders, request example)
# Read via [crawl 2026-06-18].
CANCEL_ORDERS_REQUEST = [
    "0xabcdef1234567890abcdef1234567890abcdef12",
    "0xfedcba0987654321fedcba0987654321fedcba09",
    "0x1234567890abcdef1234567890abcdef12345678",
]
# Source: same page, 200 example "all_canceled"
CANCEL_ORDERS_RESPONSE_ALL_CANCELED = {
    "canceled": [
        "0xabcdef1234567890abcdef1234567890abcdef12",
        "0xfedcba0987654321fedcba0987654321fedcba09",
        "0x1234567890abcdef1234567890abcdef12345678",
    ],
    "not_canceled": {},
}
# Source: same page, 200 example "mixed"
CANCEL_ORDERS_RESPONSE_MIXED = {
    "canceled": [
        "0xabcdef1234567890abcdef1234567890abcdef12",
        "0xfedcba0987654321fedcba0987654321fedcba09",
    ],
    "not_canceled": {"0x1234567890abcdef1234567890abcdef12345678": "Order already matched"},
}
# Source: same page, 200 example "partial"
CANCEL_ORDERS_RESPONSE_PARTIAL = {
    "canceled": ["0xabcdef1234567890abcdef1234567890abcdef12"],
    "not_canceled": {
        "0xfedcba0987654321fedcba0987654321fedcba09": "Order not found",
        "0x1234567890abcdef1234567890abcdef12345678": "Order already canceled",
    },
}

# Source: https://docs.polymarket.com/api-reference/trade/cancel-all-orders.md (clob-openapi.yaml, DELETE /cancel-all, 200 examples)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10).
CANCEL_ALL_RESPONSE_CANCELED = {
    "canceled": [
        "0xabcdef1234567890abcdef1234567890abcdef12",
        "0xfedcba0987654321fedcba0987654321fedcba09",
    ],
    "not_canceled": {},
}
# Source: https://docs.polymarket.com/api-reference/trade/cancel-all-orders.md (DELETE /cancel-all, 200 example "mixed"), ebowwa snapshot 2026-03-10
CANCEL_ALL_RESPONSE_MIXED = {
    "canceled": ["0xabcdef1234567890abcdef1234567890abcdef12"],
    "not_canceled": {"0xfedcba0987654321fedcba0987654321fedcba09": "Order already matched"},
}
# Source: https://docs.polymarket.com/api-reference/trade/cancel-all-orders.md (DELETE /cancel-all, 200 example "no_orders"), ebowwa snapshot 2026-03-10
CANCEL_ALL_RESPONSE_NO_ORDERS: dict[str, object] = {"canceled": [], "not_canceled": {}}

# Source: https://docs.polymarket.com/api-reference/trade/cancel-orders-for-a-market.md (clob-openapi.yaml, DELETE /cancel-market-orders, request example)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). The 200 examples are identical in shape to
# CANCEL_ALL_RESPONSE_CANCELED / _MIXED / _NO_ORDERS.
CANCEL_MARKET_ORDERS_REQUEST = {
    "market": "0x0000000000000000000000000000000000000000000000000000000000000001",
    "asset_id": "0xabc123def456...",
}

# Source: https://docs.polymarket.com/trading/manage-orders ("Cancellation Results", API tab, "Response")
# Read via a verbatim copy of the page .md (same text in Etherdrake/PolymarketDocumentation:docs/trading/manage-orders.md).
# Note the lower-case reason text vs the OpenAPI examples' "Order already matched".
CANCEL_RESPONSE_GUIDE = {
    "canceled": ["ORDER_ID_1"],
    "not_canceled": {"ORDER_ID_2": "order already matched"},
}

# Every not_canceled reason text shown in the sources above, verbatim.
# Source: the cancel pages above (clob-openapi.yaml examples) and https://docs.polymarket.com/trading/manage-orders
CANCEL_NOT_CANCELED_REASONS = [
    "Order not found or already canceled",
    "Order already matched",
    "Order not found",
    "Order already canceled",
    "order already matched",
]

# ============================================================================
# REST: error bodies
# ============================================================================

# Source: https://docs.polymarket.com/resources/error-codes ("All CLOB API errors return a JSON object with a single error field")
ERROR_BODY_SHAPE = {"error": "<message>"}

# Source: https://docs.polymarket.com/trading/matching-engine ("Cancel-Only Mode": POST /order and POST /orders return 503)
# Read via a verbatim copy of the page .md; same text in the clob-openapi.yaml 503 "cancel_only" example.
ERROR_503_CANCEL_ONLY = {
    "error": "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."
}

# Source: https://docs.polymarket.com/trading/matching-engine ("Post-Only Mode": POST /order returns 503, also a Retry-After header)
# Same body in clob-openapi.yaml POST /order 503 example "post_only_mode" ([crawl 2026-06-18]).
# Note: extra "code" and integer "retry_after_seconds" beside "error".
ERROR_503_POST_ONLY_MODE = {
    "error": "post-only mode: only post-only orders and cancels are allowed",
    "code": "post_only_mode",
    "retry_after_seconds": 79,
}

# Source: https://docs.polymarket.com/api-reference/trade/post-a-new-order.md (clob-openapi.yaml, POST /order, 400/401/500/503 examples)
# Read via [crawl 2026-06-18]; identical in the 2026-03-10 snapshot (minus post-only). Exact bodies.
POST_ORDER_ERROR_BODIES = {
    "invalid_payload": {"error": "Invalid order payload"},
    "owner_mismatch": {"error": "the order owner has to be the owner of the API KEY"},
    "signer_mismatch": {"error": "the order signer address has to be the address of the API KEY"},
    "banned_address": {"error": "'0x1234...' address banned"},
    "closed_only_mode": {"error": "'0x1234...' address in closed only mode"},
    "invalid_order": {
        "error": "order 0xabc... is invalid. Price (100) breaks minimum tick size rule: 0.1"
    },
    "unauthorized_401": {"error": "Invalid API key"},
    "internal_500": {"error": "could not insert order"},
    "trading_disabled_503": {
        "error": "Trading is currently disabled. Check polymarket.com for updates"
    },
    "cancel_only_503": {
        "error": "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."
    },
}

# Source: https://docs.polymarket.com/api-reference/trade/post-multiple-orders.md (clob-openapi.yaml, POST /orders, 400 "too_many_orders")
POST_ORDERS_ERROR_TOO_MANY = {"error": "Too many orders in payload: 20, max allowed: 15"}
# Source: https://docs.polymarket.com/api-reference/trade/cancel-multiple-orders.md (clob-openapi.yaml, DELETE /orders, 400 "too_many_orders"), [crawl 2026-06-18]
CANCEL_ORDERS_ERROR_TOO_MANY = {"error": "Too many orders in payload, max allowed: 1000"}
# Source: https://docs.polymarket.com/api-reference/market-data/get-order-book.md (clob-openapi.yaml, GET /book 400/404/500 examples), [crawl 2026-06-18]
GET_BOOK_ERROR_BODIES = {
    400: {"error": "Invalid token id"},
    404: {"error": "No orderbook exists for the requested token id"},
    500: {"error": "error getting the orderbook"},
}
# Source: https://docs.polymarket.com/api-reference/trade/get-single-order-by-id.md (clob-openapi.yaml 400/401/404/500 examples), [crawl 2026-06-18]
GET_ORDER_ERROR_BODIES = {
    400: {"error": "Invalid orderID"},
    401: {"error": "Invalid API key"},
    404: {"error": "Order not found"},
    500: {"error": "Internal server error"},
}
# Source: https://docs.polymarket.com/api-reference/market-data/get-tick-size.md and get-fee-rate.md (404 examples), ebowwa snapshot 2026-03-10
GET_TICK_SIZE_ERROR_404 = {"error": "market not found"}
# Source: https://docs.polymarket.com/api-reference/market-data/get-fee-rate.md (GET /fee-rate 404 example), ebowwa snapshot 2026-03-10
GET_FEE_RATE_ERROR_404 = {"error": "fee rate not found for market"}

# Every documented CLOB error text, verbatim, as (http_status, endpoint, error_text). Placeholders such as
# {id}, {price}, {tick}, {size}, {min}, {address}, {N}, {M}, {key}, {val} are the docs' own.
# Source: https://docs.polymarket.com/resources/error-codes.md
# Read via ebowwa/dailydocupdates:docs/polymarket/resources/error-codes.md (downloaded 2026-03-10).
ERROR_CODES_PAGE_2026_03 = [
    (401, "any authenticated endpoint", "Unauthorized/Invalid api key"),
    (401, "any authenticated endpoint", "Invalid L1 Request headers"),
    (
        503,
        "any authenticated endpoint",
        "Trading is currently disabled. Check polymarket.com for updates",
    ),
    (
        503,
        "any authenticated endpoint",
        "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed.",
    ),
    (429, "any authenticated endpoint", "Too Many Requests"),
    (400, "GET /book", "Invalid token id"),
    (404, "GET /book", "No orderbook exists for the requested token id"),
    (400, "POST /books", "Invalid payload"),
    (400, "POST /books", "Payload exceeds the limit"),
    (400, "GET /price", "Invalid token id"),
    (400, "GET /price", "Invalid side"),
    (404, "GET /price", "No orderbook exists for the requested token id"),
    (400, "POST /prices", "Invalid payload"),
    (400, "POST /prices", "Invalid side"),
    (400, "POST /prices", "Payload exceeds the limit"),
    (400, "GET /midpoint", "Invalid token id"),
    (404, "GET /midpoint", "No orderbook exists for the requested token id"),
    (400, "POST /midpoints", "Invalid payload"),
    (400, "POST /midpoints", "Payload exceeds the limit"),
    (400, "GET /spread", "Invalid token id"),
    (404, "GET /spread", "No orderbook exists for the requested token id"),
    (400, "POST /spreads", "Invalid payload"),
    (400, "POST /spreads", "Payload exceeds the limit"),
    (400, "POST /order", "Invalid order payload"),
    (400, "POST /order", "the order owner has to be the owner of the API KEY"),
    (400, "POST /order", "the order signer address has to be the address of the API KEY"),
    (400, "POST /order", "'{address}' address banned"),
    (400, "POST /order", "'{address}' address in closed only mode"),
    (400, "POST /orders", "Too many orders in payload: {N}, max allowed: {M}"),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "invalid post-only order: order crosses book",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "order {id} is invalid. Price ({price}) breaks minimum tick size rule: {tick}",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "order {id} is invalid. Size ({size}) lower than the minimum: {min}",
    ),
    (400, "POST /order, POST /orders (order processing)", "order {id} is invalid. Duplicated."),
    (400, "POST /order, POST /orders (order processing)", "order {id} crosses the book"),
    (400, "POST /order, POST /orders (order processing)", "not enough balance / allowance"),
    (400, "POST /order, POST /orders (order processing)", "invalid nonce"),
    (400, "POST /order, POST /orders (order processing)", "invalid expiration"),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "order canceled in the CTF exchange contract",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "order match delayed due to market conditions",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "order couldn't be fully filled. FOK orders are fully filled or killed.",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.",
    ),
    (
        400,
        "POST /order, POST /orders (order processing)",
        "the market is not yet ready to process new orders",
    ),
    (500, "matching engine", "there are no matching orders"),
    (500, "matching engine", "FOK orders are filled or killed"),
    (500, "matching engine", "the trade contains rounding issues"),
    (
        500,
        "matching engine",
        "the price of the taker's order has a discrepancy greater than allowed with the worst maker order",
    ),
    (400, "DELETE /order", "Invalid order payload"),
    (400, "DELETE /order", "Invalid orderID"),
    (400, "DELETE /orders", "Invalid order payload"),
    (400, "DELETE /orders", "Too many orders in payload, max allowed: {N}"),
    (400, "DELETE /orders", "Invalid orderID"),
    (400, "DELETE /cancel-market-orders", "Invalid order payload"),
    (400, "GET /data/order/{id}", "Invalid orderID"),
    (500, "GET /data/order/{id}", "Internal server error"),
    (400, "GET /data/orders", "invalid order params payload"),
    (500, "GET /data/orders", "Internal server error"),
    (400, "GET /data/trades", "Invalid trade params payload"),
    (500, "GET /data/trades", "Internal server error"),
    (400, "GET /last-trade-price", "Invalid token id"),
    (500, "GET /last-trade-price", "Internal server error"),
    (400, "POST /last-trades-prices", "Invalid payload"),
    (400, "POST /last-trades-prices", "Payload exceeds the limit"),
    (400, "GET /markets/{condition_id}", "Invalid market"),
    (404, "GET /markets/{condition_id}", "market not found"),
    (400, "GET /tick-size", "Invalid token id"),
    (404, "GET /tick-size", "market not found"),
    (400, "GET /neg-risk", "Invalid token id"),
    (404, "GET /neg-risk", "market not found"),
    (400, "GET /ohlc", "startTs is required"),
    (400, "GET /ohlc", "asset_id is required"),
    (400, "GET /ohlc", "invalid fidelity: {val}"),
    (400, "GET /ohlc", "limit cannot exceed 1000"),
    (400, "GET /orderbook-history", "startTs is required"),
    (400, "GET /orderbook-history", "either market or asset_id must be provided"),
    (400, "GET /orderbook-history", "limit cannot exceed 1000"),
    (401, "POST /auth/api-key", "Invalid L1 Request headers"),
    (400, "POST /auth/api-key", "Could not create api key"),
    (500, "GET /auth/api-keys", "Could not retrieve API keys"),
    (500, "DELETE /auth/api-key", "Could not delete API key"),
    (401, "GET /auth/derive-api-key", "Invalid L1 Request headers"),
    (400, "GET /auth/derive-api-key", "Could not derive api key!"),
    (500, "POST /auth/builder-api-key", "could not create builder api key"),
    (500, "GET /auth/builder-api-key", "could not get builder api keys"),
    (400, "DELETE /auth/builder-api-key", "invalid revoke builder api key body"),
    (400, "DELETE /auth/builder-api-key", "invalid revoke builder api key headers"),
    (500, "DELETE /auth/builder-api-key", "could not revoke the builder api key: {key}"),
    (400, "GET /builder/trades", "invalid builder trade params"),
    (500, "GET /builder/trades", "could not fetch builder trades"),
    (400, "GET /balance-allowance", "Invalid asset type"),
    (400, "GET /balance-allowance", "Invalid signature_type"),
]
# Also documented on the same page: HTTP 425 Too Early = matching engine restarting (no error text given), and
# "The CLOB API has an internal override: any error message containing "not found" returns 404, "unauthorized"
# returns 401, and "context canceled" returns 400, regardless of the original status code."

# Source: https://docs.polymarket.com/resources/error-codes.md — entries present in the later revision only.
# Read via a docs-scrape copy "Polymarket-Docs_Docs - Other" (mirror of the June 2026 page);
# that revision drops "invalid nonce" and says "Insufficient pUSD balance" for "not enough balance / allowance".
ERROR_CODES_PAGE_2026_06_ADDITIONS = [
    (
        503,
        "POST /order, POST /orders",
        "post-only mode: only post-only orders and cancels are allowed",
    ),
    (500, "POST /order, POST /orders (order processing)", "order timed out"),
]

# Source: https://docs.polymarket.com/developers/CLOB/orders/create-order (2025 docs, "Insert Error Messages" table: code, success, message)
# Read via the markdown copy of that page and xaozzzz/DOCSpolymarket:polymarket_docs/developers/CLOB/orders/create-order.md.
# Legacy texts (note: no order id and no numbers, unlike the 2026 error-codes page).
LEGACY_INSERT_ERRORS = [
    (
        "INVALID_ORDER_MIN_TICK_SIZE",
        "yes",
        "order is invalid. Price breaks minimum tick size rules",
    ),
    ("INVALID_ORDER_MIN_SIZE", "yes", "order is invalid. Size lower than the minimum"),
    (
        "INVALID_ORDER_DUPLICATED",
        "yes",
        "order is invalid. Duplicated. Same order has already been placed, can't be placed again",
    ),
    ("INVALID_ORDER_NOT_ENOUGH_BALANCE", "yes", "not enough balance / allowance"),
    ("INVALID_ORDER_EXPIRATION", "yes", "invalid expiration"),
    ("INVALID_ORDER_ERROR", "yes", "could not insert order"),
    ("EXECUTION_ERROR", "yes", "could not run the execution"),
    ("ORDER_DELAYED", "no", "order match delayed due to market conditions"),
    ("DELAYING_ORDER_ERROR", "yes", "error delaying the order"),
    (
        "FOK_ORDER_NOT_FILLED_ERROR",
        "yes",
        "order couldn't be fully filled, FOK orders are fully filled/killed",
    ),
    ("MARKET_NOT_READY", "no", "the market is not yet ready to process new orders"),
]

# Source: https://docs.polymarket.com/trading/orders/create ("Error Messages" table: code -> description; no wire texts given)
# Read via Etherdrake/PolymarketDocumentation:docs/developers/CLOB/orders/create-order.md (@86334945).
CREATE_ORDER_ERROR_CODES_2026 = {
    "INVALID_ORDER_MIN_TICK_SIZE": "Price doesn't conform to the market's tick size",
    "INVALID_ORDER_MIN_SIZE": "Order size below the minimum threshold",
    "INVALID_ORDER_DUPLICATED": "Identical order already placed",
    "INVALID_ORDER_NOT_ENOUGH_BALANCE": "Insufficient balance or allowance",
    "INVALID_ORDER_EXPIRATION": "Expiration timestamp is in the past",
    "INVALID_POST_ONLY_ORDER_TYPE": "Post-only used with FOK/FAK",
    "INVALID_POST_ONLY_ORDER": "Post-only order would cross the book",
    "FOK_ORDER_NOT_FILLED_ERROR": "FOK order couldn't be fully filled",
    "INVALID_ORDER_ERROR": "System error inserting the order",
    "EXECUTION_ERROR": "System error executing the trade",
    "ORDER_DELAYED": "Order match delayed due to market conditions",
    "DELAYING_ORDER_ERROR": "System error while delaying the order",
    "MARKET_NOT_READY": "Market not yet accepting orders",
}

# ============================================================================
# REST: heartbeat / account status (small bodies shown in the guides)
# ============================================================================

# Source: https://docs.polymarket.com/trading/manage-orders ("Order Heartbeats": POST /v1/heartbeats response)
# Read via a verbatim copy of the page .md.
HEARTBEAT_RESPONSE = {"heartbeat_id": "<heartbeat_id>"}
# Source: same section — 400 for an invalid/expired id. Note: "error_msg", NOT the usual "error" key.
HEARTBEAT_ERROR_400_INVALID_ID = {
    "error_msg": "Invalid Heartbeat ID",
    "heartbeat_id": "<expected_heartbeat_id>",
}
# Source: same page, "Check Closed-Only Mode" (GET /auth/ban-status/closed-only, API tab)
CLOSED_ONLY_MODE_RESPONSE = {"closed_only": False}
# Source: same page, "Check Order Scoring" (GET /order-scoring, API tab)
ORDER_SCORING_RESPONSE = {"scoring": True}

# ============================================================================
# WebSocket: user channel (wss://ws-subscriptions-clob.polymarket.com/ws/user)
# ============================================================================

# Source: https://docs.polymarket.com/market-data/websocket/user-channel ("Authentication" subscription message)
# Read via ebowwa/dailydocupdates:docs/polymarket/market-data/websocket/user-channel.md (downloaded 2026-03-10).
WS_USER_SUBSCRIBE = {
    "auth": {
        "apiKey": "your-api-key",
        "secret": "your-api-secret",
        "passphrase": "your-passphrase",
    },
    "markets": ["0x1234...condition_id"],
    "type": "user",
}
# Source: https://docs.polymarket.com/api-reference/wss/user.md (asyncapi-user.json, userSubscriptionRequestUpdate example), [crawl 2026-06-18]
WS_USER_SUBSCRIPTION_UPDATE = {
    "operation": "subscribe",
    "markets": ["0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"],
}

# Source: https://docs.polymarket.com/market-data/websocket/user-channel ("trade" example)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Note "matchtime" (no underscore); the
# current Chinese page (docs.polymarket.com/cn/market-data/websocket/user-channel.md) shows "match_time".
# No fee_rate_bps, trader_side or bucket_index; maker_orders items have no maker_address/side.
WS_USER_TRADE_DOCS_PAGE = {
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "event_type": "trade",
    "id": "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
    "last_update": "1672290701",
    "maker_orders": [
        {
            "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
            "matched_amount": "10",
            "order_id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
            "outcome": "YES",
            "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
            "price": "0.57",
        }
    ],
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "matchtime": "1672290701",
    "outcome": "YES",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "price": "0.57",
    "side": "BUY",
    "size": "10",
    "status": "MATCHED",
    "taker_order_id": "0x06bc63e346ed4ceddce9efd6b3af37c8f8f440c92fe7da6b2d0f9e4ccbc50c42",
    "timestamp": "1672290701",
    "trade_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "type": "TRADE",
}

# Source: https://docs.polymarket.com/market-data/websocket/user-channel ("order" example, type PLACEMENT)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Note associate_trades is null.
WS_USER_ORDER_PLACEMENT_DOCS_PAGE = {
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "associate_trades": None,
    "event_type": "order",
    "id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "order_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "original_size": "10",
    "outcome": "YES",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "price": "0.57",
    "side": "SELL",
    "size_matched": "0",
    "timestamp": "1672290687",
    "type": "PLACEMENT",
}

# Source: https://docs.polymarket.com/api-reference/wss/user.md (asyncapi-user.json, "Order Event" example)
# Read via [crawl 2026-06-18]. created_at is a STRING here (REST uses an integer); expiration "1234567".
WS_USER_ORDER_PLACEMENT_ASYNCAPI = {
    "event_type": "order",
    "id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "side": "SELL",
    "order_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "original_size": "10",
    "size_matched": "0",
    "price": "0.57",
    "associate_trades": None,
    "outcome": "YES",
    "type": "PLACEMENT",
    "created_at": "1672290687",
    "expiration": "1234567",
    "order_type": "GTD",
    "status": "LIVE",
    "maker_address": "0x1234...",
    "timestamp": "1672290687",
}

# Source: https://docs.polymarket.com/api-reference/wss/user.md (asyncapi-user.json, "Trade Event" example)
# Read via [crawl 2026-06-18]. Note transaction_hash "" (empty string), integer bucket_index, fee_rate_bps
# on the trade and on each maker order, "matchtime" (no underscore).
WS_USER_TRADE_ASYNCAPI = {
    "event_type": "trade",
    "type": "TRADE",
    "id": "28c4d2eb-bbea-40e7-a9f0-b2fdb56b2c2e",
    "taker_order_id": "0x06bc63e346ed4ceddce9efd6b3af37c8f8f440c92fe7da6b2d0f9e4ccbc50c42",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
    "side": "BUY",
    "size": "10",
    "price": "0.57",
    "fee_rate_bps": "0",
    "status": "MATCHED",
    "matchtime": "1672290701",
    "last_update": "1672290701",
    "outcome": "YES",
    "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "trade_owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
    "maker_address": "0x1234...",
    "transaction_hash": "",
    "bucket_index": 0,
    "maker_orders": [
        {
            "order_id": "0xff354cd7ca7539dfa9c28d90943ab5779a4eac34b9b37a757d7b32bdfb11790b",
            "owner": "9180014b-33c8-9240-a14b-bdca11c0a465",
            "maker_address": "0x5678...",
            "matched_amount": "10",
            "price": "0.57",
            "fee_rate_bps": "0",
            "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
            "outcome": "YES",
            "side": "SELL",
        }
    ],
    "trader_side": "TAKER",
    "timestamp": "1672290701",
}

# Source: https://docs.polymarket.com/trading/realtime-order-updates (API tab, "Order Update" wire frame)
# Read via Etherdrake/PolymarketDocumentation:docs/trading/realtime-order-updates.md (@fbf68320).
# timestamp is milliseconds ("1782753357257"), created_at seconds, expiration "0".
WS_USER_ORDER_PLACEMENT_WIRE = {
    "event_type": "order",
    "id": "<order_id>",
    "owner": "<clob_api_key>",
    "market": "<condition_id>",
    "asset_id": "<token_id>",
    "side": "BUY",
    "order_owner": "<clob_api_key>",
    "original_size": "10",
    "size_matched": "0",
    "price": "0.52",
    "associate_trades": None,
    "outcome": "Yes",
    "type": "PLACEMENT",
    "created_at": "1782753357",
    "expiration": "0",
    "order_type": "GTC",
    "status": "LIVE",
    "maker_address": "<maker_address>",
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/trading/realtime-order-updates (API tab, "Trade Update" wire frame)
# Read via Etherdrake/PolymarketDocumentation:docs/trading/realtime-order-updates.md (@fbf68320).
# Note "match_time" (with underscore), transaction_hash null, maker_orders[].outcome_index.
WS_USER_TRADE_WIRE = {
    "event_type": "trade",
    "type": "TRADE",
    "id": "<trade_id>",
    "taker_order_id": "<order_id>",
    "market": "<condition_id>",
    "asset_id": "<token_id>",
    "side": "BUY",
    "size": "10",
    "fee_rate_bps": "0",
    "price": "0.52",
    "status": "MATCHED",
    "match_time": "1782753357",
    "last_update": "1782753357",
    "outcome": "Yes",
    "owner": "<clob_api_key>",
    "trade_owner": "<clob_api_key>",
    "maker_address": "<maker_address>",
    "transaction_hash": None,
    "bucket_index": 0,
    "maker_orders": [
        {
            "order_id": "<maker_order_id>",
            "owner": "<maker_clob_api_key>",
            "maker_address": "<maker_address>",
            "matched_amount": "10",
            "price": "0.52",
            "fee_rate_bps": "0",
            "asset_id": "<token_id>",
            "outcome": "Yes",
            "outcome_index": 0,
            "side": "SELL",
        }
    ],
    "trader_side": "TAKER",
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/api-reference/wss/user.md (asyncapi-user.json, Order Event "type" enum), [crawl 2026-06-18]
# Only PLACEMENT has a documented example; UPDATE and CANCELLATION appear only in this enum.
WS_USER_ORDER_EVENT_TYPES = ["PLACEMENT", "UPDATE", "CANCELLATION"]

# ============================================================================
# WebSocket: market channel (wss://ws-subscriptions-clob.polymarket.com/ws/market)
# ============================================================================

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("Subscription")
# Read via ebowwa/dailydocupdates:docs/polymarket/market-data/websocket/market-channel.md (downloaded 2026-03-10).
WS_MARKET_SUBSCRIBE = {
    "assets_ids": ["<token_id_1>", "<token_id_2>"],
    "type": "market",
    "custom_feature_enabled": True,
}
# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, subscriptionRequestUpdate example), [crawl 2026-06-18]
WS_MARKET_SUBSCRIPTION_UPDATE = {
    "operation": "subscribe",
    "assets_ids": ["71321045679252212594626385532706912750332728571942532289631379312455583992563"],
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("book" example)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Prices WITHOUT a leading zero (".48"),
# timestamp "123456789000", hash "0x0....", no tick_size/min_order_size.
WS_MARKET_BOOK_DOCS_PAGE = {
    "event_type": "book",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "bids": [
        {"price": ".48", "size": "30"},
        {"price": ".49", "size": "20"},
        {"price": ".50", "size": "15"},
    ],
    "asks": [
        {"price": ".52", "size": "25"},
        {"price": ".53", "size": "60"},
        {"price": ".54", "size": "10"},
    ],
    "timestamp": "123456789000",
    "hash": "0x0....",
}

# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "book" example), [crawl 2026-06-18]
WS_MARKET_BOOK_ASYNCAPI = {
    "event_type": "book",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "bids": [
        {"price": "0.48", "size": "30"},
        {"price": "0.49", "size": "20"},
        {"price": "0.50", "size": "15"},
    ],
    "asks": [
        {"price": "0.52", "size": "25"},
        {"price": "0.53", "size": "60"},
        {"price": "0.54", "size": "10"},
    ],
    "timestamp": "1757908892351",
    "hash": "0xabc123...",
}

# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Order Book" wire frame)
# Read via ebowwa/dailydocupdates:docs/polymarket/market-data/realtime-data.md (downloaded 2026-07-24).
# Note: bids listed ascending (best bid LAST), asks descending (best ask LAST); hash contains "…" (U+2026).
WS_MARKET_BOOK_WIRE = {
    "event_type": "book",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "timestamp": "1782753357257",
    "hash": "0xabc123…",
    "bids": [
        {"price": "0.08", "size": "33343.4"},
        {"price": "0.09", "size": "163939.58"},
    ],
    "asks": [
        {"price": "0.99", "size": "218442.27"},
        {"price": "0.98", "size": "13229.55"},
    ],
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("price_change" example, current schema)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10); same example in the Sept-2025 migration guide.
# "A size of "0" means the price level has been removed from the book."
WS_MARKET_PRICE_CHANGE_DOCS_PAGE = {
    "market": "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
    "price_changes": [
        {
            "asset_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
            "price": "0.5",
            "size": "200",
            "side": "BUY",
            "hash": "56621a121a47ed9333273e21c83b660cff37ae50",
            "best_bid": "0.5",
            "best_ask": "1",
        },
        {
            "asset_id": "52114319501245915516055106046884209969926127482827954674443846427813813222426",
            "price": "0.5",
            "size": "200",
            "side": "SELL",
            "hash": "1895759e4df7a796bf4f1c5a5950b748306923e2",
            "best_bid": "0",
            "best_ask": "0.5",
        },
    ],
    "timestamp": "1757908892351",
    "event_type": "price_change",
}

# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "priceChange" example), [crawl 2026-06-18]
WS_MARKET_PRICE_CHANGE_ASYNCAPI = {
    "event_type": "price_change",
    "market": "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
    "price_changes": [
        {
            "asset_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
            "price": "0.5",
            "size": "200",
            "side": "BUY",
            "hash": "56621a121a47ed9333273e21c83b660cff37ae50",
            "best_bid": "0.5",
            "best_ask": "1",
        }
    ],
    "timestamp": "1757908892351",
}

# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Price Change" wire frame)
# Read via ebowwa/dailydocupdates:docs/polymarket/market-data/realtime-data.md (downloaded 2026-07-24).
WS_MARKET_PRICE_CHANGE_WIRE = {
    "event_type": "price_change",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "price_changes": [
        {
            "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
            "price": "0.08",
            "size": "33343.4",
            "side": "BUY",
            "hash": "56621a121a47ed9333273e21c83b660cff37ae50",
            "best_bid": "0.08",
            "best_ask": "0.09",
        }
    ],
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/developers/CLOB/websocket/market-channel-migration-guide ("Before (Legacy Schema)")
# Read via xaozzzz/DOCSpolymarket:polymarket_docs/developers/CLOB/websocket/market-channel-migration-guide.md.
# Legacy shape, replaced on 2025-09-15 23:00 UTC with no backwards compatibility: root asset_id/hash, "changes".
WS_MARKET_PRICE_CHANGE_LEGACY = {
    "asset_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
    "changes": [{"price": "0.4", "side": "SELL", "size": "3300"}],
    "event_type": "price_change",
    "market": "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1",
    "timestamp": "1729084877448",
    "hash": "3cd4d61e042c81560c9037ece0c61f3b1a8fbbdd",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("tick_size_change" example)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Note timestamp "100000000" (9 digits).
WS_MARKET_TICK_SIZE_CHANGE_DOCS_PAGE = {
    "event_type": "tick_size_change",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "old_tick_size": "0.01",
    "new_tick_size": "0.001",
    "timestamp": "100000000",
}
# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "tickSizeChange" example), [crawl 2026-06-18]
WS_MARKET_TICK_SIZE_CHANGE_ASYNCAPI = {
    "event_type": "tick_size_change",
    "asset_id": "65818619657568813474341868652308942079804919287380422192892211131408793125422",
    "market": "0xbd31dc8a20211944f6b70f31557f1001557b59905b7738480ca09bd4532f84af",
    "old_tick_size": "0.01",
    "new_tick_size": "0.001",
    "timestamp": "1757908892351",
}
# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Tick Size Change" wire frame), ebowwa snapshot 2026-07-24
WS_MARKET_TICK_SIZE_CHANGE_WIRE = {
    "event_type": "tick_size_change",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "old_tick_size": "0.01",
    "new_tick_size": "0.001",
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("last_trade_price" example), ebowwa snapshot 2026-03-10
WS_MARKET_LAST_TRADE_PRICE_DOCS_PAGE = {
    "asset_id": "114122071509644379678018727908709560226618148003371446110114509806601493071694",
    "event_type": "last_trade_price",
    "fee_rate_bps": "0",
    "market": "0x6a67b9d828d53862160e470329ffea5246f338ecfffdf2cab45211ec578b0347",
    "price": "0.456",
    "side": "BUY",
    "size": "219.217767",
    "timestamp": "1750428146322",
}
# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "lastTradePrice" example), [crawl 2026-06-18]
WS_MARKET_LAST_TRADE_PRICE_ASYNCAPI = {
    "event_type": "last_trade_price",
    "asset_id": "114122071509644379678018727908709560226618148003371446110114509806601493071694",
    "market": "0x6a67b9d828d53862160e470329ffea5246f338ecfffdf2cab45211ec578b0347",
    "price": "0.456",
    "size": "219.217767",
    "fee_rate_bps": "0",
    "side": "BUY",
    "timestamp": "1750428146322",
    "transaction_hash": "0xeeefffggghhh",
}
# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Last Trade Price" wire frame), ebowwa snapshot 2026-07-24
WS_MARKET_LAST_TRADE_PRICE_WIRE = {
    "event_type": "last_trade_price",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "price": "0.08",
    "size": "219.217767",
    "fee_rate_bps": "0",
    "side": "SELL",
    "timestamp": "1782753357257",
    "transaction_hash": "0xeeefff…",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("best_bid_ask", requires custom_feature_enabled)
# Read via ebowwa snapshot 2026-03-10; the asyncapi "bestBidAsk" example ([crawl 2026-06-18]) is identical.
WS_MARKET_BEST_BID_ASK = {
    "event_type": "best_bid_ask",
    "market": "0x0005c0d312de0be897668695bae9f32b624b4a1ae8b140c49f08447fcc74f442",
    "asset_id": "85354956062430465315924116860125388538595433819574542752031640332592237464430",
    "best_bid": "0.73",
    "best_ask": "0.77",
    "spread": "0.04",
    "timestamp": "1766789469958",
}
# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Best Bid and Ask" wire frame), ebowwa snapshot 2026-07-24
WS_MARKET_BEST_BID_ASK_WIRE = {
    "event_type": "best_bid_ask",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "best_bid": "0.08",
    "best_ask": "0.09",
    "spread": "0.01",
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("new_market", requires custom_feature_enabled)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10). Description truncated with "..." in the docs.
WS_MARKET_NEW_MARKET_DOCS_PAGE = {
    "id": "1031769",
    "question": "Will NVIDIA (NVDA) close above $240 end of January?",
    "market": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "slug": "nvda-above-240-on-january-30-2026",
    "description": 'This market will resolve to "Yes" if the official closing price...',
    "assets_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "outcomes": ["Yes", "No"],
    "event_message": {
        "id": "125819",
        "ticker": "nvda-above-in-january-2026",
        "slug": "nvda-above-in-january-2026",
        "title": "Will NVIDIA (NVDA) close above ___ end of January?",
        "description": 'This market will resolve to "Yes" if the official closing price...',
    },
    "timestamp": "1766790415550",
    "event_type": "new_market",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("new_market", later revision with fee fields)
# Read via Etherdrake/PolymarketDocumentation:docs/developers/CLOB/websocket/market-channel.md (@08bdc3b7).
# fee_schedule values are STRINGS ("2", "0.02") here; taker_base_fee "0"; empty-string sports fields.
WS_MARKET_NEW_MARKET_WITH_FEES = {
    "id": "1031769",
    "question": "Will NVIDIA (NVDA) close above $240 end of January?",
    "market": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "slug": "nvda-above-240-on-january-30-2026",
    "description": 'This market will resolve to "Yes" if the official closing price...',
    "assets_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "outcomes": ["Yes", "No"],
    "event_message": {
        "id": "125819",
        "ticker": "nvda-above-in-january-2026",
        "slug": "nvda-above-in-january-2026",
        "title": "Will NVIDIA (NVDA) close above ___ end of January?",
        "description": 'This market will resolve to "Yes" if the official closing price...',
    },
    "timestamp": "1766790415550",
    "event_type": "new_market",
    "tags": ["stocks"],
    "condition_id": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "active": True,
    "clob_token_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "sports_market_type": "",
    "line": "",
    "game_start_time": "",
    "order_price_min_tick_size": "0.01",
    "group_item_title": "NVDA above $240",
    "taker_base_fee": "0",
    "fees_enabled": True,
    "fee_schedule": {
        "exponent": "2",
        "rate": "0.02",
        "taker_only": True,
        "rebate_rate": "0",
    },
}

# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "newMarket" example), [crawl 2026-06-18]
WS_MARKET_NEW_MARKET_ASYNCAPI = {
    "event_type": "new_market",
    "id": "1031769",
    "question": "Will NVIDIA (NVDA) close above $240 end of January?",
    "market": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "slug": "nvda-above-240-on-january-30-2026",
    "description": 'This market will resolve to "Yes" if the official closing price for NVIDIA (NVDA) on the final trading day of January 2026 is higher than the listed price. Otherwise, this market will resolve to "No".',
    "assets_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "outcomes": ["Yes", "No"],
    "event_message": {
        "id": "125819",
        "ticker": "nvda-above-in-january-2026",
        "slug": "nvda-above-in-january-2026",
        "title": "Will NVIDIA (NVDA) close above ___ end of January?",
        "description": 'This market will resolve to "Yes" if the official closing price for NVIDIA (NVDA) on the final trading day of January 2026 is higher than the listed price. Otherwise, this market will resolve to "No".',
    },
    "timestamp": "1766790415550",
    "tags": ["stocks"],
    "condition_id": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "active": True,
    "clob_token_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "sports_market_type": "",
    "line": "",
    "game_start_time": "",
    "order_price_min_tick_size": "0.01",
    "group_item_title": "NVDA above $240",
}

# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "New Market" wire frame), ebowwa snapshot 2026-07-24
WS_MARKET_NEW_MARKET_WIRE = {
    "event_type": "new_market",
    "id": "123456",
    "question": "Will the US confirm that aliens exist before 2027?",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "slug": "will-the-us-confirm-that-aliens-exist-before-2027",
    "assets_ids": [
        "107505882767731489358349912513945399560393482969656700824895970500493757150417",
        "7305630249804085635496399869905769372294302716159034447326228509068694952392",
    ],
    "outcomes": ["Yes", "No"],
    "timestamp": "1782753357257",
}

# Source: https://docs.polymarket.com/market-data/websocket/market-channel ("market_resolved", requires custom_feature_enabled)
# Read via ebowwa/dailydocupdates (downloaded 2026-03-10).
WS_MARKET_MARKET_RESOLVED_DOCS_PAGE = {
    "id": "1031769",
    "question": "Will NVIDIA (NVDA) close above $240 end of January?",
    "market": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "slug": "nvda-above-240-on-january-30-2026",
    "description": 'This market will resolve to "Yes" if the official closing price...',
    "assets_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "outcomes": ["Yes", "No"],
    "winning_asset_id": "76043073756653678226373981964075571318267289248134717369284518995922789326425",
    "winning_outcome": "Yes",
    "event_message": {
        "id": "125819",
        "ticker": "nvda-above-in-january-2026",
        "slug": "nvda-above-in-january-2026",
        "title": "Will NVIDIA (NVDA) close above ___ end of January?",
        "description": 'This market will resolve to "Yes" if the official closing price...',
    },
    "timestamp": "1766790415550",
    "event_type": "market_resolved",
}
# Source: https://docs.polymarket.com/api-reference/wss/market.md (asyncapi.json, "marketResolved" example), [crawl 2026-06-18]
WS_MARKET_MARKET_RESOLVED_ASYNCAPI = {
    "event_type": "market_resolved",
    "id": "1031769",
    "market": "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1",
    "assets_ids": [
        "76043073756653678226373981964075571318267289248134717369284518995922789326425",
        "31690934263385727664202099278545688007799199447969475608906331829650099442770",
    ],
    "winning_asset_id": "76043073756653678226373981964075571318267289248134717369284518995922789326425",
    "winning_outcome": "Yes",
    "timestamp": "1766790415550",
    "tags": ["stocks"],
}
# Source: https://docs.polymarket.com/market-data/realtime-data (API tab, "Market Resolved" wire frame), ebowwa snapshot 2026-07-24
WS_MARKET_MARKET_RESOLVED_WIRE = {
    "event_type": "market_resolved",
    "id": "123456",
    "market": "0x747dc809fb79e1b05be09c42d6179459a58de2ef3e40f02484a4e1260f741f75",
    "assets_ids": [
        "107505882767731489358349912513945399560393482969656700824895970500493757150417",
        "7305630249804085635496399869905769372294302716159034447326228509068694952392",
    ],
    "winning_asset_id": "107505882767731489358349912513945399560393482969656700824895970500493757150417",
    "winning_outcome": "Yes",
    "timestamp": "1782753357257",
}

# ============================================================================
# Fees
# ============================================================================

# Source: https://docs.polymarket.com/trading/fees ("Fee Structure"; "Fee Precision")
# Read via Etherdrake/PolymarketDocumentation:docs/trading/fees.md (@08bdc3b7) and the June 2026 docs scrape.
FEE_FORMULA_DOCS = (
    "fee = C × feeRate × p × (1 - p)"  # C = number of shares traded, p = price of the shares
)
# Source: https://docs.polymarket.com/trading/fees ("Fee Precision")
FEE_ROUNDING_DECIMALS = 5  # "Fees are rounded to 5 decimal places."
# Source: https://docs.polymarket.com/trading/fees ("Fee Precision")
FEE_SMALLEST_CHARGED = (
    "0.00001"  # "The smallest fee charged is 0.00001 USDC. Anything smaller rounds to zero"
)

# Source: https://docs.polymarket.com/trading/fees ("Fee Tables (100 Shares)", earlier revision: Crypto 0.072, Sports 0.03)
# Read via Etherdrake/PolymarketDocumentation:docs/trading/fees.md (@08bdc3b7). Rows are
# (price, trade_value, taker_fee) with the docs' "$" dropped; fees are shown rounded to cents.
# Inputs: 100 shares; taker fee rate per category key.
FEE_TABLE_100_SHARES_EARLIER = {
    "crypto@0.072": [
        ("0.01", "1", "0.07"),
        ("0.05", "5", "0.34"),
        ("0.10", "10", "0.65"),
        ("0.15", "15", "0.92"),
        ("0.20", "20", "1.15"),
        ("0.25", "25", "1.35"),
        ("0.30", "30", "1.51"),
        ("0.35", "35", "1.64"),
        ("0.40", "40", "1.73"),
        ("0.45", "45", "1.78"),
        ("0.50", "50", "1.80"),
        ("0.55", "55", "1.78"),
        ("0.60", "60", "1.73"),
        ("0.65", "65", "1.64"),
        ("0.70", "70", "1.51"),
        ("0.75", "75", "1.35"),
        ("0.80", "80", "1.15"),
        ("0.85", "85", "0.92"),
        ("0.90", "90", "0.65"),
        ("0.95", "95", "0.34"),
        ("0.99", "99", "0.07"),
    ],
    "sports@0.03": [
        ("0.01", "1", "0.03"),
        ("0.05", "5", "0.14"),
        ("0.10", "10", "0.27"),
        ("0.15", "15", "0.38"),
        ("0.20", "20", "0.48"),
        ("0.25", "25", "0.56"),
        ("0.30", "30", "0.63"),
        ("0.35", "35", "0.68"),
        ("0.40", "40", "0.72"),
        ("0.45", "45", "0.74"),
        ("0.50", "50", "0.75"),
        ("0.55", "55", "0.74"),
        ("0.60", "60", "0.72"),
        ("0.65", "65", "0.68"),
        ("0.70", "70", "0.63"),
        ("0.75", "75", "0.56"),
        ("0.80", "80", "0.48"),
        ("0.85", "85", "0.38"),
        ("0.90", "90", "0.27"),
        ("0.95", "95", "0.14"),
        ("0.99", "99", "0.03"),
    ],
    "finance_politics_mentions_tech@0.04": [
        ("0.01", "1", "0.04"),
        ("0.05", "5", "0.19"),
        ("0.10", "10", "0.36"),
        ("0.15", "15", "0.51"),
        ("0.20", "20", "0.64"),
        ("0.25", "25", "0.75"),
        ("0.30", "30", "0.84"),
        ("0.35", "35", "0.91"),
        ("0.40", "40", "0.96"),
        ("0.45", "45", "0.99"),
        ("0.50", "50", "1.00"),
        ("0.55", "55", "0.99"),
        ("0.60", "60", "0.96"),
        ("0.65", "65", "0.91"),
        ("0.70", "70", "0.84"),
        ("0.75", "75", "0.75"),
        ("0.80", "80", "0.64"),
        ("0.85", "85", "0.51"),
        ("0.90", "90", "0.36"),
        ("0.95", "95", "0.19"),
        ("0.99", "99", "0.04"),
    ],
    "economics_culture_weather_other@0.05": [
        ("0.01", "1", "0.05"),
        ("0.05", "5", "0.24"),
        ("0.10", "10", "0.45"),
        ("0.15", "15", "0.64"),
        ("0.20", "20", "0.80"),
        ("0.25", "25", "0.94"),
        ("0.30", "30", "1.05"),
        ("0.35", "35", "1.14"),
        ("0.40", "40", "1.20"),
        ("0.45", "45", "1.24"),
        ("0.50", "50", "1.25"),
        ("0.55", "55", "1.24"),
        ("0.60", "60", "1.20"),
        ("0.65", "65", "1.14"),
        ("0.70", "70", "1.05"),
        ("0.75", "75", "0.94"),
        ("0.80", "80", "0.80"),
        ("0.85", "85", "0.64"),
        ("0.90", "90", "0.45"),
        ("0.95", "95", "0.24"),
        ("0.99", "99", "0.05"),
    ],
}

# Source: https://docs.polymarket.com/trading/fees ("Fee Tables (100 Shares)", June 2026 revision: Crypto 0.07, Sports 0.05)
# Read via the docs-scrape copy "Polymarket-Docs_Docs - Trading". Same row format.
# The Finance/... and Economics/... tables are unchanged from FEE_TABLE_100_SHARES_EARLIER.
FEE_TABLE_100_SHARES_2026_06 = {
    "crypto@0.07": [
        ("0.01", "1", "0.07"),
        ("0.05", "5", "0.33"),
        ("0.10", "10", "0.63"),
        ("0.15", "15", "0.89"),
        ("0.20", "20", "1.12"),
        ("0.25", "25", "1.31"),
        ("0.30", "30", "1.47"),
        ("0.35", "35", "1.59"),
        ("0.40", "40", "1.68"),
        ("0.45", "45", "1.73"),
        ("0.50", "50", "1.75"),
        ("0.55", "55", "1.73"),
        ("0.60", "60", "1.68"),
        ("0.65", "65", "1.59"),
        ("0.70", "70", "1.47"),
        ("0.75", "75", "1.31"),
        ("0.80", "80", "1.12"),
        ("0.85", "85", "0.89"),
        ("0.90", "90", "0.63"),
        ("0.95", "95", "0.33"),
        ("0.99", "99", "0.07"),
    ],
    "sports@0.05": [
        ("0.01", "1", "0.05"),
        ("0.05", "5", "0.24"),
        ("0.10", "10", "0.45"),
        ("0.15", "15", "0.64"),
        ("0.20", "20", "0.80"),
        ("0.25", "25", "0.94"),
        ("0.30", "30", "1.05"),
        ("0.35", "35", "1.14"),
        ("0.40", "40", "1.20"),
        ("0.45", "45", "1.24"),
        ("0.50", "50", "1.25"),
        ("0.55", "55", "1.24"),
        ("0.60", "60", "1.20"),
        ("0.65", "65", "1.14"),
        ("0.70", "70", "1.05"),
        ("0.75", "75", "0.94"),
        ("0.80", "80", "0.80"),
        ("0.85", "85", "0.64"),
        ("0.90", "90", "0.45"),
        ("0.95", "95", "0.24"),
        ("0.99", "99", "0.05"),
    ],
}

# Source: Polymarket/py-clob-client-v2:tests/test_fee_calculations.py (@7e943793) — TestPlatformFee, TestProductionFeeRatesV2.
# platform_fee = (amount_usd / price) * fee_rate * (price * (1 - price)) ** fee_exponent  (the test's own helper).
# Rows: (contracts, amount_usd, price, fee_rate, fee_exponent, expected_fee); asserted to 1e-6.
PLATFORM_FEE_CASES_PY_TESTS = [
    (100, 50.0, 0.5, 0.25, 2, 1.5625),
    (100, 30.0, 0.3, 0.25, 2, 1.1025),
    (100, 10.0, 0.1, 0.25, 2, 0.2025),
    (100, 5.0, 0.05, 0.25, 2, 0.05640625),
    (100, 1.0, 0.01, 0.25, 2, 0.00245025),
    (100, 70.0, 0.7, 0.25, 2, 1.1025),
    (100, 90.0, 0.9, 0.25, 2, 0.2025),
    (100, 95.0, 0.95, 0.25, 2, 0.05640625),
    (100, 99.0, 0.99, 0.25, 2, 0.00245025),
    (125.5, 62.75, 0.5, 0.25, 2, 1.9609375),
    # TestProductionFeeRatesV2: amount_usd fixed at 100 (contracts = 100 / price), exponent 1.
    (None, 100, 0.5, 0.03, 1, 1.5),  # sports_v2
    (None, 100, 0.3, 0.03, 1, 2.1),
    (None, 100, 0.7, 0.03, 1, 0.9),
    (None, 100, 0.5, 0.04, 1, 2.0),  # politics
    (None, 100, 0.3, 0.04, 1, 2.8),
    (None, 100, 0.7, 0.04, 1, 1.2),
    (None, 100, 0.5, 0.05, 1, 2.5),  # culture
    (None, 100, 0.3, 0.05, 1, 3.5),
    (None, 100, 0.7, 0.05, 1, 1.5),
    (None, 100, 0.5, 0.072, 1, 3.6),  # crypto
    (None, 100, 0.3, 0.072, 1, 5.04),
    (None, 100, 0.7, 0.072, 1, 2.16),
]

# Source: Polymarket/py-clob-client-v2:tests/test_fee_calculations.py (@7e943793) — TestBuilderFee, TestCombinedFee.
# builder_fee = amount_usd * builder_taker_fee_rate. Rows: (contracts, price, builder_taker_fee_rate, expected_fee).
BUILDER_FEE_CASES_PY_TESTS = [
    (100, 0.5, 0.01, 0.5),
    (200, 0.75, 0.05, 7.5),
]
# Combined (contracts 100, price 0.5, rate 0.25, exponent 2, builder 0.01): platform 1.5625 + builder 0.5 = 2.0625.
# Source: Polymarket/py-clob-client-v2:tests/test_fee_calculations.py (@7e943793) — TestCombinedFee.test_matches_sum_of_separate_fees
COMBINED_FEE_CASE_PY_TESTS = {
    "contracts": 100,
    "price": 0.5,
    "fee_rate": 0.25,
    "fee_exponent": 2,
    "builder_taker_fee_rate": 0.01,
    "platform_fee": 1.5625,
    "builder_fee": 0.5,
    "total_fee": 2.0625,
}

# Source: Polymarket/py-clob-client-v2:tests/test_client_order_adjustment.py (@c1103631) — fee-adjusted signed order amounts.
# Client state: tick_size "0.01", neg_risk False, FeeInfo(rate=0.25, exponent=2), exchange version 2, fee_slippage=20.
# Expected makerAmount/takerAmount strings are the test's assertions (6-decimal fixed math).
FEE_ADJUSTED_ORDER_CASES_PY_TESTS = [
    {
        "kind": "limit",
        "side": "BUY",
        "price": 0.5,
        "size": 100,
        "user_usdc_balance": 50,
        "makerAmount": "48125000",
        "takerAmount": "96250000",
    },
    {
        "kind": "limit",
        "side": "BUY",
        "price": 0.506,
        "size": 100,
        "user_usdc_balance": 50,
        "makerAmount": "48159300",
        "takerAmount": "94430000",
    },  # price rounds to 0.51
    {
        "kind": "market",
        "side": "BUY",
        "price": 0.5,
        "amount": 50,
        "user_usdc_balance": 50,
        "makerAmount": "48120000",
        "takerAmount": "96240000",
    },  # order.amount mutated to 48.125
    {
        "kind": "limit",
        "side": "BUY",
        "price": 0.5,
        "size": 100,
        "user_usdc_balance": None,
        "makerAmount": "50000000",
        "takerAmount": "100000000",
    },
    {
        "kind": "limit",
        "side": "SELL",
        "price": 0.5,
        "size": 100,
        "user_usdc_balance": 50,
        "makerAmount": "100000000",
        "takerAmount": "50000000",
    },
]

# Source: Polymarket/py-clob-client-v2:tests/test_position_orders.py (@292c1100) — position-id orders, fee_slippage 0,
# FeeInfo(rate=0.25, exponent=2), options tick_size "0.01", neg_risk True, version 1 (routed to the V3 exchange).
FEE_ADJUSTED_POSITION_ORDER_CASES_PY_TESTS = [
    {
        "kind": "limit",
        "side": "BUY",
        "price": 0.5,
        "size": 100,
        "user_usdc_balance": 50,
        "makerAmount": "48435000",
    },
    {
        "kind": "market",
        "side": "BUY",
        "market_price": 0.5,
        "amount": 50,
        "user_usdc_balance": 50,
        "makerAmount": "48430000",
    },
]
