"""Transaction helpers shared by every app."""

from __future__ import annotations

import functools
import importlib
import weakref
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ParamSpec

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

P = ParamSpec("P")


def on_commit(func: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """Run `func(*args, **kwargs)` after the current transaction commits (now if none is open).

    Robust: a failing callback is logged and does not stop the others (the transaction has
    already committed; what must not be lost goes through an outbox row instead).
    """
    callback = partial(func, *args, **kwargs)
    callback.__qualname__ = getattr(func, "__qualname__", repr(func))  # type: ignore[attr-defined]
    transaction.on_commit(callback, robust=True)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def sql_file(app: str, name: str) -> str:
    """The text of `<app>/sql/<name>`: an app's database functions live in its own `.sql` files,
    which its migrations load (docs/architecture.md, "Database functions")."""
    package = importlib.import_module(app)
    assert package.__file__ is not None
    return (Path(package.__file__).parent / "sql" / name).read_text(encoding="utf-8")


# --- Hot-path SQL ----------------------------------------------------------------------------
# The ORM compiles every query again on each call (about half a millisecond of CPU for a select
# with a join). The few statements a busy path runs hundreds of times a second (the live chat's
# send) are written once here instead, as plain SQL over the models' own tables and columns,
# while values go through the fields' own conversions both ways, exactly as the ORM does, so
# that either database reads and writes the same rows.


def columns(model: type[Model], alias: str) -> str:
    """`alias.col1, alias.col2, …`: every concrete column of `model`, in field order (the order
    `rows_as` reads them back in)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(_column(f))}" for f in model._meta.concrete_fields)


def _column(field: Any) -> str:
    column: str | None = field.column
    assert column is not None  # concrete fields have one
    return column


@functools.cache
def _read_plan(model: type[Model], vendor: str) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    """The attribute names of `model`'s concrete fields and, per field, its column expression
    with the converters the ORM applies to what the database returns."""
    attnames, converters = [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        attnames.append(field.attname)
        converters.append(
            (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        )
    return attnames, converters


def rows_as(sql: str, params: Sequence[Any], *models: type[Model]) -> list[tuple[Model, ...]]:
    """Run `sql`, which selects `columns(model, …)` of each of `models` in turn, and return each
    row as model instances (what `Model.objects.filter(…)` would return for those columns)."""
    plans = [(model, *_read_plan(model, connection.vendor)) for model in models]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    found = []
    for row in fetched:
        instances, start = [], 0
        for model, attnames, converters in plans:
            values = []
            for offset, (col, convert) in enumerate(converters):
                value = row[start + offset]
                for converter in convert:
                    value = converter(value, col, connection)
                values.append(value)
            start += len(converters)
            instances.append(model.from_db(connection.alias, attnames, values))
        found.append(tuple(instances))
    return found


@functools.cache
def _insert_sql(model: type[Model], vendor: str) -> tuple[str, list[Any]]:
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if f is not pk]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(_column(f)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(_column(pk))}"
    )
    return sql, fields


def insert(obj: Model) -> None:
    """`obj.save()` for a new row of a model without save signals or overrides: one INSERT …
    RETURNING its key, with the values the ORM would write."""
    sql, fields = _insert_sql(type(obj), connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    assert row is not None
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias


# --- Database functions on PostgreSQL ---------------------------------------------------------
# A few commands run as one call to a database function of their app (the P2P transfer, the
# live chat's send). The call goes through a server-side prepared statement on Django's own
# connection, which Django's client-side binding cursors never use.

# Django opens its connections with prepare_threshold=None, which turns server-side prepared
# statements off altogether (prepare=True included). Django's own cursors bind on the client and
# never prepare, so a threshold no statement reaches leaves them as they are and lets a call be
# prepared when it asks.
_PREPARE_ONLY_WHEN_ASKED = 2**31 - 1

# One cursor per database connection, reused: creating and closing a psycopg cursor costs about
# 25 µs of Python, a third of the call itself. Keyed weakly, so a closed and replaced connection
# takes its cursor with it.
_cursors: weakref.WeakKeyDictionary[psycopg.Connection[Any], psycopg.Cursor[Any]] = (
    weakref.WeakKeyDictionary()
)


def prepared_cursor(database: BaseDatabaseWrapper) -> psycopg.Cursor[Any]:
    """A psycopg cursor on `database`'s connection (PostgreSQL) for `execute(sql, params,
    prepare=True)`: the statement is prepared once per connection. Run it inside
    `database.wrap_database_errors`, so that errors are django.db's as for any query."""
    database.ensure_connection()
    raw = database.connection
    cursor = _cursors.get(raw)
    if cursor is None or cursor.closed:
        if raw.prepare_threshold is None:
            raw.prepare_threshold = _PREPARE_ONLY_WHEN_ASKED
        cursor = _cursors[raw] = psycopg.Cursor(raw)
    return cursor


def _call_prepared(
    database: BaseDatabaseWrapper, sql: str, params: Sequence[Any]
) -> tuple[Any, ...]:
    with database.wrap_database_errors:
        cursor = prepared_cursor(database)
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def call_database_function(sql: str, params: Sequence[Any]) -> tuple[Any, ...]:
    """The one row of `sql`, a call to a database function, through a prepared statement.
    Outside a transaction the one statement is its own (no BEGIN and COMMIT round trips); inside
    one it runs in a savepoint, so a failed call leaves the caller's transaction usable."""
    database = connections[DEFAULT_DB_ALIAS]
    if database.in_atomic_block:
        with transaction.atomic():
            return _call_prepared(database, sql, params)
    return _call_prepared(database, sql, params)
