"""Inserting many rows at once for bulk writers (order generation), without building a model
instance per row.

Django's bulk_create prepares every value of every instance through the field machinery and,
on SQLite, sends at most 999 parameters a statement; for hundreds of thousands of rows that
costs several times what the database spends. `insert_rows` adapts each column once per type
and sends multi-row INSERTs of up to ~30,000 parameters, with `RETURNING` (SQLite 3.35+ and
PostgreSQL) when the caller needs the new ids; on SQLite the statements go to the driver's own
cursor in its native `?` style (Django's cursor rewrites every `%s` of a statement with a regular
expression, and its query log would hold megabytes). Rows are plain tuples in the order of `fields`
(attribute names, such as `order_id`); nothing here runs model validation or signals, so the
caller owns what it writes (defaults, auto_now timestamps, constraints it must respect).
"""

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, models

MAX_PARAMETERS = 30_000  # below SQLite's 32,766 and PostgreSQL's 65,535


def _sqlite_instant(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware instant (naive UTC, str()), in one
    step: its own adapter checks the time zone setting and awareness for every value."""
    if value.tzinfo is None:
        raise ValueError(f"{value!r} is a naive datetime; bulk writers store instants")
    return str(value.astimezone(UTC).replace(tzinfo=None))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a bulk writer holds a batch of rows. Each batch keeps
    hundreds of thousands of young objects alive until its INSERTs, so the collector would
    traverse them again and again for nothing (a tenth of generation's time); a batch is
    bounded, and whatever cycles it leaves are collected once the collector is back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _remembered(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` computed once per distinct value (bulk rows share most of their instants and
    dates: the stamp of the run, a visit's times)."""
    seen: dict[Any, Any] = {}

    def adapted(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            found = seen[value] = adapt(value)
        return found

    return adapted


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return _remembered(_sqlite_instant)
        return _remembered(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return _remembered(ops.adapt_datefield_value)
    if kind == "TimeField":
        return _remembered(ops.adapt_timefield_value)
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: str | None = None,
) -> list[Any]:
    """Insert the rows; with `returning` (the name of any field), answer the new ids in the
    order of the rows. PostgreSQL gets them through COPY (ids drawn from the table's sequence
    first), SQLite through multi-row INSERTs (with RETURNING, matched on that field's values,
    which must then be unique among the rows)."""
    rows = list(rows)
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_rows(model, fields, rows, with_ids=returning is not None)
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    adapters = [(i, a) for i, a in enumerate(map(_adapter, columns)) if a is not None]
    head = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(column.column) for column in columns)}) VALUES "
    )
    placeholder = "(" + ", ".join(["?"] * len(columns)) + ")"
    tail = ""
    key_index = None
    if returning is not None:
        key_index = list(fields).index(returning)
        tail = f" RETURNING {quote(meta.pk.column)}, {quote(meta.get_field(returning).column)}"
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    statements: dict[int, str] = {}  # by the number of rows
    ids_by_key: dict[Any, Any] = {}
    connection.ensure_connection()
    # The driver's cursor takes `?` parameters as they are; errors still reach callers as
    # Django's (an IntegrityError is what generation retries on).
    with closing(connection.connection.cursor()) as cursor, connection.wrap_database_errors:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                if adapters:
                    row = list(row)
                    for index, adapt in adapters:
                        if row[index] is not None:
                            row[index] = adapt(row[index])
                params.extend(row)
            statement = statements.get(len(chunk))
            if statement is None:
                statement = statements[len(chunk)] = (
                    head + ", ".join([placeholder] * len(chunk)) + tail
                )
            cursor.execute(statement, params)
            if returning is not None:
                ids_by_key.update((key, pk) for pk, key in cursor.fetchall())
    if key_index is None:
        return []
    return [ids_by_key[row[key_index]] for row in rows]


def _copy_rows(model: type[models.Model], fields: Sequence[str], rows: list, *, with_ids: bool):
    """COPY on PostgreSQL: the driver streams the rows, adapting each value by its Python type
    (a client-side INSERT of thousands of literals costs more to build and to parse)."""
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name).column for name in fields]
    json_columns = [
        index
        for index, name in enumerate(fields)
        if meta.get_field(name).get_internal_type() == "JSONField"
    ]
    if json_columns:
        from psycopg.types.json import Jsonb

        rows = [list(row) for row in rows]
        for row in rows:
            for index in json_columns:
                row[index] = Jsonb(row[index])
    table = quote(meta.db_table)
    ids: list[Any] = []
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [meta.pk.column, *columns]
            rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        statement = f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


def update_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Set different values on many rows: each row is (pk, *values of `fields`). Django's
    bulk_update builds a CASE per field and costs seconds per thousand rows; this sends one
    `UPDATE … FROM (VALUES …)` per chunk on PostgreSQL and the driver's executemany on SQLite.
    Values go through the same adapters as `insert_rows`; no signals, no auto_now."""
    rows = list(rows)
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    adapters = [(i + 1, a) for i, a in enumerate(map(_adapter, columns)) if a is not None]
    if adapters:
        adapted = []
        for row in rows:
            row = list(row)
            for index, adapt in adapters:
                if row[index] is not None:
                    row[index] = adapt(row[index])
            adapted.append(row)
        rows = adapted
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        types = [meta.pk.db_type(connection), *(c.db_type(connection) for c in columns)]
        placeholder = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
        names = ", ".join(["id", *(f"c{i}" for i in range(len(columns)))])
        assignments = ", ".join(f"{quote(c.column)} = v.c{i}" for i, c in enumerate(columns))
        per_statement = max(1, MAX_PARAMETERS // (len(columns) + 1))
        with connection.cursor() as cursor:
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM (VALUES "
                    + ", ".join([placeholder] * len(chunk))
                    + f") AS v({names}) WHERE {table}.{pk} = v.id",
                    [value for row in chunk for value in row],
                )
        return
    statement = (
        f"UPDATE {table} SET "
        + ", ".join(f"{quote(c.column)} = ?" for c in columns)
        + f" WHERE {pk} = ?"
    )
    with closing(connection.connection.cursor()) as cursor, connection.wrap_database_errors:
        cursor.executemany(statement, [(*row[1:], row[0]) for row in rows])


class Table:
    """A model's columns for `insert_rows`: every concrete field but the id, each row built
    from the field defaults (auto_now and auto_now_add stamped with `now`) and the values
    given. Rows are kept as dicts (a merge in C) and turned into tuples once, at the insert."""

    def __init__(self, model: type[models.Model], *, now) -> None:
        self.model = model
        concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.fields = [f.attname for f in concrete]
        self._known = frozenset(self.fields)
        self._values = itemgetter(*self.fields)
        self._defaults = {
            f.attname: now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in concrete
        }
        self.rows: list[dict[str, Any]] = []

    def add(self, **values: Any) -> None:
        if not values.keys() <= self._known:
            unknown = sorted(values.keys() - self._known)
            raise TypeError(f"{self.model.__name__} has no columns {unknown}")
        self.rows.append({**self._defaults, **values})

    def insert(self, *, returning: str | None = None) -> list[Any]:
        rows = [self._values(row) for row in self.rows]
        if len(self.fields) == 1:
            rows = [(value,) for value in rows]
        ids = insert_rows(self.model, self.fields, rows, returning=returning)
        self.rows = []
        return ids
