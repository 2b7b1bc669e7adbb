"""The pre-trade decision: ordered checks, the first failure decides.

Order of checks (each failure has its reason code):
  1. strategy mode (STRATEGY_OFF)
  2. global kill switch, then the strategy's trading state; timed pauses that ended are
     lifted first (GLOBAL_KILL_SWITCH, TRADING_HALTED / DRAWDOWN_PAUSED /
     LOSS_STREAK_PAUSED, TRADING_REDUCING)
  3. market (MARKET_UNKNOWN, MARKET_NOT_ACCEPTING_ORDERS), limit price (PRICE_OFF_TICK)
  4. order book (BOOK_UNAVAILABLE); its mid is recorded
  5. entries: circuit breakers, spread and liquidity observed now (BREAKER_*_OPEN);
     drawdown (DRAWDOWN_PAUSED); sizing (SIZING_UNAVAILABLE, SIZE_BELOW_MARKET_MIN);
     notional bounds; exit feasibility; exposure and position counts; budgets last, so the
     budget rows are locked for the shortest time
     exits (SELL): something to reduce (NOTHING_TO_REDUCE), the market minimum
The caller's transaction holds the strategy's risk-state row for the whole decision, so a
halt, a pause or another signal of the same strategy cannot interleave with it (exposure and
position limits are exact, not just the budgets).

HALTED refuses new entries and REDUCING likewise: under both, SELLs of a held position go
through (the execution issue's exits are allowed in every state). Live entries also wait for
a recent successful reconciliation with the venue (NOT_RECONCILED). Breakers, drawdown,
exposure and budgets gate entries only: an exit never adds risk, and getting out must not
wait for a calm book.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from execution.markets import market_tick_set
from execution.models import MidPrice, Order, OrderPurpose, OrderStatus, Position
from ltproject.domain import OrderType, Side, TradingMode
from ltproject.jsontext import jsonable
from ltproject.money import ZERO, is_valid_price, quantize_pusd
from strategies.models import Signal, Strategy

from . import sizing
from .breakers import OPEN_CODE, breakers_from, breakers_query
from .breakers import breakers_evaluate as _breakers_evaluate
from .budgets import (
    HOLD_SAVEPOINT,
    BudgetExceeded,
    budget_hold_refused,
    budget_hold_statements,
    budget_reservations_create,
    budget_reservations_new,
    budget_reserve,
)
from .market_data import (
    Book,
    BookUnavailable,
    MarketData,
    MarketInfo,
    market_info_from,
    market_info_query,
    mid_row,
)
from .models import (
    Breaker,
    BreakerKind,
    RiskDecision,
    RiskRules,
    RiskState,
    SizingMode,
    TradingState,
)
from .reasons import ReasonCode
from .selectors import (
    COMMIT,
    Holding,
    Portfolio,
    Rows,
    Statement,
    columns_of,
    global_risk_state,
    insert_statement,
    instance_from,
    open_position,
    portfolio_from,
    portfolio_query,
    realised_volatility,
    row_insert,
    savepoint,
    statements_run,
    strategy_portfolio,
    strategy_risk_state,
    token_markets,
)
from .services import PAUSE_CODES, drawdown_check, pause_expire

# The reconcile job runs every minute; a ledger not vouched for in this long halts live entries.
RECONCILED_FOR = timedelta(minutes=5)


class Reject(Exception):
    def __init__(self, code: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Ctx:
    signal: Signal
    strategy: Strategy
    rules: RiskRules
    market_data: MarketData
    at: datetime
    checks: dict[str, Any] = field(default_factory=dict)
    info: MarketInfo | None = None
    book: Book | None = None
    limit_price: Decimal = ZERO
    state: RiskState | None = None
    reads: list[Rows] | None = None  # of `decision_reads`, if the caller sent them
    answer: Callable[[Decision], list[Statement]] | None = None  # written with the decision
    finish: bool = False  # the decision's rows end the caller's transaction
    breakers: list[Breaker] | None = None  # read with the state lock
    new_ids: tuple[int, int] | None = None  # (decision, order), drawn with the state lock
    later: list[Model] = field(default_factory=list)  # rows written with the decision's
    _portfolio: Portfolio | None = None

    @property
    def portfolio(self) -> Portfolio:
        if self._portfolio is None:
            self._portfolio = strategy_portfolio(strategy=self.strategy)
        return self._portfolio

    def note(self, name: str, **values: Any) -> None:
        self.checks[name] = {k: jsonable(v) for k, v in values.items()}


@dataclass(frozen=True)
class Sized:
    size: Decimal
    notional: Decimal
    fee: Decimal = ZERO  # the most the venue can charge the order (see ltproject.fees)
    position: Position | None = None
    window_ids: tuple[int, ...] = ()
    hold: bool = False  # the budget is held with the decision's rows (`_accept`)


@dataclass(frozen=True)
class Decision:
    decision: RiskDecision
    order: Order | None

    @property
    def accepted(self) -> bool:
        return self.order is not None


@transaction.atomic(savepoint=False)
def risk_decide(
    *,
    signal: Signal,
    market_data: MarketData,
    at: datetime | None = None,
    reads: Sequence[Rows] | None = None,
    answer: Callable[[Decision], list[Statement]] | None = None,
    finish: bool = False,
) -> Decision:
    """Check, size and budget one stored signal; write its decision (and order intent).

    `reads`: the rows of `decision_reads(...)` as the caller already ran them in this
    transaction, with its own statements, to save the decision that round trip. `answer`:
    statements the caller writes about the decision (the intake's stored reply), sent with
    the decision's own INSERTs; the Decision it gets has the ids of its rows. `finish`: the
    caller's outermost transaction has nothing more to write, so a COMMIT goes with those
    INSERTs (PostgreSQL), one round trip fewer; the caller's own commit then has nothing to do.
    """
    strategy = signal.strategy
    ctx = _Ctx(
        signal=signal,
        strategy=strategy,
        rules=strategy.risk_rules,
        market_data=market_data,
        at=at or timezone.now(),
        reads=None if reads is None else list(reads),
        answer=answer,
        finish=finish,
    )
    try:
        sized = _run_checks(ctx)
    except Reject as reject:
        return _decision_rejected(ctx, reject)
    return _accept(ctx, sized)


def _run_checks(ctx: _Ctx) -> Sized:
    _check_mode(ctx)
    _check_states(ctx)
    _check_market(ctx)
    _check_book(ctx)
    if ctx.signal.side == Side.SELL:
        return _size_exit(ctx)
    _check_breakers(ctx)
    _check_drawdown(ctx)
    size, notional, fee = _size_entry(ctx)
    _check_notional_bounds(ctx, notional)
    holdings = ctx.portfolio.holdings
    _check_exit_liquidity(ctx, size, holdings)
    _check_exposure(ctx, size, notional, holdings)
    if ctx.new_ids is not None and _exhausted.get(ctx.strategy.pk, 0.0) <= time.monotonic():
        return Sized(size=size, notional=notional, fee=fee, hold=True)  # PostgreSQL: `_accept`
    return Sized(size=size, notional=notional, fee=fee, window_ids=_reserve(ctx, notional + fee))


# strategy id → until when (time.monotonic) its budget is reserved the usual way: one that
# just refused an order is likely to refuse the next, and a refused hold costs a round trip.
_exhausted: dict[int, float] = {}
EXHAUSTED_FOR_SECONDS = 60.0


def _check_mode(ctx: _Ctx) -> None:
    if ctx.strategy.mode == TradingMode.OFF:
        raise Reject(ReasonCode.STRATEGY_OFF, f"strategy {ctx.strategy.slug} is off")


def _check_states(ctx: _Ctx) -> None:
    entering = ctx.signal.side == Side.BUY
    read = None
    if ctx.reads is not None:
        rows = ctx.reads.pop(0)
        read = instance_from(RiskState, rows[0]) if rows else None
    glob = _global_state_shared(ctx.at, read=read)
    ctx.note("global", state=glob.trading_state, reconciled_at=glob.reconciled_at)
    if glob.trading_state != TradingState.ACTIVE and entering:
        code = (
            ReasonCode.GLOBAL_KILL_SWITCH
            if glob.trading_state == TradingState.HALTED
            else ReasonCode.TRADING_REDUCING
        )
        raise Reject(code, glob.message or "globally, only reducing orders are allowed")
    if entering and ctx.strategy.mode == TradingMode.LIVE and not _reconciled(glob, ctx.at):
        raise Reject(
            ReasonCode.NOT_RECONCILED,
            "live entries wait for a successful reconciliation with the venue",
        )
    row = _strategy_state_locked(ctx)
    row = pause_expire(row=row, at=ctx.at)
    ctx.state = row
    ctx.note("state", state=row.trading_state, reason=row.reason_code, until=row.paused_until)
    if row.trading_state == TradingState.HALTED and entering:
        paused = row.reason_code in PAUSE_CODES
        message = row.message or "trading is halted"
        if row.paused_until is not None:
            message += f" (until {row.paused_until.isoformat()})"
        raise Reject(ReasonCode(row.reason_code) if paused else ReasonCode.TRADING_HALTED, message)
    if row.trading_state == TradingState.REDUCING and entering:
        raise Reject(ReasonCode.TRADING_REDUCING, "only orders that reduce a position")


def _reconciled(glob: RiskState, at: datetime) -> bool:
    """Live entries need a reconciliation recent enough to vouch for the ledger (invariant 4)."""
    return glob.reconciled_at is not None and at - glob.reconciled_at <= RECONCILED_FOR


def _global_state_shared(at: datetime, *, read: RiskState | None = None) -> RiskState:
    """The kill-switch row under FOR SHARE: decisions run side by side, while a halt waits
    for them (and they for it), so no decision commits on a state older than a halt."""
    row = _global_row() if read is None else read
    if row is None:
        global_risk_state()  # first use: create it
        row = _global_row()
    assert row is not None
    if row.paused_until is not None and row.paused_until <= at:
        row = pause_expire(row=global_risk_state(), at=at)
    return row


def _global_row() -> RiskState | None:
    return _state_row("is_global", [], share=True)


def decision_reads(*, strategy: Strategy, token_id: str) -> list[Statement]:
    """What `risk_decide` reads first, for a caller that sends it with its own statements
    (in its transaction, before the decision) and passes the rows as `reads`.

    The kill-switch row FOR SHARE, then the strategy's risk state locked, then its market,
    breakers and portfolio and the ids of the decision's rows: the locks are taken in the
    order of a decision that reads them itself.
    """
    return [_state_query("is_global", [], share=True), *_state_reads(strategy, token_id)]


def _state_reads(strategy: Strategy, token_id: str) -> list[Statement]:
    statements = [
        _state_query("strategy_id = %s", [strategy.pk], share=False),
        market_info_query(token_id),
        breakers_query(strategy=strategy),
        portfolio_query(strategy=strategy),
    ]
    if connection.vendor == "postgresql":
        statements.append((_new_ids_sql(), []))
    return statements


def _strategy_state_locked(ctx: _Ctx) -> RiskState:
    """Lock the strategy's risk state, then read its market, breakers and portfolio, in one
    round trip (or take them from the caller's `reads`).

    The statements run in the order sent, so the breakers and the portfolio are read under
    the lock as before (nothing this decision writes before using them changes them, except
    a new mid of a held token: `_check_book` reads the portfolio again then).
    """
    strategy = ctx.strategy
    reads, ctx.reads = ctx.reads, None
    if reads is None:
        reads = statements_run(_state_reads(strategy, ctx.signal.token_id))
    state, market_rows, breaker_rows, portfolio_rows, *ids = reads
    if not state:  # first signal of the strategy: create its state, then lock and read
        strategy_risk_state(strategy=strategy)
        return _strategy_state_locked(ctx)
    ctx.info = market_info_from(ctx.signal.token_id, market_rows)
    ctx.breakers = breakers_from(breaker_rows)
    ctx._portfolio = portfolio_from(strategy=strategy, rows=portfolio_rows)
    if ids:
        ctx.new_ids = (int(ids[0][0][0]), int(ids[0][0][1]))
    return instance_from(RiskState, state[0])


@cache
def _new_ids_sql() -> str:
    """The statement that draws the ids of the decision and of its order, up front, so that
    an acceptance writes both, and the budget reservation, in one round trip (an unused id
    is a harmless gap).

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


def _state_row(where: str, params: list[Any], *, share: bool) -> RiskState | None:
    with connection.cursor() as cursor:
        cursor.execute(*_state_query(where, params, share=share))
        row = cursor.fetchone()
    return None if row is None else instance_from(RiskState, row)


def _state_query(where: str, params: list[Any], *, share: bool) -> tuple[str, list[Any]]:
    """One lt_risk_state row, locked: FOR SHARE (the kill switch) or FOR NO KEY UPDATE."""
    return _state_sql(where, share), params


@cache
def _state_sql(where: str, share: bool) -> str:
    lock = ""
    if connection.features.has_select_for_update:  # SQLite: one writer anyway
        lock = " FOR SHARE" if share else " FOR NO KEY UPDATE"
    return f"SELECT {columns_of(RiskState, 's')} FROM lt_risk_state s WHERE {where}{lock}"


def _check_market(ctx: _Ctx) -> None:
    info = ctx.info  # read with the state lock (None: LT does not know the token)
    if info is None or (ctx.signal.condition_id and ctx.signal.condition_id != info.condition_id):
        raise Reject(
            ReasonCode.MARKET_UNKNOWN, f"token {ctx.signal.token_id} is not a known market"
        )
    ctx.info = info
    ctx.note(
        "market",
        condition_id=info.condition_id,
        tick=info.tick_size,
        min_size=info.min_order_size,
        event_id=info.event_id,
        neg_risk=info.neg_risk,
    )
    if not info.accepting_orders:
        raise Reject(ReasonCode.MARKET_NOT_ACCEPTING_ORDERS, "the market is not accepting orders")
    _price_limit(ctx)


def _price_limit(ctx: _Ctx) -> None:
    """FT's price moved by the allowed slippage onto the market's tick."""
    assert ctx.info is not None
    tick = ctx.info.tick_size
    bps = ctx.rules.order_max_slippage_bps
    if ctx.signal.max_slippage_bps is not None:
        bps = min(bps, ctx.signal.max_slippage_bps)
    price = sizing.limit_price(
        side=ctx.signal.side, reference=ctx.signal.price, slippage_bps=bps, tick=tick
    )
    ctx.note("price", reference=ctx.signal.price, slippage_bps=bps, limit=price)
    if not is_valid_price(price, tick):
        raise Reject(
            ReasonCode.PRICE_OFF_TICK, f"limit {price} is not a valid price on tick {tick}"
        )
    ctx.limit_price = price


def _check_book(ctx: _Ctx) -> None:
    try:
        book = ctx.market_data.book(ctx.signal.token_id)
    except BookUnavailable:
        raise Reject(ReasonCode.BOOK_UNAVAILABLE, "no order book for this token") from None
    ctx.book = book
    if book.tick_size is not None and ctx.info is not None and book.tick_size != ctx.info.tick_size:
        # The venue moved the market's tick (it does near 0 and 1): price on the new one.
        ctx.info = replace(ctx.info, tick_size=book.tick_size)
        market_tick_set(market_id=ctx.info.market_id, tick_size=book.tick_size)
        ctx.note("tick_change", tick=book.tick_size)
        _price_limit(ctx)
    mid = None if book.mid is None else mid_row(token_id=book.token_id, mid=book.mid, at=ctx.at)
    if mid is not None:
        _mid_write(ctx, mid)
    ctx.note("book", best_bid=book.best_bid, best_ask=book.best_ask, mid=book.mid)


def _mid_write(ctx: _Ctx, mid: MidPrice) -> None:
    """Write the new mid with the decision's rows (a round trip saved), unless this decision
    reads mids afterwards: a held position marked at it, or volatility sizing."""
    held = ctx._portfolio is None or mid.token_id in ctx._portfolio.marked_at_mid
    rules = ctx.rules
    sized_by_mids = rules.sizing_mode == SizingMode.VOLATILITY_TARGET
    if not held and not sized_by_mids:
        ctx.later.append(mid)
        return
    row_insert(mid)
    if held:
        ctx._portfolio = None  # read before this mid, which now marks a position: read again


def _check_breakers(ctx: _Ctx) -> None:
    assert ctx.book is not None
    observations = {
        BreakerKind.SPREAD: ctx.book.spread,
        BreakerKind.LIQUIDITY: quantize_pusd(ctx.book.ask_depth_within(ctx.limit_price)),
    }
    ctx.note("breakers", **{k.value: v for k, v in observations.items()})
    open_breaker = _breakers_evaluate(
        strategy=ctx.strategy,
        observations=observations,
        at=ctx.at,
        current=ctx.breakers,
        token_id=ctx.signal.token_id,
    )
    if open_breaker is not None:
        scope = "global" if open_breaker.strategy_id is None else "strategy"
        raise Reject(
            OPEN_CODE[BreakerKind(open_breaker.kind)],
            f"{scope} {open_breaker.kind} breaker open since "
            f"{open_breaker.tripped_at.isoformat() if open_breaker.tripped_at else '?'} "
            f"(input {open_breaker.last_value}, threshold {open_breaker.threshold})",
        )


def _check_drawdown(ctx: _Ctx) -> None:
    assert ctx.state is not None
    if ctx.rules.max_drawdown_pct is None:
        return
    drawdown = drawdown_check(
        strategy=ctx.strategy, row=ctx.state, at=ctx.at, equity=ctx.portfolio.equity
    )
    ctx.note(
        "drawdown",
        equity=drawdown.equity,
        peak=drawdown.peak,
        pct=drawdown.pct,
        limit=drawdown.limit,
    )
    if drawdown.breached:
        raise Reject(
            ReasonCode.DRAWDOWN_PAUSED,
            f"drawdown {drawdown.pct}% from peak {drawdown.peak} is over {drawdown.limit}%",
        )


def _size_entry(ctx: _Ctx) -> tuple[Decimal, Decimal, Decimal]:
    """(shares, their pUSD at the limit, the most the venue's fee on them can be): the
    sizing target is what the order may spend, fee included."""
    assert ctx.info is not None
    rules = ctx.rules
    vol = None
    if rules.sizing_mode == SizingMode.VOLATILITY_TARGET and rules.sizing_lookback_minutes:
        since = ctx.at - timedelta(minutes=rules.sizing_lookback_minutes)
        vol = realised_volatility(token_id=ctx.signal.token_id, since=since)
    equity = ctx.portfolio.equity if rules.sizing_mode == SizingMode.PERCENT_EQUITY else ZERO
    inputs = sizing.SizingInputs(
        ft_size=ctx.signal.size, limit_price=ctx.limit_price, equity=equity, realised_vol=vol
    )
    try:
        target = sizing.target_notional(rules, inputs)
    except sizing.SizingUnavailable as error:
        raise Reject(ReasonCode.SIZING_UNAVAILABLE, str(error)) from None
    size = sizing.shares_within(target, ctx.limit_price, ctx.info.fees)
    notional = quantize_pusd(size * ctx.limit_price)
    fee = ctx.info.fees.fee_bound(size, ctx.limit_price)
    ctx.note(
        "sizing",
        mode=rules.sizing_mode,
        target=target,
        realised_vol=vol,
        size=size,
        notional=notional,
        fee=fee,
    )
    _check_min_size(ctx, size)
    return size, notional, fee


def _check_min_size(ctx: _Ctx, size: Decimal) -> None:
    assert ctx.info is not None
    if size < ctx.info.min_order_size or size <= 0:
        raise Reject(
            ReasonCode.SIZE_BELOW_MARKET_MIN,
            f"{size} shares is under the market minimum of {ctx.info.min_order_size}",
        )


def _check_notional_bounds(ctx: _Ctx, notional: Decimal) -> None:
    low, high = ctx.rules.min_order_notional, ctx.rules.max_order_notional
    if low is not None and notional < low:
        raise Reject(ReasonCode.ORDER_NOTIONAL_BELOW_MIN, f"{notional} pUSD is under {low}")
    if high is not None and notional > high:
        raise Reject(ReasonCode.ORDER_NOTIONAL_ABOVE_MAX, f"{notional} pUSD is over {high}")


def _check_exit_liquidity(ctx: _Ctx, size: Decimal, holdings: dict[str, Holding]) -> None:
    assert ctx.book is not None
    held = holdings.get(ctx.signal.token_id)
    position = size + (held.shares if held else ZERO)
    bids = ctx.book.bid_shares()
    ctx.note("exit", position_shares=position, bid_shares=bids)
    if bids < position:
        raise Reject(
            ReasonCode.EXIT_LIQUIDITY_INSUFFICIENT,
            f"bids for {bids} shares could not absorb a position of {position}",
        )


def _check_exposure(
    ctx: _Ctx, size: Decimal, notional: Decimal, holdings: dict[str, Holding]
) -> None:
    assert ctx.info is not None
    token = ctx.signal.token_id
    shares = {t: h.shares for t, h in holdings.items() if h.shares > 0}
    cost = {t: h.cost for t, h in holdings.items() if h.shares > 0}
    new_position = token not in shares
    shares[token] = shares.get(token, ZERO) + size
    cost[token] = cost.get(token, ZERO) + notional
    in_market = [t for t in (token, *ctx.info.sibling_token_ids) if t in shares]
    market_exposure = _net_exposure(in_market, shares, cost)
    event_exposure = market_exposure
    if ctx.info.event_id and ctx.rules.max_exposure_per_event is not None:
        event_exposure = _event_exposure(ctx.info, shares, cost)
    ctx.note(
        "exposure",
        market=market_exposure,
        event=event_exposure,
        positions=len(shares),
        positions_in_market=len(in_market),
    )
    _limit(
        ctx.rules.max_exposure_per_market,
        market_exposure,
        ReasonCode.EXPOSURE_MARKET_EXCEEDED,
        "exposure in this market",
    )
    _limit(
        ctx.rules.max_exposure_per_event,
        event_exposure,
        ReasonCode.EXPOSURE_EVENT_EXCEEDED,
        "exposure in this event",
    )
    if new_position:
        _limit(
            ctx.rules.max_concurrent_positions,
            len(shares),
            ReasonCode.MAX_CONCURRENT_POSITIONS,
            "open positions",
        )
        _limit(
            ctx.rules.max_positions_per_market,
            len(in_market),
            ReasonCode.MAX_POSITIONS_PER_MARKET,
            "positions in this market",
        )


def _event_exposure(
    info: MarketInfo, shares: dict[str, Decimal], cost: dict[str, Decimal]
) -> Decimal:
    """Net exposure summed over the markets of the event (its neg-risk group)."""
    by_market: dict[int, list[str]] = defaultdict(list)
    for token_id, (market_id, event_id) in token_markets(set(shares)).items():
        if event_id == info.event_id:
            by_market[market_id].append(token_id)
    return sum((_net_exposure(ts, shares, cost) for ts in by_market.values()), ZERO)


def _net_exposure(
    tokens: list[str], shares: dict[str, Decimal], cost: dict[str, Decimal]
) -> Decimal:
    """Cost in one market less what pairs of outcomes pay back whatever happens (YES+NO = 1)."""
    total = sum((cost[t] for t in tokens), ZERO)
    paired = min(shares[t] for t in tokens) if len(tokens) > 1 else ZERO
    return quantize_pusd(max(total - paired, ZERO))


def _limit(limit: Decimal | int | None, value: Decimal | int, code: ReasonCode, what: str) -> None:
    if limit is not None and value > limit:
        raise Reject(code, f"{what} would be {value}, over the limit of {limit}")


def _reserve(ctx: _Ctx, notional: Decimal) -> tuple[int, ...]:
    result = budget_reserve(strategy=ctx.strategy, rules=ctx.rules, amount=notional, at=ctx.at)
    if isinstance(result, BudgetExceeded):
        ctx.note(
            "budget",
            period=result.period.value,
            limit=result.limit,
            used=result.used,
            amount=result.amount,
        )
        raise Reject(result.reason_code, result.message)
    ctx.note("budget", reserved=notional, windows=len(result))
    return tuple(result)


def _size_exit(ctx: _Ctx) -> Sized:
    position = open_position(strategy=ctx.strategy, token_id=ctx.signal.token_id)
    holding = ctx.portfolio.holdings.get(ctx.signal.token_id)
    selling = holding.pending_sell_shares if holding else ZERO
    available = (position.size if position else ZERO) - selling
    ctx.note("reduce", held=position.size if position else ZERO, pending_sells=selling)
    if position is None or available <= 0:
        raise Reject(ReasonCode.NOTHING_TO_REDUCE, "no open position left to sell in this token")
    size = available
    if ctx.rules.sizing_mode == SizingMode.FT_PROPORTIONAL and ctx.signal.size is not None:
        size = min(available, ctx.signal.size * (ctx.rules.sizing_multiplier or 1))
    size = sizing.round_shares(size)
    _check_min_size(ctx, size)
    return Sized(size=size, notional=quantize_pusd(size * ctx.limit_price), position=position)


def _decision_rejected(ctx: _Ctx, reject: Reject) -> Decision:
    row = RiskDecision(
        signal=ctx.signal,
        strategy=ctx.strategy,
        outcome=RiskDecision.Outcome.REJECTED,
        reason_code=reject.code,
        message=reject.message,
        limit_price=ctx.limit_price or None,
        checks=ctx.checks,
        created_at=ctx.at,
    )
    return _written(ctx, Decision(decision=row, order=None), [row])


def _accept(ctx: _Ctx, sized: Sized) -> Decision:
    assert ctx.info is not None
    decision_id, order_id = ctx.new_ids or (None, None)
    decision = RiskDecision(
        id=decision_id,
        signal=ctx.signal,
        strategy=ctx.strategy,
        outcome=RiskDecision.Outcome.ACCEPTED,
        reason_code=ReasonCode.ACCEPTED,
        message=f"{ctx.signal.side} {sized.size} at {ctx.limit_price} ({sized.notional} pUSD)",
        size=sized.size,
        notional=sized.notional,
        limit_price=ctx.limit_price,
        checks=ctx.checks,
        created_at=ctx.at,
    )
    rules = ctx.rules
    order = Order(
        id=order_id,
        strategy=ctx.strategy,
        signal=ctx.signal,
        risk_check_passed=True,
        position=sized.position,
        market_id=ctx.info.market_id,
        token_id=ctx.signal.token_id,
        side=ctx.signal.side,
        order_type=rules.order_type,
        purpose=OrderPurpose.ENTRY if ctx.signal.side == Side.BUY else OrderPurpose.EXIT_SIGNAL,
        mode=ctx.strategy.mode,
        price=ctx.limit_price,
        size=sized.size,
        notional=sized.notional,
        reference_price=ctx.signal.price,
        status=OrderStatus.INTENT,
        expires_at=_expiry(rules, ctx.at),
        # The moment the decision accepted it (its last step before the commit): where the
        # signal→POST latency starts, and what orders are listed by.
        created_at=timezone.now(),
    )
    if ctx.new_ids is None:  # SQLite: each INSERT hands back the id the next one refers to
        row_insert(decision)
        order.risk_decision = decision
        row_insert(order)
        budget_reservations_create(
            order=order, window_ids=list(sized.window_ids), amount=sized.notional + sized.fee
        )
        return _written(ctx, Decision(decision=decision, order=order), [])
    # ids drawn with the state lock: the INSERTs (and the caller's answer) share a round trip
    order.risk_decision = decision
    accepted = Decision(decision=decision, order=order)
    window_ids = sized.window_ids
    if sized.hold:
        held = _held(ctx, accepted, sized.notional + sized.fee)
        if held is not None:
            return held
        try:  # refused: reserve the usual way, which opens the window or says what is over
            window_ids = _reserve(ctx, sized.notional + sized.fee)
        except Reject as reject:
            _exhausted[ctx.strategy.pk] = time.monotonic() + EXHAUSTED_FOR_SECONDS
            return _decision_rejected(ctx, reject)
    reservations = budget_reservations_new(
        order=order, window_ids=list(window_ids), amount=sized.notional + sized.fee
    )
    return _written(ctx, accepted, [decision, order, *reservations])


def _held(ctx: _Ctx, accepted: Decision, notional: Decimal) -> Decision | None:
    """Write the accepted decision with its budget held in the same round trip (see
    risk.budgets); None, with nothing of it written, if the budget refused the hold."""
    order = accepted.order
    assert order is not None and order.pk is not None  # its id drawn with the state lock
    rows: list[Model] = [accepted.decision, order]
    holds, held = budget_hold_statements(
        strategy=ctx.strategy, rules=ctx.rules, order_id=order.pk, amount=notional, at=ctx.at
    )
    ctx.note("budget", reserved=notional, windows=len(holds))
    if not holds:  # no budgeted period: nothing to hold
        return _written(ctx, accepted, rows)
    try:
        return _written(
            ctx,
            accepted,
            rows,
            before=[savepoint("SAVEPOINT", HOLD_SAVEPOINT), *holds],
            after=[*held, savepoint("RELEASE SAVEPOINT", HOLD_SAVEPOINT)],
        )
    except IntegrityError as error:
        if not budget_hold_refused(error):
            raise
    statements_run([savepoint("ROLLBACK TO SAVEPOINT", HOLD_SAVEPOINT)])
    return None


def _written(
    ctx: _Ctx,
    decision: Decision,
    rows: list[Model],
    *,
    before: Sequence[Statement] = (),
    after: Sequence[Statement] = (),
) -> Decision:
    """INSERT `rows` (and the rows left for later) between the statements `before` and
    `after`, then the caller's `answer` statements (and the COMMIT, when finishing), in one
    round trip.

    Rows with a pk go in as they are; the others read theirs back (nothing in the same batch
    may refer to those).
    """
    rows = [*rows, *ctx.later]
    statements = [*before, *(insert_statement(row) for row in rows), *after]
    if ctx.answer is not None:
        statements.extend(ctx.answer(decision))
    if ctx.finish and statements:
        statements.append(COMMIT)
    returned = statements_run(statements)[len(before) :] if statements else []
    for row, ids in zip(rows, returned, strict=False):
        row.pk = ids[0][0] if ids else row.pk
        row._state.adding = False
        row._state.db = DEFAULT_DB_ALIAS
    return decision


def _expiry(rules: RiskRules, at: datetime) -> datetime | None:
    if rules.order_type in (OrderType.GTC, OrderType.GTD) and rules.order_ttl_seconds:
        return at + timedelta(seconds=rules.order_ttl_seconds)
    return None
