"""The calendar table that lets the database count working days (insight.models.CalendarDay).

It is filled on first use from the same `holidays` calendar that sharing_requests.workdays
uses, from FIRST_DAY to the end of the year YEARS_AHEAD years from now, and extended when a
later date is asked for. Every index counts from FIRST_DAY, so filling more years never
changes the rows already there."""

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import DateField, F, Value
from django.db.models.functions import TruncDate

from sharing_requests.workdays import is_working_day

from .models import CalendarDay

FIRST_DAY = date(2015, 1, 1)
YEARS_AHEAD = 5


def calendar_ensure(until: date) -> None:
    """Make sure the table holds every day from FIRST_DAY to `until` (filling up to the end
    of the year YEARS_AHEAD years later): one primary-key lookup when it does already.
    Idempotent, so concurrent fills insert the same rows."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # asked on every insight page: no ORM to compile
        cursor.execute(
            f"SELECT 1 FROM {quote(CalendarDay._meta.db_table)} WHERE {quote('day')} = %s",  # noqa: S608
            [connection.ops.adapt_datefield_value(until)],
        )
        if cursor.fetchone() is not None:
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


def local_day(value):
    """The local date of a datetime field (a name or an expression), or a date given as day()."""
    return value if isinstance(value, Value) else TruncDate(value)


def working_days_sql(queryset, start, end, group=None) -> tuple[str, list, object]:
    """SQL giving, for the rows of `queryset`, how many rows (`n`) have each `group` value
    (NULL without one) and each number of working days (`val`) after `start` up to and
    including `end` (datetime fields' names or expressions, or dates wrapped in day()), with
    the parameters and a function that turns a raw group value into what the ORM would give
    (a quarter's aware datetime).

    The rows are counted by their group and local days first, so the calendar is looked up
    (by its primary key) once per pair of days rather than once per row, and never read
    whole: when `end` is a fixed day, as today, that is once per day things began."""
    inner = queryset.order_by().annotate(_start=local_day(start), _end=local_day(end))
    fields = ["_start", "_end"]
    if group is not None:
        inner = inner.annotate(_group=F(group) if isinstance(group, str) else group)
        fields.append("_group")
    inner = inner.values(*fields)
    compiler = inner.query.get_compiler(using=inner.db)
    sql, params = compiler.as_sql()
    quote = compiler.connection.ops.quote_name
    table = quote(CalendarDay._meta.db_table)
    start, end = quote("_start"), quote("_end")
    keys = [f"r.{start}", f"r.{end}"]
    if group is not None:
        keys.append(f"r.{quote('_group')}")
    grouped = f"t.{quote('_group')}" if group is not None else "NULL"
    # Only the ORM's own compiled SQL (its values stay parameters) and fixed names are
    # interpolated, here and in insight.stats.
    index = f"(SELECT c.working_index FROM {table} c WHERE c.day = t.{{}})"  # noqa: S608
    value = f"COALESCE({index.format(end)}, 0) - COALESCE({index.format(start)}, 0)"
    keys = ", ".join(keys)
    counted = f"SELECT {keys}, COUNT(*) AS n FROM ({sql}) r GROUP BY {keys}"  # noqa: S608
    joined = f"SELECT {grouped} AS grp, {value} AS val, t.n FROM ({counted}) t"  # noqa: S608
    return joined, list(params), _converter(compiler, "_group")


def kept_days_sql(queryset, days, group=None) -> tuple[str, list, object]:
    """As working_days_sql, for rows that keep their working days in a column (`days`, a
    field's name or an expression): no calendar, no local dates, only the rows' own values,
    counted. Rows without the value are left out."""
    inner = queryset.order_by().annotate(_val=F(days) if isinstance(days, str) else days)
    inner = inner.filter(_val__isnull=False)
    fields = ["_val"]
    if group is not None:
        inner = inner.annotate(_group=F(group) if isinstance(group, str) else group)
        fields.append("_group")
    inner = inner.values(*fields)
    compiler = inner.query.get_compiler(using=inner.db)
    sql, params = compiler.as_sql()
    quote = compiler.connection.ops.quote_name
    keys = [f"t.{quote('_val')}"]
    if group is not None:
        keys.append(f"t.{quote('_group')}")
    grouped = keys[1] if group is not None else "NULL"
    kept = (
        f"SELECT {grouped} AS grp, {keys[0]} AS val, COUNT(*) AS n FROM ({sql}) t "  # noqa: S608
        f"GROUP BY {', '.join(keys)}"
    )
    return kept, list(params), _converter(compiler, "_group")


def _converter(compiler, alias):
    """The ORM's conversions of one selected column, for values read with raw SQL."""
    found = [expression for expression, _sql, name in compiler.select if name == alias]
    if not found:
        return lambda value: value
    expression = found[0]
    converters = compiler.get_converters([expression]).get(0, ([], None))[0]
    if not converters:
        return lambda value: value

    def convert(value):
        for converter in converters:
            value = converter(value, expression, compiler.connection)
        return value

    return convert


def day(value: date) -> Value:
    return Value(value, output_field=DateField())
