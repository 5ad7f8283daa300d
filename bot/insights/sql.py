"""The bits of SQL that SQLite and PostgreSQL spell differently, as SQL constructs.

Timestamps are stored as naive UTC (models.base.UTCDateTime): TEXT on SQLite, ``timestamp
without time zone`` on PostgreSQL. Each construct below compiles to the native spelling, so a
metric query is written once and still aggregates inside the database on both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class hours_between(FunctionElement[float]):
    """``hours_between(start, end)``: (end - start) in hours, fractional; NULL if either is."""

    type = sa.Float()
    name = "hours_between"
    inherit_cache = True


class greatest(FunctionElement[Any]):
    """``greatest(a, b)``: the larger of two non-NULL values (SQLite's two-argument max())."""

    name = "greatest"
    inherit_cache = True


class bytewise(FunctionElement[Any]):
    """``bytewise(text)``: the text, compared and sorted byte by byte.

    For sort keys that only need to bring equal values together (window partitions, the order
    of a pair's two ids): PostgreSQL sorts text by the database's collation otherwise, several
    times slower than comparing bytes; SQLite's default collation already compares bytes.
    Equality is the same either way, so the results are too.
    """

    type = sa.String()
    name = "bytewise"
    inherit_cache = True


class month_of(FunctionElement[Any]):
    """``month_of(ts)``: a key for the UTC calendar month of a timestamp, to group by: the text
    ``'YYYY-MM'`` on SQLite, the month's first instant on PostgreSQL (``date_trunc`` is cheaper
    there than formatting every row). :func:`month_start` reads either; NULL stays NULL."""

    type = sa.types.NullType()
    name = "month_of"
    inherit_cache = True


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_postgresql(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _arguments(element, compiler, **kw)
    return f"(EXTRACT(EPOCH FROM ({end}) - ({start})) / 3600.0)"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({', '.join(_arguments(element, compiler, **kw))})"


@compiles(greatest, "postgresql")
def _greatest_postgresql(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({', '.join(_arguments(element, compiler, **kw))})"


@compiles(bytewise, "sqlite")
def _bytewise_sqlite(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _arguments(element, compiler, **kw)
    return value


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _arguments(element, compiler, **kw)
    return f'({value} COLLATE "C")'


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as ISO text ("2026-11-02 09:00:00.000000"), so the
    # month is the first seven characters: several times cheaper than strftime per row.
    (value,) = _arguments(element, compiler, **kw)
    return f"substr({value}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _arguments(element, compiler, **kw)
    return f"date_trunc('month', {value})"


def month_start(key: object) -> date:
    """The first day of the month a :class:`month_of` key names."""
    if isinstance(key, datetime | date):
        return date(key.year, key.month, 1)
    year, month = str(key).split("-")[:2]
    return date(int(year), int(month), 1)


@compiles(hours_between)
@compiles(greatest)
@compiles(bytewise)
@compiles(month_of)
def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise sa.exc.CompileError(
        f"{element.name} is written for SQLite and PostgreSQL, not {compiler.dialect.name}"
    )
