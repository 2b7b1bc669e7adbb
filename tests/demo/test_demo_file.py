"""The bundled FT stream: it parses, names only markets the sandbox lists, and is shaped so
that its entries cross the opening books and its exits reach positions LT has recorded."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from execution.venue import Book, BookLevel, VenueAdapter
from ltproject.domain import Side
from risk.sizing import limit_price
from sandbox.demo import (
    DEMO_FILE,
    DEMO_RULES,
    DemoError,
    DemoToken,
    FtSignal,
    demo_tokens_resolve,
    ft_price_now,
    ft_signals_load,
)
from sandbox.scenario import load_scenario
from sandbox.testing import SandboxHandle

D = Decimal
# What the demo rules decide for each line of the stream, by design (paper: no fill lag).
DESIGNED = {
    "ft-copy-0001": "ACCEPTED",
    "ft-copy-0002": "ACCEPTED",
    "ft-copy-0003": "ACCEPTED",
    "ft-copy-0004": "ACCEPTED",
    "ft-copy-0005": "ACCEPTED",
    "ft-copy-0006": "ORDER_NOTIONAL_BELOW_MIN",
    "ft-copy-0007": "ACCEPTED",
    "ft-copy-0008": "SIZE_BELOW_MARKET_MIN",
    "ft-copy-0009": "ACCEPTED",
    "ft-copy-0010": "ACCEPTED",
    "ft-copy-0011": "NOTHING_TO_REDUCE",
    "ft-copy-0012": "EXPOSURE_MARKET_EXCEEDED",
    "ft-copy-0013": "ACCEPTED",
    "ft-copy-0014": "EXPOSURE_EVENT_EXCEEDED",
    "ft-copy-0015": "MAX_CONCURRENT_POSITIONS",
    "ft-copy-0016": "ACCEPTED",
    "ft-copy-0017": "ACCEPTED",
    "ft-copy-0018": "NOTHING_TO_REDUCE",
}
# Live fills reach LT's ledger through the fill sync, scheduled every minute and picked up
# within 15 s of its slot: until then the live strategy's risk checks do not see them. So a
# decision that depends on earlier entries (an exit, an exposure or position limit) comes at
# least this long after them, or live and paper would decide it differently.
FILL_SYNC_SECONDS = 84


def _venue(handle: SandboxHandle) -> VenueAdapter:
    return VenueAdapter(host=handle.url, chain_id=137)


def test_every_line_parses_into_entries_and_later_exits() -> None:
    signals = ft_signals_load(DEMO_FILE)
    sides = [s.side for s in signals]
    assert len(signals) >= 12 and {"BUY", "SELL"} == set(sides)
    assert sides.index("SELL") > sides.index("BUY")
    assert all(s.leader.startswith("0x") for s in signals)
    assert [s.at for s in signals] == sorted(s.at for s in signals)


def test_every_market_reference_resolves_against_the_default_scenario(
    sandbox_venue: SandboxHandle,
) -> None:
    signals = ft_signals_load(DEMO_FILE)
    tokens = demo_tokens_resolve(signals, venue=_venue(sandbox_venue))
    assert len({s.market for s in signals}) >= 6
    for signal in signals:
        market = sandbox_venue.market(signal.market)
        token = next(t for t in market.tokens if t.outcome == signal.outcome)
        assert tokens[signal.ref].token_id == token.token_id
        assert tokens[signal.ref].condition_id == market.condition_id


def test_entries_cross_and_exits_meet_the_opening_books(sandbox_venue: SandboxHandle) -> None:
    venue = _venue(sandbox_venue)
    signals = ft_signals_load(DEMO_FILE)
    tokens = demo_tokens_resolve(signals, venue=venue)
    bps = DEMO_RULES["order"]["max_slippage_bps"]
    for signal in signals:
        token = tokens[signal.ref]
        book = venue.book(token.token_id)
        assert ft_price_now(signal, token, book) == signal.price  # nothing has walked yet
        limit = limit_price(
            side=signal.side, reference=signal.price, slippage_bps=bps, tick=token.tick
        )
        if signal.side == Side.BUY:
            assert book.best_ask is not None and limit >= book.best_ask, signal.ft_signal_id
        else:
            assert book.best_bid is not None and limit <= book.best_bid, signal.ft_signal_id


def test_the_designed_outcomes_cover_every_line() -> None:
    assert [s.ft_signal_id for s in ft_signals_load(DEMO_FILE)] == list(DESIGNED)


def _first_entries(signals: list[FtSignal], before: FtSignal) -> dict[tuple[str, str], Decimal]:
    """When each token was first bought (and accepted) before `before`."""
    first: dict[tuple[str, str], Decimal] = {}
    for s in signals:
        if s.at < before.at and s.side == Side.BUY and DESIGNED[s.ft_signal_id] == "ACCEPTED":
            first.setdefault(s.ref, s.at)
    return first


def test_decisions_that_depend_on_earlier_entries_wait_for_their_fills() -> None:
    signals = ft_signals_load(DEMO_FILE)
    event = {m.slug: m.event or m.slug for m in load_scenario().markets}
    for signal in signals:
        outcome, first = DESIGNED[signal.ft_signal_id], _first_entries(signals, signal)
        if signal.side == Side.SELL and outcome == "ACCEPTED":
            counted = [first[signal.ref]]  # something to sell
        elif outcome == "MAX_CONCURRENT_POSITIONS":
            counted = list(first.values())  # every position held
        elif outcome == "EXPOSURE_MARKET_EXCEEDED":
            counted = [at for (market, _), at in first.items() if market == signal.market]
        elif outcome == "EXPOSURE_EVENT_EXCEEDED":
            mine = event[signal.market]
            counted = [at for (market, _), at in first.items() if event[market] == mine]
        else:
            continue
        assert counted and signal.at - max(counted) >= FILL_SYNC_SECONDS, signal.ft_signal_id


def _token(tick: str = "0.01", opening: str = "0.35") -> DemoToken:
    return DemoToken(token_id="1", condition_id="", tick=D(tick), opening_price=D(opening))


def _book(bid: str, ask: str) -> Book:
    return Book(
        token_id="1",
        condition_id="",
        bids=(BookLevel(D(bid), D(100)),),
        asks=(BookLevel(D(ask), D(100)),),
        tick_size=D("0.01"),
        min_order_size=D(5),
        neg_risk=False,
        last_trade_price=None,
        timestamp="0",
    )


def _signal(price: str) -> FtSignal:
    return FtSignal(
        line=1, at=D(0), ft_signal_id="x", market="m", outcome="Yes", side="BUY",
        price=D(price), size=D(10),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("price", "bid", "ask", "tick", "expected"),
    [
        ("0.36", "0.34", "0.36", "0.01", "0.36"),  # the book has not moved
        ("0.36", "0.39", "0.41", "0.01", "0.41"),  # the mid walked up 0.05
        ("0.36", "0.3", "0.3", "0.01", "0.31"),  # and down
        ("0.36", "0.3415", "0.3425", "0.01", "0.35"),  # 0.352, snapped to the tick
        ("0.36", "0.98", "0.99", "0.01", "0.99"),  # never past 1 - tick
        ("0.05", "0.01", "0.02", "0.01", "0.01"),  # nor under the tick
    ],
)
def test_ft_price_follows_the_mid_from_the_recorded_opening(
    price: str, bid: str, ask: str, tick: str, expected: str
) -> None:
    moved = ft_price_now(_signal(price), _token(tick), _book(bid, ask))
    assert moved == D(expected)


def test_ft_price_without_a_book_is_the_files() -> None:
    assert ft_price_now(_signal("0.36"), _token(), None) == D("0.36")


def _line(drop: str = "", **changes: object) -> str:
    fields: dict[str, object] = {
        "at": 0, "ft_signal_id": "a", "market": "m", "outcome": "Yes", "side": "BUY",
        "price": "0.5", "size": "10",
    }  # fmt: skip
    fields.pop(drop, None)
    return json.dumps(fields | changes)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{nope"], "demo.jsonl:1: not a JSON object (Expecting property name"),
        (["[1, 2]"], "demo.jsonl:1: not a JSON object"),
        ([_line(), _line(ft_signal_id="b", sizes="1")], "demo.jsonl:2: unknown key 'sizes'"),
        ([_line(drop="market")], "demo.jsonl:1: missing key 'market'"),
        ([_line(side="HOLD")], "demo.jsonl:1: side: must be BUY or SELL, not 'HOLD'"),
        ([_line(price="1.5")], "demo.jsonl:1: price: must be in (0, 1), not 1.5"),
        ([_line(price=0.5)], "demo.jsonl:1: price: must be a decimal string in (0, 1)"),
        ([_line(size="ten")], "demo.jsonl:1: size: 'ten' is not a decimal number"),
        ([_line(size="-1")], "demo.jsonl:1: size: must be > 0, not -1"),
        ([_line(size="1.0000001")], "demo.jsonl:1: size: at most 6 decimal places"),
        ([_line(price="0.5000001")], "demo.jsonl:1: price: at most 6 decimal places"),
        ([_line(at=-3)], "demo.jsonl:1: at: must be a number of seconds >= 0"),
        ([_line(at=9), _line(ft_signal_id="b")], "demo.jsonl:2: at 0 is before the previous"),
        ([_line(), "", _line()], "demo.jsonl:3: ft_signal_id 'a' appears twice"),
        ([_line(leader="bob")], "demo.jsonl:1: leader: must be a 0x-prefixed"),
        ([_line(ft_signal_id="a b")], "demo.jsonl:1: ft_signal_id: 1 to 100 printable ASCII"),
        ([_line(ft_signal_id="x" * 101)], "demo.jsonl:1: ft_signal_id: 1 to 100 printable"),
        ([""], "demo.jsonl: no signals in the file"),
    ],
)  # fmt: skip
def test_a_bad_line_is_one_readable_error_naming_it(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = tmp_path / "demo.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DemoError) as excinfo:
        ft_signals_load(path)
    text = str(excinfo.value)
    assert message in text and "\n" not in text


def test_a_missing_file_is_one_readable_error(tmp_path: Path) -> None:
    with pytest.raises(DemoError, match=r"^cannot read .*missing\.jsonl: No such file"):
        ft_signals_load(tmp_path / "missing.jsonl")
