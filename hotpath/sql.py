"""The hot path's SQL machinery: statements in one round trip, prepared once per connection,
rows turned into model instances without compiling a queryset.

Why it exists is said once, in `hotpath/__init__.py`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from psycopg.adapt import Transformer
from psycopg.errors import InvalidSqlStatementName
from psycopg.pq import ExecStatus

_M = TypeVar("_M", bound=Model)


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
