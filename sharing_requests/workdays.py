"""Working days in England: weekends and bank holidays (substitute days included) do not
count. The `holidays` package knows which days work; what is kept here is the portal's
meaning of "working days since", which leaves out the day it starts from."""

import functools
from datetime import date, datetime, timedelta

import holidays
from django.utils import timezone

# Years are filled in on first use (the package's `expand`), so one calendar serves every date.
_ENGLAND = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return _ENGLAND.is_working_day(day)


@functools.lru_cache(maxsize=8192)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start).

    `get_working_days_count` counts both ends; the day something began does not count
    towards how long it has waited. The count walks every day between (about 0.5 ms a month
    of waiting): kept, since the steering list asks the same for each of its rows again
    on every visit."""
    if end <= start:
        return 0
    return _ENGLAND.get_working_days_count(start + timedelta(days=1), end)


def working_days_from(start: datetime, end: datetime) -> int:
    """Working days from the local day of the moment `start` to that of `end`, as
    working_days_between counts them: what the rows keep of how long a step took (a
    decision, a round, a signature), so that insight's figures read a number instead of
    converting two moments to local days over every row."""
    return working_days_between(timezone.localdate(start), timezone.localdate(end))


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (`start` itself when days <= 0)."""
    if days <= 0:
        return start
    return _ENGLAND.get_nth_working_day(start, days)


def latest_start_with(days: int, end: date) -> date:
    """The latest date d with working_days_between(d, end) >= days: anything that began on or
    before it has been waiting at least `days` working days by `end`."""
    if days <= 0:
        return end
    # The `days`-th working day counting back from `end` itself; waiting starts the day before.
    return _ENGLAND.get_nth_working_day(end + timedelta(days=1), -days) - timedelta(days=1)
