"""Medians and 90th percentiles computed where the rows are.

On PostgreSQL `percentile_cont` does it in the query, grouped however the figure groups
(a quarter, an organisation); on SQLite (the embedded default) the values are read and the
same interpolation is done in Python. Both give the same numbers (tests/insight)."""

from collections import defaultdict
from dataclasses import dataclass
from statistics import quantiles

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: linear interpolation between the two nearest
    values, as statistics.quantiles(method="inclusive") does."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        # A literal the code chooses (0.5, 0.9), never user input.
        super().__init__(expression, fraction=float(fraction), **extra)


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


def spreads(queryset, value, group=None) -> list[Spread]:
    """Count, median and 90th percentile of `value` (an expression) over the queryset,
    grouped by the `group` expression when given (one Spread per group, in group order)."""
    queryset = queryset.order_by().annotate(_value=value)
    if group is not None:
        queryset = queryset.annotate(_group=F(group) if isinstance(group, str) else group)
    if connection.vendor == "postgresql":
        measures = {
            "_count": Count("pk"),
            "_median": PercentileCont("_value", 0.5),
            "_p90": PercentileCont("_value", 0.9),
        }
        if group is None:
            rows = [queryset.aggregate(**measures)]
        else:
            rows = queryset.values("_group").annotate(**measures).order_by("_group")
        return [
            Spread(row.get("_group"), row["_count"], row["_median"], row["_p90"])
            for row in rows
            if row["_count"]
        ]
    grouped: dict[object, list[float]] = defaultdict(list)
    fields = ["_value", "_group"] if group is not None else ["_value"]
    for row in queryset.values_list(*fields):
        grouped[row[1] if group is not None else None].append(row[0])
    return [
        Spread(key, len(values), percentile(values, 0.5), percentile(values, 0.9))
        for key, values in sorted(grouped.items(), key=lambda item: _sort_key(item[0]))
    ]


def _sort_key(value):
    return (value is None, value)
