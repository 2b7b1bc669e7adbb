"""Position accounting: average cost, realised P&L, closing, and undoing a voided fill."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.models import PositionStatus
from execution.positions import position_apply_fill, position_reverse_fill
from ltproject.domain import Side
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _empty():
    return PositionFactory(size=D(0), avg_cost=D(0), cost_basis=D(0))


def test_buys_average_their_cost() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(10), price=D("0.40"))
    position_apply_fill(position, side=Side.BUY, size=D(30), price=D("0.60"))
    position.refresh_from_db()
    assert (position.size, position.cost_basis, position.avg_cost) == (D(40), D(22), D("0.55"))


def test_partial_sell_realises_against_average_cost_and_keeps_it() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(40), price=D("0.55"))
    change = position_apply_fill(position, side=Side.SELL, size=D(10), price=D("0.70"))
    position.refresh_from_db()
    assert change.realised == D("1.5") and not change.closed
    assert (position.size, position.avg_cost, position.cost_basis) == (D(30), D("0.55"), D("16.5"))


def test_selling_everything_closes_with_the_total_realised() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(20), price=D("0.50"))
    position_apply_fill(position, side=Side.SELL, size=D(5), price=D("0.30"))
    change = position_apply_fill(position, side=Side.SELL, size=D(15), price=D("0.40"))
    position.refresh_from_db()
    assert change.closed and position.status == PositionStatus.CLOSED
    assert position.realised_pnl == D("-2.5") and position.size == 0 and position.cost_basis == 0
    assert position.closed_at is not None


def test_a_sell_beyond_the_holding_never_goes_short() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(5), price=D("0.50"))
    change = position_apply_fill(position, side=Side.SELL, size=D(8), price=D("0.60"))
    assert change.closed and change.realised == D("0.5")


def test_reversing_a_voided_sell_reopens_and_removes_its_pnl() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(10), price=D("0.50"))
    change = position_apply_fill(position, side=Side.SELL, size=D(10), price=D("0.80"))
    position_reverse_fill(
        position, side=Side.SELL, size=D(10), price=D("0.80"), realised=change.realised
    )
    position.refresh_from_db()
    assert position.status == PositionStatus.OPEN
    assert (position.size, position.realised_pnl, position.cost_basis) == (D(10), D(0), D(5))


def test_reversing_a_voided_buy_restores_the_previous_average() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(10), price=D("0.40"))
    position_apply_fill(position, side=Side.BUY, size=D(10), price=D("0.60"))
    position_reverse_fill(position, side=Side.BUY, size=D(10), price=D("0.60"), realised=D(0))
    position.refresh_from_db()
    assert (position.size, position.avg_cost, position.cost_basis) == (D(10), D("0.4"), D(4))


def test_reversing_a_sell_beyond_the_holding_gives_back_only_what_it_took() -> None:
    position = _empty()
    position_apply_fill(position, side=Side.BUY, size=D(60), price=D("0.50"))
    change = position_apply_fill(
        position, side=Side.SELL, size=D(100), price=D("0.60"), fee=D("0.50")
    )
    # 60 of the 100 shares were held: proceeds 36.00 and fee 0.30 count, cost 30.00 goes.
    assert (change.sold, change.cost, change.realised) == (D(60), D(30), D("5.70"))
    position_reverse_fill(
        position, side=Side.SELL, size=D(100), price=D("0.60"), realised=change.realised,
        fee=D("0.50"), sold=change.sold, cost=change.cost,
    )  # fmt: skip
    position.refresh_from_db()
    assert (position.size, position.cost_basis, position.realised_pnl) == (D(60), D(30), D(0))
    assert position.status == PositionStatus.OPEN
