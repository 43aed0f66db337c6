"""The calendar table that lets the database count working days (insight.models.CalendarDay).

It is filled on first use from the same `holidays` calendar that sharing_requests.workdays
uses, from FIRST_DAY to the end of the year YEARS_AHEAD years from now, and extended when a
later date is asked for. Every index counts from FIRST_DAY, so filling more years never
changes the rows already there."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import (
    DateField,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from sharing_requests.workdays import is_working_day

from .models import CalendarDay

FIRST_DAY = date(2015, 1, 1)
YEARS_AHEAD = 5


def calendar_ensure(until: date) -> None:
    """Make sure the table holds every day from FIRST_DAY to `until` (filling up to the end
    of the year YEARS_AHEAD years later): one primary-key lookup when it does already.
    Idempotent, so concurrent fills insert the same rows."""
    if CalendarDay.objects.filter(day=until).exists():
        return
    last = CalendarDay.objects.order_by("-day").values_list("day", flat=True).first()
    _calendar_fill(last, date(until.year + YEARS_AHEAD, 12, 31))


def _calendar_fill(last: date | None, until: date) -> None:
    if last is None:
        day, index = FIRST_DAY, 0
    else:
        day = last + timedelta(days=1)
        index = CalendarDay.objects.get(day=last).working_index
    rows = []
    while day <= until:
        working = is_working_day(day)
        index += int(working)
        rows.append(CalendarDay(day=day, is_working=working, working_index=index))
        day += timedelta(days=1)
    with transaction.atomic():
        CalendarDay.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def working_index(day_expression):
    """The working-day index of a date (or of a datetime's local date) in SQL."""
    if not isinstance(day_expression, Value):
        day_expression = TruncDate(day_expression)
    return Coalesce(
        Subquery(CalendarDay.objects.filter(day=day_expression).values("working_index")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def working_days(start, end):
    """Working days after `start` up to and including `end`, as an SQL expression: `start`
    and `end` are field names or expressions of datetimes, or dates wrapped in day()."""
    return working_index(_resolve(end)) - working_index(_resolve(start))


def day(value: date) -> Value:
    return Value(value, output_field=DateField())


def _resolve(value):
    # The calendar is read in a subquery: a field of the row being measured is an OuterRef.
    if isinstance(value, str):
        return ExpressionWrapper(OuterRef(value), output_field=DateTimeField())
    return value
