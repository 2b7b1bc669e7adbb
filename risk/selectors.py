"""Reads of risk state."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from psycopg.adapt import Transformer
from psycopg.errors import InvalidSqlStatementName
from psycopg.pq import ExecStatus

from execution.models import (
    TERMINAL_ORDER_STATUSES,
    MarketToken,
    MidPrice,
    Position,
    PositionStatus,
)
from ltproject.domain import Side
from ltproject.money import ZERO, quantize_pusd
from strategies.models import Strategy

from .models import RiskState

_M = TypeVar("_M", bound=Model)


# --- plain SQL for the intake's hot path ----------------------------------------------------
# Compiling a queryset costs more CPU than the query itself costs PostgreSQL (profiled: about
# a third of a signal's Python time). The intake's reads are fixed, so they are written once
# as SQL and their rows turned into model instances the way the ORM does it (`from_db`).


@cache
def columns_of(model: type[Model], alias: str) -> str:
    """`alias.col, ...` for every concrete field of `model`, the order `instance_from` reads."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


Converter = Callable[[Any, Any, Any], Any]


@cache
def _converters(model: type[Model]) -> tuple[tuple[Any, tuple[Converter, ...]], ...]:
    # The backend's and the field's own converters (SQLite hands back text and floats),
    # exactly the ones a queryset would apply.
    found = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        found.append(
            (col, (*connection.ops.get_db_converters(col), *col.get_db_converters(connection)))
        )
    return tuple(found)


def instance_from(model: type[_M], values: Sequence[Any]) -> _M:
    """A model instance from a row of `columns_of(model, ...)`, as a queryset would build it."""
    db = connections[DEFAULT_DB_ALIAS]
    converted = []
    for (col, converters), value in zip(_converters(model), values, strict=True):
        for convert in converters:
            value = convert(value, col, db)
        converted.append(value)
    return model.from_db(DEFAULT_DB_ALIAS, _attnames(model), converted)


@cache
def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def instances_from(row: Sequence[Any], *models: type[Model]) -> list[Model]:
    """One instance per model from a row that lists `columns_of` each model in turn."""
    found: list[Model] = []
    start = 0
    for model in models:
        end = start + column_count(model)
        found.append(instance_from(model, row[start:end]))
        start = end
    return found


def global_risk_state() -> RiskState:
    """The kill-switch row, created on first use (one row, enforced by a partial unique index)."""
    state, _ = RiskState.objects.get_or_create(is_global=True, defaults={"strategy": None})
    return state


def strategy_risk_state(*, strategy: Strategy) -> RiskState:
    state, _ = RiskState.objects.get_or_create(strategy=strategy)
    return state


Statement = tuple[str, Sequence[Any]]
Rows = list[tuple[Any, ...]]

# Ends the transaction with the statements before it (PostgreSQL only; see `risk_decide`).
COMMIT: Statement = ("COMMIT", ())


def savepoint(verb: str, name: str) -> Statement:
    """`SAVEPOINT name`, `RELEASE SAVEPOINT name` or `ROLLBACK TO SAVEPOINT name`, for a batch."""
    assert verb in ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    assert name.isidentifier()
    return f"{verb} {name}", ()


_TRANSACTION_CONTROL = ("COMMIT", "SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


def statements_run(statements: Sequence[Statement]) -> list[Rows]:
    """Run SQL statements in order, in the caller's transaction; the rows of each.

    On PostgreSQL they go as one multi-statement query: one round trip, and the simple query
    protocol (parameters bound client-side, as Django's psycopg cursor always does). They
    still run one after another in the order given, so locks are taken in that order, and the
    first error aborts the rest and raises. Measured for four small SELECTs: 1.1 ms of CPU one
    by one, 0.4 ms together. Each statement is prepared once per connection (see
    `_session`), so its SQL must be a fixed text: values go in `params`, never into the SQL.
    SQLite takes one statement at a time.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a context-local lookup
    results: list[Rows] = []
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(list(cursor.fetchall()) if cursor.description else [])
            return results
        raw = cursor.cursor  # psycopg's own
        if _preparing(db):
            try:
                cursor.execute(";\n".join(_executes(db, cursor, statements)))
            except ProgrammingError as error:
                if isinstance(error.__cause__, InvalidSqlStatementName):
                    setattr(db, _SESSION, None)  # lost: ask the server again next time
                raise
        else:
            sql = ";\n".join(statement for statement, _ in statements)
            cursor.execute(sql, [param for _, params in statements for param in params])
        while True:
            returned = raw.pgresult is not None and raw.pgresult.status == ExecStatus.TUPLES_OK
            results.append(list(raw.fetchall()) if returned else [])  # `pgresult`: no cost
            if not raw.nextset():
                break
    assert len(results) == len(statements)
    return results


# Parsing and planning the intake's statements cost PostgreSQL more CPU than running them
# (measured: the credential lookup 0.50 ms as plain SQL, 0.08 ms prepared; the state batch
# 1.2 ms, 0.5 ms). So each connection PREPAREs a statement the first time it runs it and
# afterwards sends `EXECUTE name(values)`: still the simple protocol, so batches stay one
# round trip. A prepared statement lives as long as its session and, unlike the transaction
# it was made in, survives a rollback; the names made on each connection are kept beside it
# (`_session`). Only for connections that persist (CONN_MAX_AGE): a new connection per
# request would pay a PREPARE per statement every time. LT_PREPARED_STATEMENTS=false turns it
# off (a pooler in transaction mode, e.g. PgBouncer, hands each transaction another session).
@dataclass
class _Session:
    """What is kept beside one connection: its prepared statements and a quoter."""

    connection: Any  # the psycopg connection they belong to
    names: set[str]
    quote: Callable[[Any], bytes]  # psycopg's `as_literal`, its adapters cached by type
    encoding: str


# The session hangs off Django's connection object (one per thread), not off a module-level
# map keyed by the psycopg connection: the quoter holds that connection, so such a map, weak
# keys and all, kept every thread's connection open after the thread ended — one PostgreSQL
# connection leaked per client connection under runserver.
_SESSION = "lt_prepared_session"


def _preparing(db: BaseDatabaseWrapper) -> bool:
    return bool(settings.LT_PREPARED_STATEMENTS) and db.settings_dict["CONN_MAX_AGE"] != 0


def _executes(db: BaseDatabaseWrapper, cursor: Any, statements: Sequence[Statement]) -> list[str]:
    """The statements as `EXECUTE name(values)` of statements prepared on this connection.

    The values are quoted as psycopg quotes parameters (`as_literal`); writing them into the
    EXECUTE directly spares psycopg parsing the batch for placeholders, which it does afresh
    for every batch of more than 50 parameters (the decision's INSERTs: 8% of a signal's CPU).
    """
    session = _session(db, cursor)
    quote = session.quote
    executes = []
    for sql, params in statements:
        if sql.startswith(_TRANSACTION_CONTROL):
            executes.append(sql)  # not statements PREPARE takes
            continue
        name, prepare = _prepared_form(sql)
        if name not in session.names:
            cursor.execute(prepare)  # no parameters: "%" needs no escaping here
            session.names.add(name)
        if params:
            values = b", ".join(
                quote(v) if (plain := _PLAIN_LITERALS.get(type(v))) is None else plain(v, quote)
                for v in params
            )
            executes.append(f"EXECUTE {name}({values.decode(session.encoding)})")
        else:
            executes.append(f"EXECUTE {name}")
    return executes


Quote = Callable[[Any], bytes]


def _aware_literal(value: datetime, quote: Quote) -> bytes:
    if value.tzinfo is None:
        return quote(value)  # psycopg's, which says it is a `timestamp`
    return b"'" + value.isoformat().encode() + b"'"


# Literals of the types whose text cannot hold a quote or a backslash, written directly:
# psycopg's quoting goes through its adapter machinery value by value (half the cost of
# sending a signal's rows). Quoted values take the type of the prepared statement's
# parameter. Exact types only: anything else (text above all) is quoted by psycopg.
_PLAIN_LITERALS: dict[type, Callable[[Any, Quote], bytes]] = {
    type(None): lambda value, quote: b"NULL",
    bool: lambda value, quote: b"true" if value else b"false",
    int: lambda value, quote: str(value).encode(),  # digits and a sign
    Decimal: lambda value, quote: b"'" + str(value).encode() + b"'",  # digits, sign, ., E
    datetime: _aware_literal,  # ISO 8601 with its offset
    date: lambda value, quote: b"'" + value.isoformat().encode() + b"'",
}


def _session(db: BaseDatabaseWrapper, cursor: Any) -> _Session:
    session: _Session | None = getattr(db, _SESSION, None)
    if session is None or session.connection is not db.connection:
        # The names the server has, not the ones this process made: a session can lose them
        # (DEALLOCATE ALL; psycopg sends one on a rollback once it prepared statements itself).
        cursor.execute("SELECT name FROM pg_prepared_statements")
        names = {name for (name,) in cursor.fetchall()}
        quote = Transformer(db.connection).as_literal
        session = _Session(db.connection, names, quote, db.connection.info.encoding)
        setattr(db, _SESSION, session)
    return session


@lru_cache(maxsize=512)
def _prepared_form(sql: str) -> tuple[str, str]:
    """(name, PREPARE statement) of one statement written with %s placeholders.

    The name is a digest of the SQL, so a statement whose text changes (a new column) is a
    new statement. PostgreSQL infers the parameters' types from where they are used.
    """
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    body = re.sub(r"%%|%s", number, sql)
    name = "lt_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    return name, f"PREPARE {name} AS {body}"


def insert_statement(obj: Model, *, on_conflict: str = "") -> Statement:
    """The INSERT of a new model instance, for `statements_run`: with its pk when it is set
    (drawn beforehand), else returning the new one (no row when `on_conflict`, e.g.
    "(col, col) DO NOTHING", skipped it)."""
    db = connections[DEFAULT_DB_ALIAS]
    with_pk = obj.pk is not None
    sql, fields = _insert_sql(type(obj), with_pk=with_pk, on_conflict=on_conflict)
    if db.vendor != "postgresql":
        return sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    params = []
    for field, attname, plain in _preparers(type(obj), with_pk=with_pk):
        value = getattr(obj, attname)
        if plain is None or not plain(value):
            value = field.get_db_prep_save(field.pre_save(obj, True), db)
        params.append(value)
    return sql, params


def row_insert(obj: Model) -> None:
    """INSERT one new model instance: `obj.save()` without compiling a query.

    Without a pk the new one is read back (RETURNING).
    """
    (rows,) = statements_run([insert_statement(obj)])
    if obj.pk is None:
        obj.pk = rows[0][0]
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


Plain = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)  # CharField.to_python keeps any str


def _exactly(kind: type) -> Plain:
    return lambda value: value is None or type(value) is kind


def _aware(value: Any) -> bool:
    return value is None or (type(value) is datetime and value.tzinfo is not None)


# Which values go to PostgreSQL as they are, per field class: for these Django's
# `get_db_prep_save` returns them unchanged there (a DecimalField's `to_python` makes an
# equal Decimal; the backend adapts neither numbers nor aware datetimes), at a few
# microseconds a field, which adds up over an order's forty columns on every signal. Any
# other value (a naive datetime, a bool for an integer), and any other field (JSON, auto_now
# dates), takes Django's own path.
_PLAIN_VALUES: dict[type[Field[Any, Any]], Plain] = {
    models.CharField: _text,
    models.TextField: _text,
    models.BooleanField: _exactly(bool),
    models.IntegerField: _exactly(int),
    models.BigIntegerField: _exactly(int),
    models.PositiveIntegerField: _exactly(int),
    models.PositiveSmallIntegerField: _exactly(int),
    models.BigAutoField: _exactly(int),
    models.ForeignKey: _exactly(int),
    models.OneToOneField: _exactly(int),
    models.DecimalField: _exactly(Decimal),
}


@cache
def _preparers(
    model: type[Model], *, with_pk: bool
) -> tuple[tuple[Field[Any, Any], str, Plain | None], ...]:
    """(field, attname, which values are sent as they are) per column of `_insert_sql`."""
    _, fields = _insert_sql(model, with_pk=with_pk)
    found = []
    for field in fields:
        plain = _PLAIN_VALUES.get(type(field))
        if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
            plain = _aware
        found.append((field, field.attname, plain))
    return tuple(found)


@cache
def _insert_sql(
    model: type[Model], *, with_pk: bool, on_conflict: str = ""
) -> tuple[str, tuple[Any, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    if on_conflict:
        sql += f" ON CONFLICT {on_conflict}"
    if not with_pk:
        sql += f" RETURNING {quote(meta.pk.column) if meta.pk else 'id'}"
    return sql, fields


@dataclass(frozen=True)
class Holding:
    """What a strategy holds and is buying in one token (open position + live BUY orders)."""

    token_id: str
    shares: Decimal = ZERO
    cost: Decimal = ZERO
    pending_sell_shares: Decimal = ZERO


@dataclass(frozen=True)
class Portfolio:
    """A strategy's money as the risk checks see it (positions of its current mode only)."""

    capital: Decimal
    realised: Decimal
    unrealised: Decimal
    holdings: dict[str, Holding]
    # Tokens of open positions, valued at their last recorded mid: a new mid moves equity.
    marked_at_mid: frozenset[str] = frozenset()

    @property
    def equity(self) -> Decimal:
        """Capital + realised P&L + open positions marked at the mid."""
        return quantize_pusd(self.capital + self.realised + self.unrealised)


# One round trip for what every entry decision needs: open positions with their mark (the
# newest of the last recorded mid and the position's own mark — the minute marking job writes
# the latter — else its cost), the unfilled part of non-final
# orders per token and side, and realised P&L. Raw SQL because it runs on every signal.
# The statuses are written in, not bound: the statement is prepared (see `statements_run`),
# and only then can a generic plan use the partial indexes over open positions
# (lt_positions_one_open_per_token) and open orders (lt_orders_open_by_strategy, which has the
# same list: execution migration 0005), so a read costs what is open, not all history.
_PORTFOLIO_SQL = """
SELECT 'position', p.token_id, p.size, p.cost_basis,
       COALESCE((SELECT m.mid FROM lt_mid_prices m WHERE m.token_id = p.token_id
                   AND (p.marked_at IS NULL OR m.observed_at > p.marked_at)
                 ORDER BY m.observed_at DESC LIMIT 1), p.mark_price, p.avg_cost)
  FROM lt_positions p
 WHERE p.strategy_id = %s AND p.mode = %s AND p.status = '{open}'
   AND p.size > 0
UNION ALL
SELECT o.side, o.token_id, SUM(o.size - o.size_matched),
       SUM((o.size - o.size_matched) * o.price), NULL
  FROM lt_orders o
 WHERE o.strategy_id = %s AND o.mode = %s
   AND o.status NOT IN ({final})
 GROUP BY o.side, o.token_id
UNION ALL
SELECT 'realised', '', COALESCE(SUM(r.realised_pnl), 0), 0, NULL
  FROM lt_positions r
 WHERE r.strategy_id = %s AND r.mode = %s
""".format(
    open=PositionStatus.OPEN.value,
    final=", ".join(f"'{status.value}'" for status in TERMINAL_ORDER_STATUSES),
)


def strategy_portfolio(*, strategy: Strategy) -> Portfolio:
    """Open positions, pending orders and realised P&L of the strategy's current mode, so
    paper results never move a live strategy."""
    with connection.cursor() as cursor:
        cursor.execute(*portfolio_query(strategy=strategy))
        return portfolio_from(strategy=strategy, rows=cursor.fetchall())


def portfolio_query(*, strategy: Strategy) -> Statement:
    """The SQL of `strategy_portfolio`, for a caller that sends it with other statements."""
    who = [strategy.pk, strategy.mode]
    return _PORTFOLIO_SQL, [*who, *who, *who]


def portfolio_from(*, strategy: Strategy, rows: Sequence[Sequence[Any]]) -> Portfolio:
    """`strategy_portfolio` from the rows of `portfolio_query`."""
    shares: dict[str, Decimal] = defaultdict(lambda: ZERO)
    cost: dict[str, Decimal] = defaultdict(lambda: ZERO)
    selling: dict[str, Decimal] = defaultdict(lambda: ZERO)
    marked: set[str] = set()
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
                unrealised += amount * _decimal(price) - paid
                marked.add(token_id)
    holdings = {
        t: Holding(token_id=t, shares=shares[t], cost=cost[t], pending_sell_shares=selling[t])
        for t in set(shares) | set(selling)
    }
    capital: Decimal = strategy.risk_rules.capital
    return Portfolio(
        capital=capital,
        realised=realised,
        unrealised=unrealised,
        holdings=holdings,
        marked_at_mid=frozenset(marked),
    )


def _decimal(value: object) -> Decimal:
    # SQLite hands NUMERIC sums back as float or int; go through str to keep them exact.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def strategy_equity(*, strategy: Strategy) -> Decimal:
    return strategy_portfolio(strategy=strategy).equity


def open_position(*, strategy: Strategy, token_id: str) -> Position | None:
    return Position.objects.filter(
        strategy=strategy, mode=strategy.mode, token_id=token_id, status=PositionStatus.OPEN
    ).first()


def token_markets(token_ids: set[str]) -> dict[str, tuple[int, str]]:
    """token id → (market id, event id) for the tokens LT knows."""
    return {
        token_id: (market_id, event_id)
        for token_id, market_id, event_id in MarketToken.objects.filter(
            token_id__in=token_ids
        ).values_list("token_id", "market_id", "market__event_id")
    }


def realised_volatility(*, token_id: str, since: datetime) -> Decimal | None:
    """Standard deviation of successive mid-price changes since `since`; None under 3 mids."""
    mids = list(
        MidPrice.objects.filter(token_id=token_id, observed_at__gte=since)
        .order_by("observed_at")
        .values_list("mid", flat=True)
    )
    if len(mids) < 3:
        return None
    changes = [b - a for a, b in pairwise(mids)]
    mean = sum(changes, ZERO) / len(changes)
    variance = sum(((c - mean) ** 2 for c in changes), ZERO) / len(changes)
    return variance.sqrt()
