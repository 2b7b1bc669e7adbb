"""A decision's reads and writes: its snapshot in one round trip, its rows in one more.

`DecisionUnit.load` takes the locks in the order every decision takes them (the kill-switch
row FOR SHARE, then the strategy's risk state FOR NO KEY UPDATE) and reads, under them,
everything `risk.decision.decide` looks at; `DecisionUnit.write` INSERTs the decision, its
order intent and budget hold (and the mid it saw, and a raised equity peak) in one batch,
with the caller's COMMIT when it has nothing else to write.

The budget hold needs no check here: the strategy's lock is held from the read of its
budget windows to the write, and only decisions (under that lock) add to a window, so the
room the decision saw is there (the table's CHECK still backs it up).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model
from django.utils import timezone

from execution.models import (
    TERMINAL_ORDER_STATUSES,
    MidPrice,
    Order,
    OrderPurpose,
    OrderStatus,
    PositionStatus,
)
from ltproject.domain import Side
from ltproject.fees import FeeSchedule
from ltproject.money import ZERO
from risk.books import Book, MarketInfo
from risk.decision import (
    BreakerView,
    BudgetHold,
    Decision,
    PeakRaised,
    PositionView,
    Snapshot,
    StateView,
    window_starts,
)
from risk.models import BudgetPeriod, RiskDecision, RiskRules, SizingMode
from risk.portfolio import Holding, Mark, Portfolio
from strategies.models import Signal, Strategy

from .sql import COMMIT, Rows, Statement, insert_statement, statements_run

FINAL_STATUSES = ", ".join(f"'{status.value}'" for status in TERMINAL_ORDER_STATUSES)


@dataclass(frozen=True)
class Decided:
    """A decision as written: its row, and its order intent when it accepted."""

    decision: RiskDecision
    order: Order | None

    @property
    def accepted(self) -> bool:
        return self.order is not None


class DecisionUnit:
    """One decision's I/O, inside the caller's transaction."""

    def __init__(self, *, signal: Signal, strategy: Strategy, rules: RiskRules, at: datetime):
        self.signal = signal
        self.strategy = strategy
        self.rules = rules
        self.at = at
        self._rows: list[Rows] | None = None
        self.state_id: int | None = None
        self.new_ids: tuple[int, int] | None = None  # (decision, order), PostgreSQL

    # -- reading -----------------------------------------------------------------------------

    def load(self, before: Sequence[Statement] = ()) -> list[Rows]:
        """Run the caller's statements `before`, then the snapshot's reads, in one round
        trip; the rows of `before`."""
        rows = statements_run([*before, *self._reads()])
        self._rows = rows[len(before) :]
        return rows[: len(before)]

    def _reads(self) -> list[Statement]:
        strategy, rules, signal = self.strategy, self.rules, self.signal
        who = [strategy.pk, strategy.mode]
        reads: list[Statement] = [
            (_state_sql("is_global", share=True), []),
            (_state_sql("strategy_id = %s", share=False), [strategy.pk]),
            (_MARKET_SQL, [signal.token_id]),
            (_BREAKERS_SQL, [strategy.pk]),
            (_PORTFOLIO_SQL, [*who, *who, *who]),
            (_LAST_MID_SQL, [signal.token_id]),
        ]
        if self._budgeted():
            starts = window_starts(tz=rules.budget_timezone, at=self.at)
            reads.append((_WINDOWS_SQL, [strategy.pk, *starts.values()]))
        if signal.side == Side.SELL:
            reads.append((_POSITION_SQL, [*who, signal.token_id]))
        if self._sized_by_mids():
            since = self.at - timedelta(minutes=rules.sizing_lookback_minutes or 0)
            reads.append((_MIDS_SQL, [signal.token_id, since]))
        if rules.max_exposure_per_event is not None:
            reads.append((_TOKEN_EVENTS_SQL, [*who, *who, signal.token_id]))
        if rules.max_orders_per_minute is not None:
            reads.append((_RECENT_ENTRIES_SQL, [*who, self.at - timedelta(minutes=1)]))
        if connection.vendor == "postgresql":
            reads.append((_new_ids_sql(), []))
        return reads

    def _budgeted(self) -> bool:
        rules = self.rules
        return any(
            v is not None for v in (rules.budget_daily, rules.budget_weekly, rules.budget_monthly)
        )

    def _sized_by_mids(self) -> bool:
        rules = self.rules
        return rules.sizing_mode == SizingMode.VOLATILITY_TARGET and bool(
            rules.sizing_lookback_minutes
        )

    def snapshot(self, book: Book | None = None) -> Snapshot:
        """What the reads found (first use of the risk-state rows creates them, then reads
        again); `book` is the token's book, when the caller fetched one."""
        if self._rows is None:
            self.load()
        assert self._rows is not None
        glob, state, market, breakers, portfolio, last_mid, *rest = self._rows
        if not glob or not state:  # the first decision of all, or of this strategy
            # Imported here: risk.selectors reads the portfolio through this module.
            from risk.selectors import global_risk_state, strategy_risk_state

            global_risk_state()
            strategy_risk_state(strategy=self.strategy)
            self.load()
            return self.snapshot(book)
        self.state_id = int(state[0][0])
        budget_used = {}
        if self._budgeted():
            budget_used = {BudgetPeriod(p): _decimal(used) for p, used in rest.pop(0)}
        position = None
        if self.signal.side == Side.SELL:
            found = rest.pop(0)
            position = PositionView(id=found[0][0], size=_decimal(found[0][1])) if found else None
        mids: tuple[Decimal, ...] = ()
        if self._sized_by_mids():
            mids = tuple(_decimal(mid) for (mid,) in rest.pop(0))
        token_events = {}
        if self.rules.max_exposure_per_event is not None:
            token_events = {t: (m, e) for t, m, e in rest.pop(0)}
        entries_last_minute = 0
        if self.rules.max_orders_per_minute is not None:
            entries_last_minute = int(rest.pop(0)[0][0])
        if rest:
            ids = rest.pop(0)[0]
            self.new_ids = (int(ids[0]), int(ids[1]))
        info: MarketInfo | None = market_info_from(self.signal.token_id, market)
        return Snapshot(
            strategy=self.strategy.slug,
            mode=self.strategy.mode,
            global_state=_state_view(glob[0][1:]),
            state=_state_view(state[0][1:]),
            market=info,
            book=book,
            breakers=tuple(_breaker_view(row) for row in breakers),
            portfolio=portfolio_from(strategy=self.strategy, rows=portfolio),
            position=position,
            budget_used=budget_used,
            last_mid=(_decimal(last_mid[0][0]), last_mid[0][1]) if last_mid else None,
            mids=mids,
            token_events=token_events,
            entries_last_minute=entries_last_minute,
        )

    # -- writing -----------------------------------------------------------------------------

    def then(self, decided: Decided) -> list[Statement]:
        """Statements written with the decision's rows (the intake's stored answer)."""
        return []

    def finishing(self) -> bool:
        """Whether the decision's rows end the caller's transaction (a COMMIT goes with
        them, one round trip fewer; the caller's own commit then has nothing to do)."""
        return False

    def write(self, decision: Decision) -> Decided:
        """INSERT the decision's rows, then `then`'s statements, then COMMIT when
        `finishing`: one round trip on PostgreSQL."""
        row, order = self._rows_of(decision)
        written = Decided(decision=row, order=order)
        later: list[Statement] = []
        if decision.mid is not None:
            mid = MidPrice(
                token_id=decision.mid.token_id, mid=decision.mid.mid, observed_at=self.at
            )
            later.append(insert_statement(mid))
        for effect in decision.effects:
            if isinstance(effect, PeakRaised):
                later.append((_PEAK_SQL, [effect.peak, self.state_id]))
        if order is not None and self.new_ids is None:  # SQLite: each INSERT hands back its id
            _inserted([row])
            order.risk_decision = row
            _inserted([order])
            statements_run(_hold_statements(self.strategy, order, decision.budget, self.at))
            inserts: list[Model] = []
        else:
            inserts = [row] if order is None else [row, order]
        statements = [*(insert_statement(obj) for obj in inserts)]
        if order is not None and self.new_ids is not None:
            statements += _hold_statements(self.strategy, order, decision.budget, self.at)
        statements += later
        statements += self.then(written)
        if self.finishing() and connection.vendor == "postgresql":
            statements.append(COMMIT)
        returned = statements_run(statements) if statements else []
        for obj, ids in zip(inserts, returned, strict=False):
            _saved(obj, ids)
        return written

    def _rows_of(self, decision: Decision) -> tuple[RiskDecision, Order | None]:
        decision_id, order_id = self.new_ids or (None, None)
        intent = decision.order
        row = RiskDecision(
            id=decision_id if intent is not None else None,
            signal=self.signal,
            strategy=self.strategy,
            outcome=RiskDecision.Outcome.ACCEPTED if intent else RiskDecision.Outcome.REJECTED,
            reason_code=decision.reason_code,
            message=decision.message,
            size=intent.size if intent else None,
            notional=intent.notional if intent else None,
            limit_price=decision.limit_price,
            checks=decision.checks,
            created_at=self.at,
        )
        if intent is None:
            return row, None
        order = Order(
            id=order_id,
            strategy=self.strategy,
            signal=self.signal,
            risk_decision=row,
            risk_check_passed=True,
            position_id=intent.position_id,
            market_id=intent.market_id,
            token_id=intent.token_id,
            side=intent.side,
            order_type=intent.order_type,
            purpose=OrderPurpose.ENTRY if intent.entry else OrderPurpose.EXIT_SIGNAL,
            mode=self.strategy.mode,
            price=intent.price,
            size=intent.size,
            notional=intent.notional,
            reference_price=intent.reference_price,
            status=OrderStatus.INTENT,
            expires_at=intent.expires_at,
            # The moment the decision accepted it (its last step before the commit): where the
            # signal→POST latency starts, and what orders are listed by.
            created_at=timezone.now(),
        )
        return row, order


def _inserted(objs: list[Model]) -> None:
    for obj, ids in zip(objs, statements_run([insert_statement(o) for o in objs]), strict=True):
        _saved(obj, ids)


def _saved(obj: Model, ids: Rows) -> None:
    obj.pk = ids[0][0] if ids else obj.pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def _hold_statements(
    strategy: Strategy, order: Order, hold: BudgetHold | None, at: datetime
) -> list[Statement]:
    """Open the windows not opened yet, add the amount to each (in the lock order), and
    record the order's reservation in each."""
    if hold is None:
        return []
    statements: list[Statement] = []
    for period, start, limit in hold.windows:
        where = [strategy.pk, period.value, start]
        if hold.opening:
            statements.append((_WINDOW_OPEN_SQL, [*where, limit, at]))
        statements.append((_HOLD_SQL, [hold.amount, limit, at, *where]))
        statements.append((_HELD_SQL, [*where, order.pk, hold.amount, at]))
    return statements


# --- the statements ---------------------------------------------------------------------------


# Every signal needs this; one plain query over the token's market and its sibling tokens.
_MARKET_SQL = """
SELECT t.token_id, m.id, m.condition_id, m.event_id, m.neg_risk, m.tick_size,
       m.min_order_size, m.active, m.accepting_orders, m.closed, m.fee_params
  FROM lt_market_tokens t JOIN lt_markets m ON m.id = t.market_id
 WHERE t.market_id = (SELECT market_id FROM lt_market_tokens WHERE token_id = %s)
"""


def market_info_from(token_id: str, rows: Sequence[Sequence[Any]]) -> MarketInfo | None:
    """The token's market from the rows of `_MARKET_SQL` (None: LT does not know it)."""
    if not rows:
        return None
    (
        _, market_id, condition_id, event_id, neg_risk, tick, min_size, active, accepting, closed,
        fee_params,
    ) = rows[0]  # fmt: skip
    return MarketInfo(
        token_id=token_id,
        market_id=market_id,
        condition_id=condition_id,
        event_id=event_id,
        neg_risk=bool(neg_risk),
        tick_size=_decimal(tick).normalize(),
        min_order_size=_decimal(min_size).normalize(),
        accepting_orders=bool(active and accepting and not closed),
        sibling_token_ids=tuple(row[0] for row in rows if row[0] != token_id),
        fees=FeeSchedule.from_params(_json(fee_params)),
    )


def _json(value: object) -> Any:
    # PostgreSQL hands jsonb back decoded; SQLite (the demo database) as text.
    return json.loads(value) if isinstance(value, str) else value


@cache
def _state_sql(where: str, *, share: bool) -> str:
    """One lt_risk_state row, locked: FOR SHARE (the kill switch) or FOR NO KEY UPDATE."""
    lock = ""
    if connection.features.has_select_for_update:  # SQLite: one writer anyway
        lock = " FOR SHARE" if share else " FOR NO KEY UPDATE"
    return (
        "SELECT s.id, s.trading_state, s.reason_code, s.message, s.paused_until, "
        "s.reconciled_at, s.equity_peak, s.consecutive_losses "
        f"FROM lt_risk_state s WHERE {where}{lock}"
    )


def _state_view(row: Sequence[Any]) -> StateView:
    state, reason, message, paused_until, reconciled_at, peak, losses = row
    return StateView(
        trading_state=state,
        reason_code=reason,
        message=message,
        paused_until=paused_until,
        reconciled_at=reconciled_at,
        equity_peak=_decimal(peak),
        consecutive_losses=losses,
    )


_BREAKERS_SQL = (
    "SELECT b.kind, b.strategy_id IS NULL, b.state, b.tripped_at, b.resume_at, b.normal_since, "
    "b.last_value, b.threshold, b.resume_after_minutes, b.resume_when_normal "
    "FROM lt_breakers b WHERE b.strategy_id = %s OR b.strategy_id IS NULL"
)


def _breaker_view(row: Sequence[Any]) -> BreakerView:
    kind, is_global, state, tripped, resume_at, normal_since, last, threshold, after, normal = row
    return BreakerView(
        kind=kind,
        is_global=bool(is_global),
        state=state,
        tripped_at=tripped,
        resume_at=resume_at,
        normal_since=normal_since,
        last_value=None if last is None else _decimal(last),
        threshold=None if threshold is None else _decimal(threshold),
        resume_after_minutes=after,
        resume_when_normal=bool(normal),
    )


# The strategy's use of the current day, week and month (windows not opened yet: no row).
_WINDOWS_SQL = """
SELECT w.period, w.reserved + w.spent FROM lt_budget_windows w
 WHERE w.strategy_id = %s AND ((w.period = 'daily' AND w.window_start = %s)
    OR (w.period = 'weekly' AND w.window_start = %s)
    OR (w.period = 'monthly' AND w.window_start = %s))
"""

_WINDOW_OPEN_SQL = """
INSERT INTO lt_budget_windows (strategy_id, period, window_start, "limit", reserved, spent,
                               updated_at)
VALUES (%s, %s, %s, %s, 0, 0, %s)
ON CONFLICT (strategy_id, period, window_start) DO NOTHING
"""

# ROUND: exact on PostgreSQL; SQLite (the demo database) sums in binary floats.
_HOLD_SQL = """
UPDATE lt_budget_windows
   SET reserved = ROUND(reserved + CAST(%s AS NUMERIC), 6), "limit" = CAST(%s AS NUMERIC),
       updated_at = %s
 WHERE strategy_id = %s AND period = %s AND window_start = %s
"""

_HELD_SQL = """
INSERT INTO lt_budget_reservations (window_id, order_id, reserved, spent, released, updated_at)
VALUES ((SELECT w.id FROM lt_budget_windows w
          WHERE w.strategy_id = %s AND w.period = %s AND w.window_start = %s),
        %s, %s, 0, 0, %s)
"""

_PEAK_SQL = "UPDATE lt_risk_state SET equity_peak = %s WHERE id = %s"

_LAST_MID_SQL = (
    "SELECT m.mid, m.observed_at FROM lt_mid_prices m WHERE m.token_id = %s "
    "ORDER BY m.observed_at DESC LIMIT 1"
)

_MIDS_SQL = (
    "SELECT m.mid FROM lt_mid_prices m WHERE m.token_id = %s AND m.observed_at >= %s "
    "ORDER BY m.observed_at"
)

_POSITION_SQL = f"""
SELECT p.id, p.size FROM lt_positions p
 WHERE p.strategy_id = %s AND p.mode = %s AND p.token_id = %s
   AND p.status = '{PositionStatus.OPEN.value}'
 ORDER BY p.id LIMIT 1
"""

# The market and event of every token the strategy holds or is buying, and of the signal's.
_TOKEN_EVENTS_SQL = f"""
SELECT t.token_id, t.market_id, m.event_id
  FROM lt_market_tokens t JOIN lt_markets m ON m.id = t.market_id
 WHERE t.token_id IN (
       SELECT p.token_id FROM lt_positions p
        WHERE p.strategy_id = %s AND p.mode = %s AND p.status = '{PositionStatus.OPEN.value}'
       UNION SELECT o.token_id FROM lt_orders o
        WHERE o.strategy_id = %s AND o.mode = %s AND o.status NOT IN ({FINAL_STATUSES})
       UNION SELECT %s)
"""


_RECENT_ENTRIES_SQL = f"""
SELECT COUNT(*) FROM lt_orders o
 WHERE o.strategy_id = %s AND o.mode = %s AND o.purpose = '{OrderPurpose.ENTRY.value}'
   AND o.created_at > %s
"""


@cache
def _new_ids_sql() -> str:
    """The statement that draws the ids of the decision and of its order, up front, so that
    an acceptance writes both, and the budget hold, in one round trip (an unused id is a
    harmless gap).

    The sequences are looked up once: `pg_get_serial_sequence` in the statement itself cost
    PostgreSQL more than the two `nextval`s (catalog lookups on every signal).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence('lt_risk_decisions', 'id'), "
            "pg_get_serial_sequence('lt_orders', 'id')"
        )
        row = cursor.fetchone()
    assert row is not None and all(row), "lt_risk_decisions and lt_orders need their id sequences"
    # Qualified names, quoted where they need it: written in as string literals.
    decisions, orders = (str(name).replace("'", "''") for name in row)
    return f"SELECT nextval('{decisions}'::regclass), nextval('{orders}'::regclass)"


# --- the portfolio --------------------------------------------------------------------------
# What every entry decision needs: open positions with their mark (the newest of the last
# recorded mid and the position's own mark — the minute marking job writes the latter — else
# its cost), the unfilled part of non-final orders per token and side, and realised P&L.
# The statuses are written in, not bound: the statement is prepared (see `statements_run`),
# and only then can a generic plan use the partial indexes over open positions
# (lt_positions_one_open_per_token) and open orders (lt_orders_open_by_strategy, which has the
# same list: execution migration 0005), so a read costs what is open, not all history.
_PORTFOLIO_SQL = f"""
SELECT 'position', p.token_id, p.size, p.cost_basis,
       COALESCE((SELECT m.mid FROM lt_mid_prices m WHERE m.token_id = p.token_id
                   AND (p.marked_at IS NULL OR m.observed_at > p.marked_at)
                 ORDER BY m.observed_at DESC LIMIT 1), p.mark_price, p.avg_cost)
  FROM lt_positions p
 WHERE p.strategy_id = %s AND p.mode = %s AND p.status = '{PositionStatus.OPEN.value}'
   AND p.size > 0
UNION ALL
SELECT o.side, o.token_id, SUM(o.size - o.size_matched),
       SUM((o.size - o.size_matched) * o.price), NULL
  FROM lt_orders o
 WHERE o.strategy_id = %s AND o.mode = %s
   AND o.status NOT IN ({FINAL_STATUSES})
 GROUP BY o.side, o.token_id
UNION ALL
SELECT 'realised', '', COALESCE(SUM(r.realised_pnl), 0), 0, NULL
  FROM lt_positions r
 WHERE r.strategy_id = %s AND r.mode = %s
"""


def strategy_portfolio(*, strategy: Strategy) -> Portfolio:
    """Open positions, pending orders and realised P&L of the strategy's current mode, so
    paper results never move a live strategy."""
    who = [strategy.pk, strategy.mode]
    (rows,) = statements_run([(_PORTFOLIO_SQL, [*who, *who, *who])])
    return portfolio_from(strategy=strategy, rows=rows)


def portfolio_from(*, strategy: Strategy, rows: Sequence[Sequence[Any]]) -> Portfolio:
    shares: dict[str, Decimal] = defaultdict(lambda: ZERO)
    cost: dict[str, Decimal] = defaultdict(lambda: ZERO)
    selling: dict[str, Decimal] = defaultdict(lambda: ZERO)
    marks: dict[str, Mark] = {}
    realised = unrealised = ZERO
    for kind, token_id, raw_amount, raw_paid, price in rows:
        amount, paid = _decimal(raw_amount), _decimal(raw_paid)
        if kind == "realised":
            realised = amount
        elif kind == Side.SELL:
            selling[token_id] += amount
        else:  # an open position, or BUY orders still to fill
            shares[token_id] += amount
            cost[token_id] += paid
            if kind == "position":
                mark = Mark(shares=amount, paid=paid, price=_decimal(price))
                marks[token_id] = mark
                unrealised += mark.unrealised
    holdings = {
        t: Holding(token_id=t, shares=shares[t], cost=cost[t], pending_sell_shares=selling[t])
        for t in set(shares) | set(selling)
    }
    capital: Decimal = strategy.risk_rules.capital
    return Portfolio(
        capital=capital, realised=realised, unrealised=unrealised, holdings=holdings, marks=marks
    )


def _decimal(value: object) -> Decimal:
    # SQLite hands NUMERIC columns and sums back as float or int; go through str.
    return value if isinstance(value, Decimal) else Decimal(str(value))
