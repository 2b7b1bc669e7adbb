"""The pre-trade decision, as a pure function: `decide(snapshot, signal, rules, now)`.

Everything a decision needs is in the `Snapshot` (read under the strategy's risk-state lock
by `hotpath.decisions`); everything it wants written is in the `Decision` it returns (the
decision row, the order intent, the budget hold, state changes and breaker transitions,
which the shell in `risk.engine` applies). No database, no clock, no process state here.

Order of checks (each failure has its reason code; the first failure decides):
  1. strategy mode (STRATEGY_OFF)
  2. global kill switch, then the strategy's trading state; timed pauses that ended are
     lifted first (GLOBAL_KILL_SWITCH, TRADING_HALTED / DRAWDOWN_PAUSED /
     LOSS_STREAK_PAUSED, TRADING_REDUCING); live entries wait for a recent reconciliation
     (NOT_RECONCILED)
  3. market (MARKET_UNKNOWN, MARKET_NOT_ACCEPTING_ORDERS), limit price (PRICE_OFF_TICK)
  4. order book (BOOK_UNAVAILABLE); its mid is recorded, a new tick re-prices
  5. entries: circuit breakers, spread and liquidity observed now (BREAKER_*_OPEN);
     drawdown (DRAWDOWN_PAUSED); entries per minute (ORDER_RATE_EXCEEDED); sizing
     (SIZING_UNAVAILABLE, SIZE_BELOW_MARKET_MIN); notional bounds; exit feasibility;
     exposure and position counts; budgets last
     exits (SELL): something to reduce (NOTHING_TO_REDUCE), the market minimum

HALTED refuses new entries and REDUCING likewise: under both, SELLs of a held position go
through. Breakers, drawdown, exposure and budgets gate entries only: an exit never adds
risk, and getting out must not wait for a calm book.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from ltproject.domain import OrderType, Side, TradingMode
from ltproject.jsontext import jsonable
from ltproject.money import ONE, ZERO, is_valid_price, quantize_pusd

from . import sizing
from .books import Book, MarketInfo
from .portfolio import Holding, Portfolio, drawdown_pct
from .reasons import ReasonCode
from .vocabulary import BreakerKind, BudgetPeriod, SizingMode, TradingState

if TYPE_CHECKING:
    from .models import RiskRules

# The reconcile job runs every minute; a ledger not vouched for in this long halts live entries.
RECONCILED_FOR = timedelta(minutes=5)
# Pauses that the pause machinery set and may lift by itself when paused_until passes.
PAUSE_CODES = (ReasonCode.DRAWDOWN_PAUSED, ReasonCode.LOSS_STREAK_PAUSED)
# Volatility needs a series, not every request's copy of the same book: an unchanged mid is
# recorded at most once per interval.
MID_INTERVAL = timedelta(seconds=1)

# --- budgets --------------------------------------------------------------------------------
# The lock order every writer of lt_budget_windows follows.
PERIOD_ORDER = (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY, BudgetPeriod.MONTHLY)
EXCEEDED_CODE = {
    BudgetPeriod.DAILY: ReasonCode.BUDGET_DAILY_EXCEEDED,
    BudgetPeriod.WEEKLY: ReasonCode.BUDGET_WEEKLY_EXCEEDED,
    BudgetPeriod.MONTHLY: ReasonCode.BUDGET_MONTHLY_EXCEEDED,
}


def window_starts(*, tz: str, at: datetime) -> dict[BudgetPeriod, date]:
    """First day of the day, ISO week and month containing `at` in time zone `tz`."""
    day = at.astimezone(ZoneInfo(tz)).date()
    return {
        BudgetPeriod.DAILY: day,
        BudgetPeriod.WEEKLY: day - timedelta(days=day.weekday()),
        BudgetPeriod.MONTHLY: day.replace(day=1),
    }


def period_limit(rules: RiskRules, period: BudgetPeriod) -> Decimal | None:
    limits: dict[BudgetPeriod, Decimal | None] = {
        BudgetPeriod.DAILY: rules.budget_daily,
        BudgetPeriod.WEEKLY: rules.budget_weekly,
        BudgetPeriod.MONTHLY: rules.budget_monthly,
    }
    return limits[period]


# --- breakers -------------------------------------------------------------------------------
KIND_ORDER = (
    BreakerKind.SPREAD,
    BreakerKind.LIQUIDITY,
    BreakerKind.SLIPPAGE,
    BreakerKind.LATENCY,
    BreakerKind.ERROR_RATE,
)
OPEN_CODE = {
    BreakerKind.SPREAD: ReasonCode.BREAKER_SPREAD_OPEN,
    BreakerKind.LIQUIDITY: ReasonCode.BREAKER_LIQUIDITY_OPEN,
    BreakerKind.SLIPPAGE: ReasonCode.BREAKER_SLIPPAGE_OPEN,
    BreakerKind.LATENCY: ReasonCode.BREAKER_LATENCY_OPEN,
    BreakerKind.ERROR_RATE: ReasonCode.BREAKER_ERROR_RATE_OPEN,
}
BREAKER_OPEN, BREAKER_CLOSED = "open", "closed"  # lt_breakers.state


def breaker_threshold(rules: RiskRules, kind: BreakerKind) -> Decimal | None:
    value = {
        BreakerKind.SPREAD: rules.breaker_max_spread,
        BreakerKind.LIQUIDITY: rules.breaker_min_depth,
        BreakerKind.SLIPPAGE: rules.breaker_max_slippage_bps,
        BreakerKind.LATENCY: rules.breaker_max_latency_ms,
        BreakerKind.ERROR_RATE: rules.breaker_max_error_rate,
    }[kind]
    return None if value is None else Decimal(value)


def is_abnormal(kind: BreakerKind, value: Decimal | None, threshold: Decimal) -> bool:
    """Liquidity trips under its minimum, the others over their maximum; None = unbounded."""
    if value is None:
        return True  # e.g. an empty side of the book: no spread, no depth
    if kind == BreakerKind.LIQUIDITY:
        return value < threshold
    return value > threshold


class BreakerLike(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def resume_after_minutes(self) -> int | None: ...
    @property
    def resume_when_normal(self) -> bool: ...
    @property
    def normal_since(self) -> datetime | None: ...
    @property
    def resume_at(self) -> datetime | None: ...


def resume_due(breaker: BreakerLike, at: datetime) -> bool:
    if breaker.state != BREAKER_OPEN or breaker.resume_after_minutes is None:
        return False
    if breaker.resume_when_normal:
        hold = timedelta(minutes=breaker.resume_after_minutes)
        return breaker.normal_since is not None and at - breaker.normal_since >= hold
    return breaker.resume_at is not None and at >= breaker.resume_at


# --- what a decision reads ------------------------------------------------------------------


class SignalLike(Protocol):
    """The fields of a stored FT signal the decision reads (strategies.models.Signal)."""

    token_id: str
    condition_id: str
    side: str
    price: Decimal
    size: Decimal | None
    max_slippage_bps: int | None


@dataclass(frozen=True)
class StateView:
    """A trading state (lt_risk_state): the strategy's, or the global kill switch."""

    trading_state: str = TradingState.ACTIVE
    reason_code: str = ""
    message: str = ""
    paused_until: datetime | None = None
    reconciled_at: datetime | None = None  # global row only
    equity_peak: Decimal = ZERO
    consecutive_losses: int = 0


@dataclass(frozen=True)
class BreakerView:
    """One circuit breaker (lt_breakers): the strategy's own, or a global one."""

    kind: str
    is_global: bool
    state: str = BREAKER_CLOSED
    tripped_at: datetime | None = None
    resume_at: datetime | None = None
    normal_since: datetime | None = None
    last_value: Decimal | None = None
    threshold: Decimal | None = None
    resume_after_minutes: int | None = None
    resume_when_normal: bool = False


@dataclass(frozen=True)
class PositionView:
    """The strategy's open position in the signal's token (what an exit sells)."""

    id: int
    size: Decimal


@dataclass(frozen=True)
class Snapshot:
    """What one decision reads, as plain values."""

    strategy: str  # its slug, for messages
    mode: str
    global_state: StateView
    state: StateView
    market: MarketInfo | None  # None: LT does not know the token
    portfolio: Portfolio
    book: Book | None = None  # None: no book could be had
    breakers: tuple[BreakerView, ...] = ()
    position: PositionView | None = None
    # reserved + spent in this period's window, for the windows that exist already
    budget_used: Mapping[BudgetPeriod, Decimal] = field(default_factory=dict)
    last_mid: tuple[Decimal, datetime] | None = None  # the newest recorded mid of the token
    mids: tuple[Decimal, ...] = ()  # mids in the sizing lookback, oldest first
    token_events: Mapping[str, tuple[int, str]] = field(default_factory=dict)  # market, event
    entries_last_minute: int = 0  # entry orders accepted in the 60 s before now


# --- what a decision writes -----------------------------------------------------------------


@dataclass(frozen=True)
class PauseLifted:
    """A timed pause whose end has passed: trading again (`scope_global`: the kill switch)."""

    scope_global: bool


@dataclass(frozen=True)
class PeakRaised:
    """The strategy's equity peak, raised to its equity now."""

    peak: Decimal


@dataclass(frozen=True)
class Paused:
    """The strategy halted until `minutes` from now (None: until someone resumes it)."""

    reason_code: ReasonCode
    minutes: int | None
    message: str


@dataclass(frozen=True)
class BreakerTripped:
    kind: BreakerKind
    value: Decimal | None
    threshold: Decimal
    resume_after_minutes: int | None
    resume_when_normal: bool


@dataclass(frozen=True)
class BreakerNormal:
    """The strategy's open breaker of `kind`, which resumes when normal, starts (or
    breaks) its hold period."""

    kind: BreakerKind
    normal: bool
    value: Decimal | None


@dataclass(frozen=True)
class BreakerResumed:
    """An open breaker whose resume is due closes (the strategy's, or a global one)."""

    kind: BreakerKind
    is_global: bool
    how: str


@dataclass(frozen=True)
class TickMoved:
    """The venue moved the market's tick (it does near 0 and 1)."""

    market_id: int
    tick: Decimal


@dataclass(frozen=True)
class MidSeen:
    """A mid price to record (lt_mid_prices)."""

    token_id: str
    mid: Decimal


Effect = (
    PauseLifted | PeakRaised | Paused | BreakerTripped | BreakerNormal | BreakerResumed | TickMoved
)


@dataclass(frozen=True)
class BudgetHold:
    """`amount` held in the window of each budgeted period (start, limit)."""

    amount: Decimal
    windows: tuple[tuple[BudgetPeriod, date, Decimal], ...]
    opening: bool  # some of the windows do not exist yet


@dataclass(frozen=True)
class OrderIntent:
    side: str
    token_id: str
    market_id: int
    price: Decimal
    size: Decimal
    notional: Decimal
    fee: Decimal  # the most the venue can charge the order (see ltproject.fees)
    entry: bool
    order_type: str
    expires_at: datetime | None
    reference_price: Decimal
    position_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome and everything to write with it."""

    reason_code: ReasonCode
    message: str
    checks: dict[str, Any]
    limit_price: Decimal | None
    order: OrderIntent | None = None
    budget: BudgetHold | None = None
    mid: MidSeen | None = None
    effects: tuple[Effect, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.order is not None


# --- the decision ---------------------------------------------------------------------------


def decide(snapshot: Snapshot, signal: SignalLike, rules: RiskRules, now: datetime) -> Decision:
    """Check, size and budget one signal."""
    run = _Run(snapshot, signal, rules, now)
    try:
        run.before_book()
        order, hold = run.from_book()
    except Reject as reject:
        return run.decision(reject.code, reject.message)
    return run.decision(ReasonCode.ACCEPTED, _accepted_message(order), order=order, budget=hold)


def book_wanted(snapshot: Snapshot, signal: SignalLike, rules: RiskRules, now: datetime) -> bool:
    """Whether `decide` would look at the book (no check before it refuses): the shell
    fetches a book only then."""
    try:
        _Run(snapshot, signal, rules, now).before_book()
    except Reject:
        return False
    return True


class Reject(Exception):
    def __init__(self, code: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _accepted_message(order: OrderIntent) -> str:
    return f"{order.side} {order.size} at {order.price} ({order.notional} pUSD)"


class _Run:
    """One decision in progress: what it has found so far and what it will write."""

    def __init__(
        self, snapshot: Snapshot, signal: SignalLike, rules: RiskRules, now: datetime
    ) -> None:
        self.snapshot = snapshot
        self.signal = signal
        self.rules = rules
        self.now = now
        self.entering = signal.side == Side.BUY
        self.checks: dict[str, Any] = {}
        self.effects: list[Effect] = []
        self.state = snapshot.state
        self.market: MarketInfo | None = snapshot.market
        self.portfolio = snapshot.portfolio
        self.mids = snapshot.mids
        self.mid: MidSeen | None = None
        self.limit_price = ZERO

    def note(self, name: str, **values: Any) -> None:
        self.checks[name] = {k: jsonable(v) for k, v in values.items()}

    def decision(
        self,
        code: ReasonCode,
        message: str,
        *,
        order: OrderIntent | None = None,
        budget: BudgetHold | None = None,
    ) -> Decision:
        return Decision(
            reason_code=code,
            message=message,
            checks=self.checks,
            limit_price=self.limit_price or None,
            order=order,
            budget=budget,
            mid=self.mid,
            effects=tuple(self.effects),
        )

    # -- 1-3: before the book --------------------------------------------------------------

    def before_book(self) -> None:
        self.check_mode()
        self.check_states()
        self.check_market()

    def check_mode(self) -> None:
        if self.snapshot.mode == TradingMode.OFF:
            raise Reject(ReasonCode.STRATEGY_OFF, f"strategy {self.snapshot.strategy} is off")

    def check_states(self) -> None:
        glob = self.lifted(self.snapshot.global_state, scope_global=True)
        self.note("global", state=glob.trading_state, reconciled_at=glob.reconciled_at)
        if glob.trading_state != TradingState.ACTIVE and self.entering:
            code = (
                ReasonCode.GLOBAL_KILL_SWITCH
                if glob.trading_state == TradingState.HALTED
                else ReasonCode.TRADING_REDUCING
            )
            raise Reject(code, glob.message or "globally, only reducing orders are allowed")
        if self.entering and self.snapshot.mode == TradingMode.LIVE and not self.reconciled(glob):
            raise Reject(
                ReasonCode.NOT_RECONCILED,
                "live entries wait for a successful reconciliation with the venue",
            )
        state = self.state = self.lifted(self.snapshot.state, scope_global=False)
        self.note(
            "state", state=state.trading_state, reason=state.reason_code, until=state.paused_until
        )
        if state.trading_state == TradingState.HALTED and self.entering:
            paused = state.reason_code in PAUSE_CODES
            message = state.message or "trading is halted"
            if state.paused_until is not None:
                message += f" (until {state.paused_until.isoformat()})"
            code = ReasonCode(state.reason_code) if paused else ReasonCode.TRADING_HALTED
            raise Reject(code, message)
        if state.trading_state == TradingState.REDUCING and self.entering:
            raise Reject(ReasonCode.TRADING_REDUCING, "only orders that reduce a position")

    def lifted(self, state: StateView, *, scope_global: bool) -> StateView:
        """The state once a timed pause whose end has passed is lifted (a strategy's
        drawdown peak and loss streak then start again)."""
        until = state.paused_until
        if state.trading_state != TradingState.HALTED or until is None or until > self.now:
            return state
        self.effects.append(PauseLifted(scope_global=scope_global))
        return replace(
            state,
            trading_state=TradingState.ACTIVE,
            reason_code=ReasonCode.PAUSE_EXPIRED,
            message=f"pause ({state.reason_code}) ended at {until.isoformat()}",
            paused_until=None,
            equity_peak=state.equity_peak if scope_global else ZERO,
            consecutive_losses=state.consecutive_losses if scope_global else 0,
        )

    def reconciled(self, glob: StateView) -> bool:
        """Live entries need a reconciliation recent enough to vouch for the ledger."""
        at = glob.reconciled_at
        return at is not None and self.now - at <= RECONCILED_FOR

    def check_market(self) -> None:
        info = self.market
        signal = self.signal
        if info is None or (signal.condition_id and signal.condition_id != info.condition_id):
            raise Reject(
                ReasonCode.MARKET_UNKNOWN, f"token {signal.token_id} is not a known market"
            )
        self.note(
            "market",
            condition_id=info.condition_id,
            tick=info.tick_size,
            min_size=info.min_order_size,
            event_id=info.event_id,
            neg_risk=info.neg_risk,
        )
        if not info.accepting_orders:
            raise Reject(
                ReasonCode.MARKET_NOT_ACCEPTING_ORDERS, "the market is not accepting orders"
            )
        self.price_limit(info)

    def price_limit(self, info: MarketInfo) -> None:
        """FT's price moved by the allowed slippage onto the market's tick."""
        tick = info.tick_size
        bps = self.rules.order_max_slippage_bps
        if self.signal.max_slippage_bps is not None:
            bps = min(bps, self.signal.max_slippage_bps)
        price = sizing.limit_price(
            side=self.signal.side, reference=self.signal.price, slippage_bps=bps, tick=tick
        )
        self.note("price", reference=self.signal.price, slippage_bps=bps, limit=price)
        if not is_valid_price(price, tick):
            raise Reject(
                ReasonCode.PRICE_OFF_TICK, f"limit {price} is not a valid price on tick {tick}"
            )
        self.limit_price = price

    # -- 4-5: the book and after -----------------------------------------------------------

    def from_book(self) -> tuple[OrderIntent, BudgetHold | None]:
        book = self.check_book()
        if not self.entering:
            return self.size_exit(), None
        self.check_breakers(book)
        self.check_drawdown()
        self.check_order_rate()
        size, notional, fee = self.size_entry()
        self.check_notional_bounds(notional)
        holdings = self.portfolio.holdings
        self.check_exit_liquidity(book, size, holdings)
        self.check_exposure(size, notional, holdings)
        hold = self.check_budgets(notional + fee)
        return self.order(size, notional, fee), hold

    def check_book(self) -> Book:
        info = self.market
        assert info is not None
        book = self.snapshot.book
        if book is None:
            raise Reject(ReasonCode.BOOK_UNAVAILABLE, "no order book for this token")
        if book.tick_size is not None and book.tick_size != info.tick_size:
            # The venue moved the market's tick: price on the new one.
            self.market = info = replace(info, tick_size=book.tick_size)
            self.effects.append(TickMoved(market_id=info.market_id, tick=book.tick_size))
            self.note("tick_change", tick=book.tick_size)
            self.price_limit(info)
        if book.mid is not None and self.mid_new(book.mid):
            self.mid = MidSeen(token_id=book.token_id, mid=book.mid)
            self.portfolio = self.portfolio.at_mid(book.token_id, book.mid)
            self.mids = (*self.mids, book.mid)
        self.note("book", best_bid=book.best_bid, best_ask=book.best_ask, mid=book.mid)
        return book

    def mid_new(self, mid: Decimal) -> bool:
        """Whether `mid` is worth recording: a price, and not the one recorded just now."""
        if not ZERO < mid < ONE:
            return False
        last = self.snapshot.last_mid
        return (
            last is None or last[0] != mid or not timedelta(0) <= self.now - last[1] < MID_INTERVAL
        )

    def check_breakers(self, book: Book) -> None:
        observations = {
            BreakerKind.SPREAD: book.spread,
            BreakerKind.LIQUIDITY: quantize_pusd(book.ask_depth_within(self.limit_price)),
        }
        self.note("breakers", **{str(k): v for k, v in observations.items()})
        breakers = self.breakers_observed(observations)
        still_open = [
            b for b in (self.resumed_if_due(b) for b in breakers) if b.state == BREAKER_OPEN
        ]
        if not still_open:
            return
        still_open.sort(key=lambda b: (not b.is_global, KIND_ORDER.index(BreakerKind(b.kind))))
        first = still_open[0]
        scope = "global" if first.is_global else "strategy"
        since = first.tripped_at.isoformat() if first.tripped_at else "?"
        raise Reject(
            OPEN_CODE[BreakerKind(first.kind)],
            f"{scope} {first.kind} breaker open since {since} "
            f"(input {first.last_value}, threshold {first.threshold})",
        )

    def breakers_observed(
        self, observations: Mapping[BreakerKind, Decimal | None]
    ) -> list[BreakerView]:
        """The breakers after this decision's observations: a closed one over its
        threshold trips; an open one that resumes when normal starts or breaks its hold."""
        rules = self.rules
        rows = {(b.is_global, b.kind): b for b in self.snapshot.breakers}
        for kind, value in observations.items():
            threshold = breaker_threshold(rules, kind)
            if threshold is None:
                continue
            current = rows.get((False, kind))
            abnormal = is_abnormal(kind, value, threshold)
            if abnormal and (current is None or current.state == BREAKER_CLOSED):
                trip = BreakerTripped(
                    kind=kind,
                    value=value,
                    threshold=threshold,
                    resume_after_minutes=rules.breaker_resume_after_minutes,
                    resume_when_normal=rules.breaker_resume_when_normal,
                )
                self.effects.append(trip)
                rows[(False, kind)] = self.tripped(current, trip)
            elif current is not None and current.state == BREAKER_OPEN:
                rows[(False, kind)] = self.normal_noted(current, not abnormal, value)
        return list(rows.values())

    def tripped(self, current: BreakerView | None, trip: BreakerTripped) -> BreakerView:
        minutes = trip.resume_after_minutes
        return BreakerView(
            kind=trip.kind,
            is_global=False,
            state=BREAKER_OPEN,
            tripped_at=self.now,
            resume_at=(
                self.now + timedelta(minutes=minutes)
                if minutes is not None and not trip.resume_when_normal
                else None
            ),
            last_value=None if trip.value is None else trip.value.quantize(Decimal("0.000001")),
            threshold=trip.threshold,
            resume_after_minutes=minutes,
            resume_when_normal=trip.resume_when_normal,
        )

    def normal_noted(
        self, breaker: BreakerView, normal: bool, value: Decimal | None
    ) -> BreakerView:
        if not breaker.resume_when_normal or normal == (breaker.normal_since is not None):
            return breaker
        kind = BreakerKind(breaker.kind)
        self.effects.append(BreakerNormal(kind=kind, normal=normal, value=value))
        return replace(breaker, normal_since=self.now if normal else None)

    def resumed_if_due(self, breaker: BreakerView) -> BreakerView:
        if not resume_due(breaker, self.now):
            return breaker
        how = "back under threshold" if breaker.resume_when_normal else "resume period over"
        kind = BreakerKind(breaker.kind)
        self.effects.append(BreakerResumed(kind=kind, is_global=breaker.is_global, how=how))
        return replace(breaker, state=BREAKER_CLOSED, resume_at=None, normal_since=None)

    def check_drawdown(self) -> None:
        limit = self.rules.max_drawdown_pct
        if limit is None:
            return
        equity = self.portfolio.equity
        peak = max(self.state.equity_peak, equity)
        if peak != self.state.equity_peak:
            self.effects.append(PeakRaised(peak=peak))
        pct = drawdown_pct(peak=peak, equity=equity)
        self.note("drawdown", equity=equity, peak=peak, pct=pct, limit=limit)
        if pct <= limit:
            return
        if self.state.trading_state != TradingState.HALTED:
            self.effects.append(
                Paused(
                    reason_code=ReasonCode.DRAWDOWN_PAUSED,
                    minutes=self.rules.drawdown_pause_minutes,
                    message=f"drawdown {pct}% from peak {peak} (equity {equity}) is over {limit}%",
                )
            )
        raise Reject(
            ReasonCode.DRAWDOWN_PAUSED, f"drawdown {pct}% from peak {peak} is over {limit}%"
        )

    def check_order_rate(self) -> None:
        limit = self.rules.max_orders_per_minute
        if limit is None:
            return
        recent = self.snapshot.entries_last_minute
        self.note("order_rate", last_minute=recent, limit=limit)
        _limit(limit, recent + 1, ReasonCode.ORDER_RATE_EXCEEDED, "entries in a minute")

    def size_entry(self) -> tuple[Decimal, Decimal, Decimal]:
        """(shares, their pUSD at the limit, the most the venue's fee on them can be): the
        sizing target is what the order may spend, fee included."""
        info = self.market
        assert info is not None
        rules = self.rules
        vol = None
        if rules.sizing_mode == SizingMode.VOLATILITY_TARGET and rules.sizing_lookback_minutes:
            vol = sizing.volatility_of(self.mids)
        equity = self.portfolio.equity if rules.sizing_mode == SizingMode.PERCENT_EQUITY else ZERO
        inputs = sizing.SizingInputs(
            ft_size=self.signal.size, limit_price=self.limit_price, equity=equity, realised_vol=vol
        )
        try:
            target = sizing.target_notional(rules, inputs)
        except sizing.SizingUnavailable as error:
            raise Reject(ReasonCode.SIZING_UNAVAILABLE, str(error)) from None
        size = sizing.shares_within(target, self.limit_price, info.fees)
        notional = quantize_pusd(size * self.limit_price)
        fee = info.fees.fee_bound(size, self.limit_price)
        self.note(
            "sizing",
            mode=rules.sizing_mode,
            target=target,
            realised_vol=vol,
            size=size,
            notional=notional,
            fee=fee,
        )
        self.check_min_size(size)
        return size, notional, fee

    def check_min_size(self, size: Decimal) -> None:
        info = self.market
        assert info is not None
        if size < info.min_order_size or size <= 0:
            raise Reject(
                ReasonCode.SIZE_BELOW_MARKET_MIN,
                f"{size} shares is under the market minimum of {info.min_order_size}",
            )

    def check_notional_bounds(self, notional: Decimal) -> None:
        low, high = self.rules.min_order_notional, self.rules.max_order_notional
        if low is not None and notional < low:
            raise Reject(ReasonCode.ORDER_NOTIONAL_BELOW_MIN, f"{notional} pUSD is under {low}")
        if high is not None and notional > high:
            raise Reject(ReasonCode.ORDER_NOTIONAL_ABOVE_MAX, f"{notional} pUSD is over {high}")

    def check_exit_liquidity(
        self, book: Book, size: Decimal, holdings: Mapping[str, Holding]
    ) -> None:
        held = holdings.get(self.signal.token_id)
        position = size + (held.shares if held else ZERO)
        bids = book.bid_shares()
        self.note("exit", position_shares=position, bid_shares=bids)
        if bids < position:
            raise Reject(
                ReasonCode.EXIT_LIQUIDITY_INSUFFICIENT,
                f"bids for {bids} shares could not absorb a position of {position}",
            )

    def check_exposure(
        self, size: Decimal, notional: Decimal, holdings: Mapping[str, Holding]
    ) -> None:
        info = self.market
        assert info is not None
        token = self.signal.token_id
        shares = {t: h.shares for t, h in holdings.items() if h.shares > 0}
        cost = {t: h.cost for t, h in holdings.items() if h.shares > 0}
        new_position = token not in shares
        shares[token] = shares.get(token, ZERO) + size
        cost[token] = cost.get(token, ZERO) + notional
        in_market = [t for t in (token, *info.sibling_token_ids) if t in shares]
        market_exposure = _net_exposure(in_market, shares, cost)
        event_exposure = market_exposure
        if info.event_id and self.rules.max_exposure_per_event is not None:
            event_exposure = self.event_exposure(info, shares, cost)
        self.note(
            "exposure",
            market=market_exposure,
            event=event_exposure,
            positions=len(shares),
            positions_in_market=len(in_market),
        )
        rules = self.rules
        _limit(
            rules.max_exposure_per_market,
            market_exposure,
            ReasonCode.EXPOSURE_MARKET_EXCEEDED,
            "exposure in this market",
        )
        _limit(
            rules.max_exposure_per_event,
            event_exposure,
            ReasonCode.EXPOSURE_EVENT_EXCEEDED,
            "exposure in this event",
        )
        if new_position:
            _limit(
                rules.max_concurrent_positions,
                len(shares),
                ReasonCode.MAX_CONCURRENT_POSITIONS,
                "open positions",
            )
            _limit(
                rules.max_positions_per_market,
                len(in_market),
                ReasonCode.MAX_POSITIONS_PER_MARKET,
                "positions in this market",
            )

    def event_exposure(
        self, info: MarketInfo, shares: dict[str, Decimal], cost: dict[str, Decimal]
    ) -> Decimal:
        """Net exposure summed over the markets of the event (its neg-risk group)."""
        by_market: dict[int, list[str]] = defaultdict(list)
        for token_id, (market_id, event_id) in self.snapshot.token_events.items():
            if token_id in shares and event_id == info.event_id:
                by_market[market_id].append(token_id)
        return sum((_net_exposure(ts, shares, cost) for ts in by_market.values()), ZERO)

    def check_budgets(self, amount: Decimal) -> BudgetHold | None:
        """Every budgeted period's window must have room for `amount` (fee included)."""
        rules = self.rules
        starts = window_starts(tz=rules.budget_timezone, at=self.now)
        used = self.snapshot.budget_used
        windows = []
        for period in PERIOD_ORDER:
            limit = period_limit(rules, period)
            if limit is None:
                continue  # no budget for this period: nothing to hold
            spent = used.get(period, ZERO)
            if quantize_pusd(spent + amount) > limit:
                self.note("budget", period=period.value, limit=limit, used=spent, amount=amount)
                raise Reject(
                    EXCEEDED_CODE[period],
                    f"{period} budget {limit} pUSD: {spent} already reserved or spent, "
                    f"this order needs {amount}",
                )
            windows.append((period, starts[period], limit))
        self.note("budget", reserved=amount, windows=len(windows))
        if not windows:
            return None
        opening = any(period not in used for period, _, _ in windows)
        return BudgetHold(amount=amount, windows=tuple(windows), opening=opening)

    def size_exit(self) -> OrderIntent:
        position = self.snapshot.position
        holding = self.portfolio.holdings.get(self.signal.token_id)
        selling = holding.pending_sell_shares if holding else ZERO
        held = position.size if position else ZERO
        available = held - selling
        self.note("reduce", held=held, pending_sells=selling)
        if position is None or available <= 0:
            raise Reject(
                ReasonCode.NOTHING_TO_REDUCE, "no open position left to sell in this token"
            )
        size = available
        rules = self.rules
        if rules.sizing_mode == SizingMode.FT_PROPORTIONAL and self.signal.size is not None:
            size = min(available, self.signal.size * (rules.sizing_multiplier or 1))
        size = sizing.round_shares(size)
        self.check_min_size(size)
        return self.order(size, quantize_pusd(size * self.limit_price), ZERO, position.id)

    def order(
        self, size: Decimal, notional: Decimal, fee: Decimal, position_id: int | None = None
    ) -> OrderIntent:
        info = self.market
        assert info is not None
        rules = self.rules
        expires_at = None
        if rules.order_type in (OrderType.GTC, OrderType.GTD) and rules.order_ttl_seconds:
            expires_at = self.now + timedelta(seconds=rules.order_ttl_seconds)
        return OrderIntent(
            side=self.signal.side,
            token_id=self.signal.token_id,
            market_id=info.market_id,
            price=self.limit_price,
            size=size,
            notional=notional,
            fee=fee,
            entry=self.entering,
            order_type=rules.order_type,
            expires_at=expires_at,
            reference_price=self.signal.price,
            position_id=position_id,
        )


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
