"""Set-based inserts of many rows of one model on PostgreSQL: every column an array, one
``INSERT … SELECT … FROM unnest(…)`` statement with server-side (binary) binding, ids
returned in row order. ``bulk_create`` renders every value into the SQL text and builds a
model instance per row; for the 100,000 payouts of a batch build that costs more than the
database's work. On another database (SQLite in development) it falls back to
``bulk_create``, so callers have one code path."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.db import connection, models
from django.db.models import Case, Value, When
from django.db.models.base import ModelState
from django.utils import timezone


def rows_insert(model: type[models.Model], columns: dict[str, Sequence]) -> list[int]:
    """Insert ``len(any column)`` rows of ``model``; ``columns`` maps field attnames
    (``batch_id``, ``amount_minor``, ...) to one value per row. Every other concrete field
    takes its Python default (called per row when callable, ``auto_now``/``auto_now_add`` the
    time of the call, else NULL): the same row ``Model(...).save()`` would write. Returns the
    new primary keys in row order."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError("Every column needs one value per row.")
    (count,) = lengths
    if count == 0:
        return []
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(columns) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"Unknown columns of {model.__name__}: {sorted(unknown)}")
    values: dict[str, list] = {}
    for field in fields:
        if field.attname in columns:
            values[field.attname] = list(columns[field.attname])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.attname] = [now] * count
        elif field.has_default() and callable(field.default):
            values[field.attname] = [field.default() for _ in range(count)]
        else:
            values[field.attname] = [field.get_default()] * count
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create(
            [model(**{name: column[i] for name, column in values.items()}) for i in range(count)],
            batch_size=1000,
        )
        return [row.pk for row in made]
    names, selects, scalars, arrays, aliases = [], [], [], [], []
    for field in fields:
        column = values[field.attname]
        names.append(connection.ops.quote_name(field.column))
        db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
        first = column[0]
        if all(value is None for value in column):
            selects.append(f"NULL::{db_type}")
        elif all(value == first for value in column):  # one parameter, not an array
            selects.append(f"%b::{db_type}")
            scalars.append(field.get_db_prep_save(first, connection))
        else:  # unnested side by side with the other arrays: one element a row
            alias = f"c{len(arrays)}"
            selects.append(f"u.{alias}")
            aliases.append((f"%b::{db_type}[]", alias))
            arrays.append(column)
    if arrays:
        source = (
            f"unnest({', '.join(a for a, _ in aliases)}) WITH ORDINALITY "
            f"AS u({', '.join(n for _, n in aliases)}, n)"
        )
    else:
        source = "generate_series(1, %b::integer) AS u(n)"
        arrays.append(count)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    # Only quoted identifiers and "%b::type" placeholders go into the text; every value is a
    # parameter. ORDER BY the ordinality: rows go in, and ids come back, in row order.
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(selects)} "  # noqa: S608
        f"FROM {source} ORDER BY u.n RETURNING {pk}"
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, scalars + arrays)
        return [row[0] for row in cursor.fetchall()]


def rows_update(model: type[models.Model], attname: str, values: dict[int, object]) -> int:
    """Set ``attname`` of each row (primary key → value) in one ``UPDATE … FROM unnest(…)``
    on PostgreSQL (``UPDATE … SET = CASE`` per 500 rows elsewhere). Returns the rows
    changed."""
    if not values:
        return 0
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    if connection.vendor != "postgresql":  # one UPDATE … CASE per 500 rows
        items = list(values.items())
        changed = 0
        for start in range(0, len(items), 500):
            page = items[start : start + 500]
            case = Case(
                *[When(pk=pk, then=Value(value)) for pk, value in page],
                output_field=field.target_field if field.is_relation else field,
            )
            changed += model.objects.filter(pk__in=[pk for pk, _ in page]).update(**{attname: case})
        return changed
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    pk = model._meta.pk
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    pk_column = connection.ops.quote_name(pk.column)
    sql = (
        f"UPDATE {table} SET {column} = u.v FROM unnest(%b::{pk.db_type(connection)}[], "  # noqa: S608
        f"%b::{db_type}[]) AS u(k, v) WHERE {table}.{pk_column} = u.k"
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [list(values), list(values.values())])
        return cursor.rowcount


def instances_from_rows(
    model: type[models.Model], attnames: Sequence[str], rows, *, db: str = "default"
) -> list:
    """Model instances from ``rows`` of values for ``attnames`` (``values_list`` tuples, or
    values known without a read), every other field deferred and read on first access like
    any deferred field: what ``Model.from_db`` builds, without the per-field ``__init__``
    (which costs more than the query for the 100,000 rows of a batch build)."""
    attnames = tuple(attnames)
    if model._meta.pk.attname not in attnames:
        raise ValueError("The primary key must be among the fields.")
    new = model.__new__
    result = []
    for row in rows:
        instance = new(model)
        instance.__dict__.update(zip(attnames, row, strict=True))
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        result.append(instance)
    return result
