"""Medians and 90th percentiles computed where the rows are.

On PostgreSQL the rows are first counted by value (working days take few values), then each
group's running totals over those counts find the values either side of the median and the
90th percentile, interpolated below as `percentile_cont` does: the same numbers as sorting
every row of every group, for the price of one hash aggregate. On SQLite (the embedded
default) the values are read and the same interpolation is done in Python. Both give the
same numbers (tests/insight)."""

from collections import defaultdict
from dataclasses import dataclass
from math import floor
from statistics import quantiles

from django.db import connection
from django.db.models import F

from .calendar import kept_days_sql, working_days_sql

FRACTIONS = (0.5, 0.9)
# For each fraction f, the values at the 0-based positions floor and ceil of f * (n - 1) in
# the group's sorted values: the smallest value whose running total passes the position.
# float8 as percentile_cont computes the position.
_EITHER_SIDE = ", ".join(
    f"MIN(val) FILTER (WHERE upto > {side}({f}::float8 * (total - 1)))"
    for f in FRACTIONS
    for side in ("FLOOR", "CEIL")
)
# Fixed names and numbers only; the parts' SQL is the ORM's own (insight.calendar).
MEASURES = (
    "WITH h AS (SELECT part, grp, val, SUM(n)::bigint AS n FROM ({union}) m "  # noqa: S608
    "GROUP BY part, grp, val), "
    "c AS (SELECT part, grp, val, "
    "SUM(n) OVER (PARTITION BY part, grp ORDER BY val)::bigint AS upto, "
    "SUM(n) OVER (PARTITION BY part, grp)::bigint AS total FROM h) "
    f"SELECT part, grp, MAX(total), {_EITHER_SIDE} FROM c "
    "GROUP BY part, grp ORDER BY part, grp"
)


def interpolate(fraction: float, count: int, lower, upper) -> float:
    """percentile_cont's value from the values at the floor and ceil of its position."""
    position = fraction * (count - 1)
    return float(lower) + (float(upper) - float(lower)) * (position - floor(position))


@dataclass(frozen=True)
class Spread:
    group: object
    count: int
    median: float | None
    p90: float | None


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    cuts = quantiles(sorted(values), n=100, method="inclusive")
    # quantiles gives the 1st..99th percentiles; 0.5 -> index 49, 0.9 -> index 89.
    return float(cuts[round(fraction * 100) - 1])


def spreads(queryset, start, end, group=None) -> list[Spread]:
    """Count, median and 90th percentile of the working days from `start` to `end` over the
    queryset's rows (insight.calendar.working_days_sql), grouped by the `group` expression
    when given (one Spread per group, in group order)."""
    return spreads_each([(queryset, start, end)], group)[0]


def spreads_each(parts, group=None) -> list[list[Spread]]:
    """spreads() of several parts in one query: one list each."""
    return spreads_run(spreads_plan(parts, group))


def spreads_plan(parts, group=None) -> tuple[str, list, list]:
    """The one statement spreads_each() runs, its parameters and each part's converter of
    group values: worked out without the database, so a page may keep it (insight.plans).

    A part is (queryset, start, end), working days counted through the calendar, or
    (queryset, days), working days the rows keep (insight.calendar.kept_days_sql)."""
    selects, params, converts = [], [], []
    for n, part in enumerate(parts):
        if len(part) == 3:
            sql, part_params, convert = working_days_sql(*part, group)
        else:
            sql, part_params, convert = kept_days_sql(*part, group)
        selects.append(f"SELECT {n} AS part, grp, val, n FROM ({sql}) p{n}")  # noqa: S608
        params += part_params
        converts.append(convert)
    union = " UNION ALL ".join(selects)
    if connection.vendor == "postgresql":
        union = MEASURES.format(union=union)
    return union, params, converts


def spreads_run(plan) -> list[list[Spread]]:
    """spreads_each()'s answer from its spreads_plan()."""
    sql, params, converts = plan
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        found = [[] for _part in converts]
        # interpolate() written out: the organisations figure reads about 400 groups.
        for part, value, count, low50, high50, low90, high90 in rows:
            at50, at90 = 0.5 * (count - 1), 0.9 * (count - 1)
            low50, low90 = float(low50), float(low90)
            found[part].append(
                Spread(
                    converts[part](value),
                    count,
                    low50 + (float(high50) - low50) * (at50 - floor(at50)),
                    low90 + (float(high90) - low90) * (at90 - floor(at90)),
                )
            )
        return found
    grouped = [defaultdict(list) for _part in converts]
    for part, value, days, n in rows:
        grouped[part][converts[part](value)].extend([days] * n)
    return [
        [
            Spread(key, len(values), percentile(values, 0.5), percentile(values, 0.9))
            for key, values in sorted(by_group.items(), key=lambda item: _sort_key(item[0]))
        ]
        for by_group in grouped
    ]


def _sort_key(value):
    return (value is None, value)


def compiled(queryset) -> tuple[str, list]:
    """The queryset's SQL and parameters, as the ORM would run them."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


def fetch_all(plan: tuple[str, list]) -> list[tuple]:
    """The rows of a (sql, params) statement, as the database gives them."""
    sql, params = plan
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_dict(plan: tuple[str, list]) -> dict:
    """{first column: second} of a (sql, params) statement's rows."""
    return dict(fetch_all(plan))


def tally(queryset, column: str) -> dict:
    """{value: rows} of one selected column of the queryset, counted in the database over
    the query's own result (so `column` may itself be an aggregate, as a proposal's number
    of rounds is)."""
    return fetch_dict(tally_plan(queryset, column))


def tally_plan(queryset, column: str) -> tuple[str, list]:
    sql, params = compiled(queryset.order_by().values(column))
    column = connection.ops.quote_name(column)
    return f"SELECT t.{column}, COUNT(*) FROM ({sql}) t GROUP BY t.{column}", params  # noqa: S608


def tally_elements(queryset, field: str) -> dict:
    """{element: rows} over a JSON list field: how many of the queryset's rows name each
    element (a row naming one twice counts once), unnested in the database."""
    return fetch_dict(tally_elements_plan(queryset, field))


def tally_elements_plan(queryset, field: str) -> tuple[str, list]:
    inner = queryset.order_by().annotate(_row=F("pk"), _list=F(field)).values("_row", "_list")
    sql, params = compiled(inner)
    if connection.vendor == "postgresql":
        elements = (
            "jsonb_array_elements_text(CASE WHEN jsonb_typeof(t._list) = 'array' "
            "THEN t._list ELSE '[]'::jsonb END) AS j(value)"
        )
        join = "CROSS JOIN LATERAL"
    else:
        elements = "json_each(CASE WHEN json_type(t._list) = 'array' THEN t._list ELSE '[]' END) j"
        join = ","
    unnested = f"SELECT j.value, COUNT(DISTINCT t._row) FROM ({sql}) t {join} {elements}"  # noqa: S608
    return unnested + " GROUP BY j.value", params
