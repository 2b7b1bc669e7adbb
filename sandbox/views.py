"""JSON shapes of the venue's answers (field names and string formats as Polymarket's)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.auth import NEG_RISK_EXCHANGE, STANDARD_EXCHANGE
from sandbox.engine import Leg, Order, Side, Trade
from sandbox.scenario import Market
from sandbox.units import PRICE_SCALE, UNIT, fmt_price, fmt_units
from sandbox.venue import Placement, Venue

_UNLIMITED = str(2**256 - 1)


def tick_size(market: Market) -> float:
    return market.tick / PRICE_SCALE


def _outcome(venue: Venue, token_id: str) -> str:
    entry = venue.tokens.get(token_id)
    return entry[1].outcome if entry else ""


def _outcome_index(venue: Venue, token_id: str) -> int:
    entry = venue.tokens.get(token_id)
    return entry[0].tokens.index(entry[1]) if entry else 0


# -- books and prices ---------------------------------------------------------------------
def book(venue: Venue, token_id: str) -> dict[str, Any]:
    """GET /book: bids ascending and asks descending, so the best price of each is last."""
    with venue.lock:
        market = venue.tokens[token_id][0]
        state = venue.exchange.book(token_id)
        bids = [{"price": fmt_price(p), "size": fmt_units(s)} for p, s in state.bids.depth()]
        asks = [{"price": fmt_price(p), "size": fmt_units(s)} for p, s in state.asks.depth()]
        last = state.last_trade_price
        summary: dict[str, Any] = {
            "market": market.condition_id,
            "asset_id": token_id,
            "timestamp": str(int(venue.now() * 1000)),
            "hash": "",
            "bids": bids,
            "asks": list(reversed(asks)),
            "min_order_size": fmt_units(market.min_order_size),
            "tick_size": fmt_price(market.tick),
            "neg_risk": market.neg_risk,
            "last_trade_price": fmt_price(last) if last is not None else "0.5",
        }
    summary["hash"] = _book_hash(summary)
    return summary


def _book_hash(summary: dict[str, Any]) -> str:
    """SHA-1 of the compact summary with an empty hash, as py-clob-client-v2 recomputes it."""
    payload = {
        key: summary[key]
        for key in (
            "market",
            "asset_id",
            "timestamp",
            "hash",
            "bids",
            "asks",
            "min_order_size",
            "tick_size",
            "neg_risk",
            "last_trade_price",
        )
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()


def mid(venue: Venue, token_id: str) -> str:
    with venue.lock:
        value = venue.mid(token_id)
    return fmt_price(value) if value is not None else ""


def spread(venue: Venue, token_id: str) -> str:
    with venue.lock:
        state = venue.exchange.book(token_id)
        bid, ask = state.best_bid(), state.best_ask()
    return fmt_price(ask - bid) if bid is not None and ask is not None else ""


def side_price(venue: Venue, token_id: str, side: str) -> str:
    """GET /price: BUY answers the best bid, SELL the best ask (the book side named)."""
    with venue.lock:
        state = venue.exchange.book(token_id)
        price = state.best_bid() if side == "BUY" else state.best_ask()
    return fmt_price(price) if price is not None else ""


def last_trade(venue: Venue, token_id: str) -> dict[str, str]:
    with venue.lock:
        state = venue.exchange.book(token_id)
    if state.last_trade_price is None:
        return {"price": "0.5", "side": ""}
    return {"price": fmt_price(state.last_trade_price), "side": str(state.last_trade_side or "")}


# -- markets ------------------------------------------------------------------------------
def clob_market(market: Market) -> dict[str, Any]:
    return {
        "condition_id": market.condition_id,
        "question_id": "0x" + hashlib.sha256(market.slug.encode()).hexdigest(),
        "question": market.question,
        "market_slug": market.slug,
        "description": market.question,
        "tokens": [
            {
                "token_id": t.token_id,
                "outcome": t.outcome,
                "price": _token_price(market, t.token_id),
                "winner": market.winner_token == t.token_id,
            }
            for t in market.tokens
        ],
        "active": not market.closed,
        "closed": market.closed,
        "archived": False,
        "accepting_orders": accepting_orders(market),
        "enable_order_book": True,
        "minimum_order_size": market.min_order_size // UNIT,
        "minimum_tick_size": tick_size(market),
        "maker_base_fee": 0,
        "taker_base_fee": 0,
        "neg_risk": market.neg_risk,
        "neg_risk_market_id": market.event,
        "seconds_delay": 0,
        "end_date_iso": market.end_date_iso,
    }


def accepting_orders(market: Market) -> bool:
    """What `accepting_orders` says; orders to a closed market are refused either way."""
    return not market.closed or market.accepting_orders_when_closed


def _token_price(market: Market, token_id: str) -> float:
    if market.closed:
        return 1.0 if market.winner_token == token_id else 0.0
    yes = market.mid / PRICE_SCALE
    return yes if token_id == market.yes.token_id else round(1 - yes, 4)


def clob_market_info(market: Market) -> dict[str, Any]:
    """GET /clob-markets/{condition_id}: the compact form py-clob-client-v2 caches."""
    return {
        "mts": tick_size(market),
        "nr": market.neg_risk,
        "t": [{"t": t.token_id, "o": t.outcome} for t in market.tokens],
        "fd": {
            "r": _number(market.fee_rate),
            "e": _number(market.fee_exponent),
            "to": market.fee_taker_only,
        },
        "mos": market.min_order_size // UNIT,
    }


def _number(value: Decimal) -> int | float:
    """A JSON number as the venue writes it: 1 for a whole value, 0.02 otherwise."""
    return int(value) if value == value.to_integral_value() else float(value)


def gamma_market(venue: Venue, market: Market, index: int) -> dict[str, Any]:
    if market.closed:
        prices = ["1" if market.winner_token == t.token_id else "0" for t in market.tokens]
    else:
        yes = mid(venue, market.yes.token_id) or fmt_price(market.mid)
        no = mid(venue, market.no.token_id) or fmt_price(PRICE_SCALE - market.mid)
        prices = [yes, no]
    closed_time = market.closed_time
    return {
        "id": str(index),
        "conditionId": market.condition_id,
        "question": market.question,
        "slug": market.slug,
        "active": not market.closed,
        "closed": market.closed,
        "acceptingOrders": not market.closed,
        "closedTime": _iso(closed_time) if closed_time is not None else None,
        "umaResolutionStatus": "resolved" if market.closed else "",
        "outcomes": json.dumps([t.outcome for t in market.tokens]),
        "outcomePrices": json.dumps(prices),
        "clobTokenIds": json.dumps([t.token_id for t in market.tokens]),
        "negRisk": market.neg_risk,
        "endDate": market.end_date_iso,
        "orderMinSize": market.min_order_size // UNIT,
        "orderPriceMinTickSize": tick_size(market),
    }


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


# -- orders and trades --------------------------------------------------------------------
def placement(result: Placement) -> dict[str, Any]:
    """The POST /order answer. Hashes come with the trades so the client does not poll.
    The amounts add up every leg, fees aside: pUSD and shares the order gave and got."""
    order, trades = result.order, result.trades
    if result.delayed:
        status, making, taking = "delayed", "", ""
    elif trades:
        shares = sum(t.size for t in trades)
        pusd = sum(leg.taker_pusd for t in trades for leg in t.legs)
        given, got = (pusd, shares) if order.side is Side.BUY else (shares, pusd)
        status, making, taking = "matched", fmt_units(given), fmt_units(got)
    else:
        status, making, taking = "live", "", ""
    return {
        "success": True,
        "errorMsg": "",
        "orderID": order.id,
        "status": status,
        "makingAmount": making,
        "takingAmount": taking,
        "tradeIDs": [t.id for t in trades],
        "transactionsHashes": [t.transaction_hash for t in trades],
    }


def rejected(message: str) -> dict[str, Any]:
    return {
        "success": False,
        "errorMsg": message,
        "orderID": "",
        "status": "unmatched",
        "makingAmount": "",
        "takingAmount": "",
        "tradeIDs": [],
        "transactionsHashes": [],
    }


def order_json(venue: Venue, order: Order) -> dict[str, Any]:
    market = venue.market_of(order.token_id)
    return {
        "id": order.id,
        "status": order.status.value,
        "owner": order.owner,
        "maker_address": order.maker,
        "market": market.condition_id if market else "",
        "asset_id": order.token_id,
        "side": order.side.value,
        "original_size": fmt_units(order.size),
        "size_matched": fmt_units(order.size_matched),
        "price": fmt_price(order.price),
        "outcome": _outcome(venue, order.token_id),
        "expiration": str(order.expiration),
        "order_type": order.order_type.value,
        "associate_trades": list(order.trade_ids),
        "created_at": int(order.created_at),
    }


def trade_json(venue: Venue, trade: Trade, owner: str) -> dict[str, Any]:
    """A trade as /data/trades lists it: the taker's side on top (`price` is the taker order's
    limit price, `size` all it matched), each maker leg in `maker_orders` at its own price."""
    market = venue.market_of(trade.token_id)
    taker = trade.taker
    return {
        "id": trade.id,
        "taker_order_id": taker.id,
        "market": market.condition_id if market else "",
        "asset_id": trade.token_id,
        "side": trade.side.value,
        "size": fmt_units(trade.size),
        "fee_rate_bps": trade.fee_rate_bps,
        "price": fmt_price(trade.price),
        "status": trade.status.value,
        "match_time": str(int(trade.match_time)),
        "last_update": str(int(trade.last_update)),
        "outcome": _outcome(venue, trade.token_id),
        "bucket_index": 0,
        "owner": taker.owner,
        "maker_address": taker.maker,
        "transaction_hash": trade.transaction_hash,
        "trader_side": "TAKER" if taker.owner == owner else "MAKER",
        "maker_orders": [_maker_leg(venue, leg) for leg in trade.legs],
    }


def _maker_leg(venue: Venue, leg: Leg) -> dict[str, Any]:
    maker = leg.maker
    return {
        "order_id": maker.id,
        "owner": maker.owner,
        "maker_address": maker.maker,
        "matched_amount": fmt_units(leg.size),
        "price": fmt_price(leg.price),
        "fee_rate_bps": "0",  # makers pay no fee
        "asset_id": leg.token_id,
        "outcome": _outcome(venue, leg.token_id),
        "outcome_index": _outcome_index(venue, leg.token_id),
        "side": leg.side.value,
    }


def balance_allowance(balance: int) -> dict[str, Any]:
    return {
        "balance": str(balance),
        "allowances": {STANDARD_EXCHANGE: _UNLIMITED, NEG_RISK_EXCHANGE: _UNLIMITED},
    }


def account_json(venue: Venue, address: str) -> dict[str, Any]:
    with venue.lock:
        acct = venue.exchange.account(address)
        return {
            "address": address,
            "pusd": fmt_units(acct.pusd),
            "shares": {t: fmt_units(s) for t, s in acct.shares.items() if s},
        }
