"""Market, price, sizing, notional, exit-feasibility and exposure checks, each at its boundary."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from execution.models import MidPrice
from ltproject.domain import Side
from risk.models import RiskState, SizingMode
from risk.reasons import ReasonCode
from risk.sizing import limit_price
from tests.factories import MidPriceFactory, OrderFactory, PositionFactory
from tests.risk.helpers import DEEP_ASKS, decide, market_pair, order_of, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal


def _code(result) -> str:
    return result.decision.reason_code


def test_rejects_a_token_lt_does_not_know(books) -> None:
    strategy = strategy_with()
    assert _code(decide(strategy, "999", books)) == ReasonCode.MARKET_UNKNOWN


def test_rejects_a_token_sent_with_another_condition(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books, condition_id="0x" + "f" * 64)
    assert _code(result) == ReasonCode.MARKET_UNKNOWN


def test_rejects_a_market_that_is_not_accepting_orders(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books, accepting_orders=False)
    assert _code(decide(strategy, yes, books)) == ReasonCode.MARKET_NOT_ACCEPTING_ORDERS


def test_rejects_a_token_without_a_book(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    del books.books[yes.token_id]
    assert _code(decide(strategy, yes, books)) == ReasonCode.BOOK_UNAVAILABLE


def test_rejects_a_price_that_cannot_land_on_the_tick(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    assert _code(decide(strategy, yes, books, price=D("0.005"))) == ReasonCode.PRICE_OFF_TICK


def test_limit_price_adds_slippage_and_snaps_toward_the_reference() -> None:
    tick = D("0.01")
    assert limit_price(side=Side.BUY, reference=D("0.50"), slippage_bps=200, tick=tick) == D("0.51")
    assert limit_price(side=Side.BUY, reference=D("0.555"), slippage_bps=0, tick=tick) == D("0.55")
    assert limit_price(side=Side.SELL, reference=D("0.50"), slippage_bps=200, tick=tick) == D(
        "0.49"
    )
    assert limit_price(side=Side.BUY, reference=D("0.995"), slippage_bps=200, tick=tick) == D(
        "0.99"
    )


@given(
    reference=st.decimals(min_value=D("0.01"), max_value=D("0.99"), places=4),
    bps=st.integers(0, 1000),
    tick=st.sampled_from([D("0.1"), D("0.01"), D("0.001"), D("0.0001"), D("0.005"), D("0.0025")]),
    side=st.sampled_from([Side.BUY, Side.SELL]),
)
def test_limit_price_is_on_tick_and_within_slippage(reference, bps, tick, side) -> None:
    price = limit_price(side=side, reference=reference, slippage_bps=bps, tick=tick)
    assert price % tick == 0
    if side == Side.BUY:
        assert price <= reference * (1 + D(bps) / 10_000)
    else:
        assert price >= reference * (1 - D(bps) / 10_000)


def test_the_signal_may_ask_for_less_slippage_than_the_rules(books) -> None:
    strategy = strategy_with(order_max_slippage_bps=500)
    _, yes, _ = market_pair(books)
    assert order_of(strategy, yes, books, max_slippage_bps=200).price == D("0.51")


def test_size_exactly_at_the_market_minimum_is_accepted(books) -> None:
    strategy = strategy_with(sizing_notional=D("2.50"))
    _, yes, _ = market_pair(books)
    assert order_of(strategy, yes, books).size == D(5)


def test_size_under_the_market_minimum_is_rejected_not_enlarged(books) -> None:
    strategy = strategy_with(sizing_notional=D("2.49"))
    _, yes, _ = market_pair(books)
    assert _code(decide(strategy, yes, books)) == ReasonCode.SIZE_BELOW_MARKET_MIN


def test_sizes_round_down_to_hundredths_of_a_share(books) -> None:
    strategy = strategy_with(sizing_notional=D(10))
    _, yes, _ = market_pair(books)
    order = order_of(strategy, yes, books, price=D("0.33"))
    assert (order.size, order.notional) == (D("30.30"), D("9.999"))


@pytest.mark.parametrize(
    ("bound", "notional", "code"),
    [
        ({"min_order_notional": D(10)}, D("10.00"), None),
        ({"min_order_notional": D("10.01")}, D("10.00"), ReasonCode.ORDER_NOTIONAL_BELOW_MIN),
        ({"max_order_notional": D(25)}, D("25.00"), None),
        ({"max_order_notional": D(25)}, D("25.01"), ReasonCode.ORDER_NOTIONAL_ABOVE_MAX),
    ],
)
def test_order_notional_bounds(books, bound, notional, code) -> None:
    # 0.01 is the price here so that one cent of notional is a whole share.
    strategy = strategy_with(sizing_notional=notional, **bound)
    _, yes, _ = market_pair(books)
    books.set(yes.token_id, bids=[(D("0.01"), D(10_000))], asks=[(D("0.01"), D(10_000))])
    result = decide(strategy, yes, books, price=D("0.01"))
    assert result.decision.reason_code == (code or ReasonCode.ACCEPTED)


def test_percent_equity_sizes_on_capital_plus_pnl(books) -> None:
    strategy = strategy_with(sizing_mode=SizingMode.PERCENT_EQUITY, sizing_percent=D(1),
                             capital=D(2000))  # fmt: skip
    _, yes, _ = market_pair(books)
    assert order_of(strategy, yes, books).notional == D(20)


def test_percent_equity_is_bounded_by_the_max_order_notional(books) -> None:
    strategy = strategy_with(sizing_mode=SizingMode.PERCENT_EQUITY, sizing_percent=D(2),
                             capital=D(5000), max_order_notional=D(25))  # fmt: skip
    _, yes, _ = market_pair(books)
    assert order_of(strategy, yes, books).notional == D(25)


def test_ft_proportional_scales_the_ft_size_and_clamps_it(books) -> None:
    strategy = strategy_with(sizing_mode=SizingMode.FT_PROPORTIONAL, sizing_multiplier=D("0.5"),
                             max_order_notional=D(25))  # fmt: skip
    _, yes, _ = market_pair(books)
    assert order_of(strategy, yes, books, size=D(40)).size == D(20)
    assert order_of(strategy, yes, books, size=D(1000)).notional == D(25)
    assert _code(decide(strategy, yes, books, size=None)) == ReasonCode.SIZING_UNAVAILABLE


def _mids(token_id: str, values: list[str]) -> None:
    start = timezone.now() - timedelta(minutes=len(values))
    for i, value in enumerate(values):
        MidPriceFactory(token_id=token_id, mid=D(value), observed_at=start + timedelta(minutes=i))


def test_volatility_target_scales_notional_by_target_over_realised_vol(books) -> None:
    strategy = strategy_with(sizing_mode=SizingMode.VOLATILITY_TARGET, sizing_notional=D(10),
                             sizing_target_vol=D("0.01"), sizing_lookback_minutes=60)  # fmt: skip
    _, yes, _ = market_pair(books)
    # With the mid this decision sees (0.495), changes alternate ±0.02: realised volatility
    # 0.02, so half the base notional.
    _mids(yes.token_id, ["0.495", "0.515", "0.495", "0.515"])
    order = order_of(strategy, yes, books, price=D("0.50"))
    assert order.notional == D(5)


def test_volatility_target_needs_recorded_mids_in_the_lookback(books) -> None:
    strategy = strategy_with(sizing_mode=SizingMode.VOLATILITY_TARGET, sizing_notional=D(10),
                             sizing_target_vol=D("0.01"), sizing_lookback_minutes=60)  # fmt: skip
    _, yes, _ = market_pair(books)
    assert _code(decide(strategy, yes, books)) == ReasonCode.SIZING_UNAVAILABLE


def test_decisions_record_the_mid_prices_they_see(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    decide(strategy, yes, books)
    assert list(MidPrice.objects.values_list("token_id", "mid")) == [(yes.token_id, D("0.495"))]


def test_exit_side_exactly_deep_enough_is_accepted_and_thinner_is_rejected(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    books.set(yes.token_id, bids=[(D("0.49"), D(20))], asks=DEEP_ASKS)
    assert decide(strategy, yes, books).accepted
    # Now 20 shares are held or being bought: another 20 could not be sold into 20 of bids.
    assert _code(decide(strategy, yes, books)) == ReasonCode.EXIT_LIQUIDITY_INSUFFICIENT


def test_market_exposure_at_the_limit_passes_and_over_it_is_rejected(books) -> None:
    strategy = strategy_with(max_exposure_per_market=D(20))
    _, yes, _ = market_pair(books)
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    assert decide(strategy, yes, books).accepted  # 10 held + 10 = 20
    assert _code(decide(strategy, yes, books)) == ReasonCode.EXPOSURE_MARKET_EXCEEDED


def test_market_exposure_nets_yes_against_no(books) -> None:
    strategy = strategy_with(max_exposure_per_market=D(10))
    _, yes, no = market_pair(books)
    # 20 YES for 10: exposure 10. Buying 20 NO for 10 makes 20 pairs worth 20 whatever happens.
    PositionFactory(strategy=strategy, token_id=yes.token_id, size=D(20), cost_basis=D(10))
    result = decide(strategy, no, books)
    assert result.accepted
    assert D(result.decision.checks["exposure"]["market"]) == 0


def test_event_exposure_adds_up_the_markets_of_one_event(books) -> None:
    strategy = strategy_with(max_exposure_per_event=D(20))
    _, first, _ = market_pair(books, event_id="election")
    _, second, _ = market_pair(books, event_id="election")
    _, elsewhere, _ = market_pair(books, event_id="sports")
    assert decide(strategy, first, books).accepted
    assert decide(strategy, second, books).accepted
    assert decide(strategy, elsewhere, books).accepted
    assert _code(decide(strategy, second, books)) == ReasonCode.EXPOSURE_EVENT_EXCEEDED


def test_max_concurrent_positions_counts_positions_and_pending_entries(books) -> None:
    strategy = strategy_with(max_concurrent_positions=2)
    _, a, _ = market_pair(books)
    _, b, _ = market_pair(books)
    _, c, _ = market_pair(books)
    PositionFactory(strategy=strategy, token_id=a.token_id)
    assert decide(strategy, b, books).accepted
    assert decide(strategy, a, books).accepted  # adds to an open position: not a new one
    assert _code(decide(strategy, c, books)) == ReasonCode.MAX_CONCURRENT_POSITIONS


def test_max_positions_per_market(books) -> None:
    strategy = strategy_with(max_positions_per_market=1)
    _, yes, no = market_pair(books)
    OrderFactory(strategy=strategy, token_id=yes.token_id, size=D(10), price=D("0.5"))
    assert _code(decide(strategy, no, books)) == ReasonCode.MAX_POSITIONS_PER_MARKET
    assert decide(strategy, yes, books).accepted


def test_a_rejected_signal_writes_a_decision_and_no_order(books) -> None:
    strategy = strategy_with(budget_daily=D(1))
    _, yes, _ = market_pair(books)
    result = decide(strategy, yes, books)
    assert result.order is None
    assert result.decision.outcome == "rejected"
    assert result.decision.message
    assert result.decision.checks["budget"]["limit"] == "1.000000"
    assert RiskState.objects.get(strategy=strategy).trading_state == "ACTIVE"
