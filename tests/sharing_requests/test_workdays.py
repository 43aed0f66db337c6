"""Working days in England, pinned across bank holidays: "working days since" leaves out the
day it starts from (the holidays package's count includes both ends)."""

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing_requests.workdays import (
    add_working_days,
    is_working_day,
    latest_start_with,
    working_days_between,
)


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day, a Friday
        (date(2026, 12, 26), False),  # Boxing Day, a Saturday...
        (date(2026, 12, 28), False),  # ...substituted on the Monday
        (date(2026, 12, 29), True),
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2021, 12, 27), False),  # Christmas Day 2021 (a Saturday) substituted
        (date(2021, 12, 28), False),  # Boxing Day 2021 (a Sunday) substituted
        (date(2021, 12, 29), True),
    ],
)
def test_bank_holidays_and_weekends_are_not_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    "start, end, days",
    [
        (date(2026, 12, 23), date(2026, 12, 24), 1),
        (date(2026, 12, 24), date(2026, 12, 24), 0),  # the start never counts
        (date(2026, 12, 24), date(2026, 12, 23), 0),  # nor does the past
        (date(2026, 12, 24), date(2026, 12, 29), 1),  # Christmas, weekend, substitute day
        (date(2026, 12, 24), date(2027, 1, 4), 4),  # 29-31 December, then 4 January
        (date(2026, 12, 25), date(2026, 12, 29), 1),  # a start on a holiday
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # Easter
        (date(2021, 12, 24), date(2021, 12, 29), 1),  # both substituted days
    ],
)
def test_working_days_between_counts_after_the_start_up_to_the_end(start, end, days):
    assert working_days_between(start, end) == days


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 4, date(2027, 1, 4)),
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2021, 12, 24), 1, date(2021, 12, 29)),
        (date(2026, 12, 25), 0, date(2026, 12, 25)),
    ],
)
def test_add_working_days_skips_bank_holidays(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "days, end, expected",
    [
        (0, date(2026, 12, 29), date(2026, 12, 29)),
        (1, date(2026, 12, 29), date(2026, 12, 28)),
        (2, date(2026, 12, 29), date(2026, 12, 23)),  # back past Christmas
        (1, date(2026, 4, 7), date(2026, 4, 6)),
        (2, date(2026, 4, 7), date(2026, 4, 1)),  # back past Easter
    ],
)
def test_latest_start_with(days, end, expected):
    assert latest_start_with(days, end) == expected


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(days, st.integers(0, 40))
def test_the_helpers_agree(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert n == 0 or is_working_day(end)
    # The latest start with n working days of waiting by `end`: one day later has fewer.
    latest = latest_start_with(n, end)
    assert working_days_between(latest, end) >= n
    assert n == 0 or working_days_between(latest + timedelta(days=1), end) < n
    # Today's meaning is the package's closed count less the start day.
    if end > start:
        england = holidays.country_holidays("GB", subdiv="ENG")
        assert working_days_between(start, end) == england.get_working_days_count(
            start, end
        ) - is_working_day(start)
