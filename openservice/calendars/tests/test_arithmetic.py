"""Hand-worked examples for `openservice.calendars.arithmetic` (pure Python, no database).

Every expected value is worked out by hand in the comments next to it. Helsinki is UTC+2 (EET)
in winter and UTC+3 (EEST) in summer; in 2027 the clocks go forward on Sunday 28 March
(03:00 -> 04:00 local, at 01:00 UTC) and back on Sunday 31 October (04:00 -> 03:00 local, at
01:00 UTC). New York is UTC-5 (EST) / UTC-4 (EDT) and changes on 14 March and 7 November 2027.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from openservice.calendars import arithmetic
from openservice.calendars.arithmetic import (
    Calendar,
    CalendarError,
    add_business_minutes,
    always_open,
    business_minutes_between,
    format_clock,
    holidays_in_year,
    interval_strings,
    is_open,
    make_interval,
    next_open_instant,
    parse_clock,
)

HEL = ZoneInfo("Europe/Helsinki")
NYC = ZoneInfo("America/New_York")
SYD = ZoneInfo("Australia/Sydney")


def hel(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL)


def nyc(*args: int) -> datetime:
    return datetime(*args, tzinfo=NYC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Mon-Fri 08:00-12:00 and 12:30-16:30 (a half-hour lunch break): 240 + 240 = 480 minutes a day.
FINNISH = Calendar(
    timezone="Europe/Helsinki",
    week={
        day: (make_interval("08:00", "12:00"), make_interval("12:30", "16:30")) for day in range(5)
    },
    holiday_country="FI",
)
# Every day 22:00-06:00 (480 minutes of wall clock), no holidays.
NIGHTS = Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(7), ((1320, 1800),)))
# Mon-Fri 09:00-17:00 with US federal holidays.
NEW_YORK = Calendar(
    timezone="America/New_York",
    week=dict.fromkeys(range(5), ((540, 1020),)),
    holiday_country="US",
)


def add(start: datetime, minutes: int, calendar: Calendar = FINNISH) -> datetime:
    return add_business_minutes(start, minutes, calendar)


def between(start: datetime, end: datetime, calendar: Calendar = FINNISH) -> int:
    return business_minutes_between(start, end, calendar)


# -- The Finnish calendar ------------------------------------------------------------------------


def test_finnish_calendar_shape():
    assert FINNISH.weekly_minutes == 5 * 480
    assert FINNISH.intervals_on(date(2027, 1, 11)) == ((480, 720), (750, 990))  # a Monday
    assert FINNISH.intervals_on(date(2027, 1, 16)) == ()  # a Saturday
    assert FINNISH.intervals_on(date(2027, 1, 6)) == ()  # Epiphany, a Wednesday
    assert FINNISH.is_holiday(date(2027, 12, 6))
    assert not FINNISH.is_holiday(date(2027, 12, 7))


def test_add_across_the_lunch_break():
    # Mon 2027-01-11 11:30 EET: 30 minutes to 12:00, lunch 12:00-12:30, 30 more -> 13:00 EET,
    # which is 11:00 UTC.
    result = add(hel(2027, 1, 11, 11, 30), 60)
    assert result == hel(2027, 1, 11, 13, 0) == utc(2027, 1, 11, 11, 0)
    assert result.utcoffset() == timedelta(0)  # results are UTC
    assert between(hel(2027, 1, 11, 11, 30), result) == 60
    # The whole working day: 08:00-16:30 is 510 minutes of wall clock, 480 of business time.
    assert between(hel(2027, 1, 11, 8, 0), hel(2027, 1, 11, 16, 30)) == 480
    # 11:00 + 60 ends exactly at 12:00, the start of lunch: that closing time, not 12:30.
    assert add(hel(2027, 1, 11, 11, 0), 60) == hel(2027, 1, 11, 12, 0)
    # ... and one minute more is the first minute after lunch.
    assert add(hel(2027, 1, 11, 11, 0), 61) == hel(2027, 1, 11, 12, 31)


def test_add_across_a_weekend():
    # Fri 2027-01-15 15:00: 90 minutes to 16:30, so 120 leaves 30 for Mon 2027-01-18 -> 08:30.
    assert add(hel(2027, 1, 15, 15, 0), 120) == hel(2027, 1, 18, 8, 30)
    # 180 leaves 90 for Monday -> 09:30 EET (07:30 UTC).
    assert add(hel(2027, 1, 15, 15, 0), 180) == hel(2027, 1, 18, 9, 30) == utc(2027, 1, 18, 7, 30)
    # Fri 15:00 to Mon 09:30: 90 on Friday + 90 on Monday; the weekend counts nothing.
    assert between(hel(2027, 1, 15, 15, 0), hel(2027, 1, 18, 9, 30)) == 180


def test_add_across_epiphany():
    # Epiphany, Wed 2027-01-06, is a holiday. Tue 16:00 + 60: 30 on Tuesday, Wednesday closed,
    # 30 on Thursday -> Thu 2027-01-07 08:30.
    assert add(hel(2027, 1, 5, 16, 0), 60) == hel(2027, 1, 7, 8, 30)
    # Tue 08:00 to Thu 08:00 is only Tuesday: 480.
    assert between(hel(2027, 1, 5, 8, 0), hel(2027, 1, 7, 8, 0)) == 480


def test_add_across_easter_and_the_spring_clock_change():
    # Good Friday 2027-03-26 and Easter Monday 2027-03-29 are holidays; the clocks also go forward
    # on Easter Sunday 28 March. Thu 2027-03-25 16:00 EET (14:00 UTC) + 60: 30 on Thursday, then
    # Fri (holiday), Sat, Sun, Mon (holiday) closed, 30 on Tue 2027-03-30 -> 08:30 EEST, which
    # is 05:30 UTC.
    start = hel(2027, 3, 25, 16, 0)
    assert start == utc(2027, 3, 25, 14, 0)
    assert add(start, 60) == hel(2027, 3, 30, 8, 30) == utc(2027, 3, 30, 5, 30)
    # Fri 2027-03-19 08:00 to Fri 2027-04-02 08:00: Fri 19 (480) + Mon 22-Thu 25 (4 * 480)
    # + Tue 30, Wed 31, Thu 1 April (3 * 480) = 480 + 1920 + 1440 = 3840.
    assert between(hel(2027, 3, 19, 8, 0), hel(2027, 4, 2, 8, 0)) == 3840


def test_add_across_midsummer():
    # Midsummer Eve is Fri 2027-06-25 (and Midsummer Day Sat 26). Thu 16:00 + 60: 30 on Thursday,
    # 30 on Mon 2027-06-28 -> 08:30 EEST.
    assert add(hel(2027, 6, 24, 16, 0), 60) == hel(2027, 6, 28, 8, 30)
    # Mon 2027-06-21 08:00 to Mon 2027-06-28 08:00: Mon-Thu, 4 * 480 = 1920.
    assert between(hel(2027, 6, 21, 8, 0), hel(2027, 6, 28, 8, 0)) == 1920


def test_add_across_christmas_and_independence_day():
    # Christmas Eve Fri 2027-12-24 and Christmas Day Sat 25 (and 26) are holidays. Thu 16:30 is a
    # closing time; one more minute is Mon 2027-12-27 08:01.
    assert add(hel(2027, 12, 23, 16, 30), 1) == hel(2027, 12, 27, 8, 1)
    assert add(hel(2027, 12, 23, 16, 29), 1) == hel(2027, 12, 23, 16, 30)
    # Independence Day is Mon 2027-12-06. Fri 2027-12-03 16:00 + 60: 30 on Friday, then Sat, Sun
    # and the holiday Monday, 30 on Tue 2027-12-07 -> 08:30.
    assert add(hel(2027, 12, 3, 16, 0), 60) == hel(2027, 12, 7, 8, 30)
    # Mon 2027-12-20 08:00 to Mon 2027-12-27 08:00: Mon-Thu only (Fri 24 is Christmas Eve): 1920.
    assert between(hel(2027, 12, 20, 8, 0), hel(2027, 12, 27, 8, 0)) == 1920


def test_add_across_the_year_end():
    # Fri 2027-12-31 15:00 + 120: 90 on Friday; Sat 2028-01-01 (New Year's Day) and Sunday closed;
    # 30 on Mon 2028-01-03 -> 08:30 EET (06:30 UTC).
    assert add(hel(2027, 12, 31, 15, 0), 120) == hel(2028, 1, 3, 8, 30) == utc(2028, 1, 3, 6, 30)
    # Mon 2027-12-27 08:00 to Mon 2028-01-10 08:00: Mon 27-Fri 31 (5 * 480 = 2400) + Mon 3-Fri 7
    # less Epiphany Thu 2028-01-06 (4 * 480 = 1920) = 4320.
    assert between(hel(2027, 12, 27, 8, 0), hel(2028, 1, 10, 8, 0)) == 4320
    # Adding those 4320 from the start lands on the last closing time before the end:
    # Fri 2028-01-07 16:30.
    assert add(hel(2027, 12, 27, 8, 0), 4320) == hel(2028, 1, 7, 16, 30)


def test_add_across_a_leap_day():
    # 2028-02-29 is a Tuesday and a working day. Mon 2028-02-28 16:00 + 480: 30 on Monday, 450 on
    # Tuesday: 240 in the morning (to 12:00) and 210 after lunch, 12:30 + 210 min -> 16:00.
    assert date(2028, 2, 29).weekday() == 1
    assert add(hel(2028, 2, 28, 16, 0), 480) == hel(2028, 2, 29, 16, 0)
    assert is_open(hel(2028, 2, 29, 10, 0), FINNISH)
    # Mon 28 Feb 08:00 to Thu 2 March 08:00: Mon 28, Tue 29, Wed 1 March = 3 * 480 = 1440.
    assert between(hel(2028, 2, 28, 8, 0), hel(2028, 3, 2, 8, 0)) == 1440


def test_add_ending_exactly_at_closing_time():
    # Mon 2027-01-11 08:00 + 480 is the whole day: it ends at the closing time 16:30, not at
    # Tuesday's opening.
    assert add(hel(2027, 1, 11, 8, 0), 480) == hel(2027, 1, 11, 16, 30) == utc(2027, 1, 11, 14, 30)
    # One minute more: Tue 2027-01-12 08:01.
    assert add(hel(2027, 1, 11, 8, 0), 481) == hel(2027, 1, 12, 8, 1)
    # Adding again from the closing time continues from the next opening.
    assert add(hel(2027, 1, 11, 16, 30), 1) == hel(2027, 1, 12, 8, 1)


# -- Starts in closed time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # night: Mon 20:00 -> counts from Tue 08:00 -> 08:30
        (hel(2027, 1, 11, 20, 0), hel(2027, 1, 12, 8, 30)),
        # small hours: Tue 03:00 -> Tue 08:30
        (hel(2027, 1, 12, 3, 0), hel(2027, 1, 12, 8, 30)),
        # weekend: Sat 10:00 -> Mon 2027-01-18 08:30
        (hel(2027, 1, 16, 10, 0), hel(2027, 1, 18, 8, 30)),
        # holiday: Epiphany Wed 10:00 -> Thu 2027-01-07 08:30
        (hel(2027, 1, 6, 10, 0), hel(2027, 1, 7, 8, 30)),
        # lunch: Mon 12:15 -> counts from 12:30 -> 13:00
        (hel(2027, 1, 11, 12, 15), hel(2027, 1, 11, 13, 0)),
        # a closing time: Mon 16:30 -> Tue 08:30
        (hel(2027, 1, 11, 16, 30), hel(2027, 1, 12, 8, 30)),
    ],
)
def test_closed_start_counts_from_the_next_opening(start, expected):
    assert not is_open(start, FINNISH)
    assert add(start, 30) == expected
    assert between(start, expected) == 30
    assert between(next_open_instant(start, FINNISH), expected) == 30
    # Adding nothing returns the start itself, not the next opening.
    assert add(start, 0) == start


def test_adding_zero_returns_the_start():
    open_start = hel(2027, 1, 11, 9, 17)
    assert add(open_start, 0) == open_start
    odd = utc(2027, 1, 16, 3, 4, 5, 678)  # closed, and not minute-aligned
    assert add(odd, 0) == odd


def test_negative_minutes_are_refused():
    with pytest.raises(CalendarError):
        add(hel(2027, 1, 11, 9, 0), -1)


# -- Clock changes -------------------------------------------------------------------------------


def test_round_the_clock_across_helsinki_clock_changes():
    helsinki = always_open("Europe/Helsinki")
    # 28 March 2027 has 23 hours: 00:00 EET (22:00 UTC on the 27th) to 00:00 EEST on the 29th
    # (21:00 UTC on the 28th) = 23 * 60 = 1380.
    assert between(hel(2027, 3, 28), hel(2027, 3, 29), helsinki) == 1380
    assert add(hel(2027, 3, 28), 1380, helsinki) == hel(2027, 3, 29)
    # 31 October 2027 has 25 hours: 00:00 EEST (21:00 UTC on the 30th) to 00:00 EET on 1 November
    # (22:00 UTC on the 31st) = 1500.
    assert between(hel(2027, 10, 31), hel(2027, 11, 1), helsinki) == 1500
    assert add(hel(2027, 10, 31), 1500, helsinki) == hel(2027, 11, 1)
    # An ordinary day has 1440.
    assert between(hel(2027, 3, 27), hel(2027, 3, 28), helsinki) == 1440
    # The whole year: 365 days of 1440, the lost and the gained hour cancel out.
    assert between(hel(2027, 1, 1), hel(2028, 1, 1), helsinki) == 365 * 1440


def test_overnight_shift_on_the_nights_the_clocks_change():
    # Sat 2027-03-27 22:00 EET (20:00 UTC) to Sun 06:00 EEST (03:00 UTC): 7 hours = 420.
    assert between(hel(2027, 3, 27, 12), hel(2027, 3, 28, 12), NIGHTS) == 420
    assert add(hel(2027, 3, 27, 22), 420, NIGHTS) == hel(2027, 3, 28, 6) == utc(2027, 3, 28, 3)
    # One minute more is the next night's first minute.
    assert add(hel(2027, 3, 27, 22), 421, NIGHTS) == hel(2027, 3, 28, 22, 1)
    # Sat 2027-10-30 22:00 EEST (19:00 UTC) to Sun 06:00 EET (04:00 UTC): 9 hours = 540.
    assert between(hel(2027, 10, 30, 12), hel(2027, 10, 31, 12), NIGHTS) == 540
    assert add(hel(2027, 10, 30, 22), 540, NIGHTS) == hel(2027, 10, 31, 6) == utc(2027, 10, 31, 4)
    # Both occurrences of 03:30 in the repeated hour are inside the shift.
    assert is_open(utc(2027, 10, 31, 0, 30), NIGHTS)  # 03:30 EEST
    assert is_open(utc(2027, 10, 31, 1, 30), NIGHTS)  # 03:30 EET
    # An ordinary night: 480.
    assert between(hel(2027, 3, 20, 12), hel(2027, 3, 21, 12), NIGHTS) == 480


def test_interval_starting_in_the_skipped_hour_starts_at_the_jump():
    # 03:30 on 2027-03-28 does not exist in Helsinki: the clock jumps from 03:00 EET to
    # 04:00 EEST at 01:00 UTC. An open day 03:30-05:00 therefore runs from 04:00 EEST (01:00 UTC)
    # to 05:00 EEST (02:00 UTC): 60 minutes, not 90.
    skipped = Calendar(
        timezone="Europe/Helsinki", week={}, open_days={date(2027, 3, 28): ((210, 300),)}
    )
    assert between(hel(2027, 3, 28), hel(2027, 3, 29), skipped) == 60
    assert next_open_instant(hel(2027, 3, 28), skipped) == utc(2027, 3, 28, 1, 0)
    assert next_open_instant(hel(2027, 3, 28), skipped) == hel(2027, 3, 28, 4, 0)
    assert not is_open(utc(2027, 3, 28, 0, 59), skipped)  # 02:59 EET
    assert is_open(utc(2027, 3, 28, 1, 0), skipped)
    assert add(hel(2027, 3, 28), 60, skipped) == utc(2027, 3, 28, 2, 0)


def test_new_york_day_calendar_across_clock_changes():
    # Fri 2027-03-12 16:00 EST (21:00 UTC) + 120: 60 on Friday; the clocks go forward on Sunday;
    # 60 on Mon 2027-03-15 -> 10:00 EDT (14:00 UTC). 65 hours of wall clock pass.
    start = nyc(2027, 3, 12, 16)
    result = add(start, 120, NEW_YORK)
    assert result == nyc(2027, 3, 15, 10) == utc(2027, 3, 15, 14)
    assert result - start == timedelta(hours=65)
    assert between(start, result, NEW_YORK) == 120
    # Fri 09:00 EST to Mon 17:00 EDT: two full days of 480.
    assert between(nyc(2027, 3, 12, 9), nyc(2027, 3, 15, 17), NEW_YORK) == 960
    # Fri 2027-11-05 16:00 EDT (20:00 UTC) + 120 -> Mon 2027-11-08 10:00 EST (15:00 UTC);
    # 67 hours of wall clock.
    start = nyc(2027, 11, 5, 16)
    result = add(start, 120, NEW_YORK)
    assert result == nyc(2027, 11, 8, 10) == utc(2027, 11, 8, 15)
    assert result - start == timedelta(hours=67)
    # Round the clock in New York: 14 March has 23 hours, 7 November 25.
    new_york = always_open("America/New_York")
    assert between(nyc(2027, 3, 14), nyc(2027, 3, 15), new_york) == 1380
    assert between(nyc(2027, 11, 7), nyc(2027, 11, 8), new_york) == 1500
    # 01:00 EST (06:00 UTC) to 04:00 EDT (08:00 UTC) on 14 March: 120.
    assert between(nyc(2027, 3, 14, 1), nyc(2027, 3, 14, 4), new_york) == 120


def test_new_york_holidays():
    # Thanksgiving is Thu 2027-11-25. Wed 16:00 + 120: 60 on Wednesday, 60 on Fri 26 -> 10:00.
    assert add(nyc(2027, 11, 24, 16), 120, NEW_YORK) == nyc(2027, 11, 26, 10)


def test_sydney_round_the_clock_across_southern_clock_changes():
    # Sydney goes forward on Sun 2027-10-03 (02:00 -> 03:00) and back on Sun 2027-04-04
    # (03:00 -> 02:00).
    sydney = always_open("Australia/Sydney")
    assert between(
        datetime(2027, 10, 3, tzinfo=SYD), datetime(2027, 10, 4, tzinfo=SYD), sydney
    ) == (1380)
    assert between(datetime(2027, 4, 4, tzinfo=SYD), datetime(2027, 4, 5, tzinfo=SYD), sydney) == (
        1500
    )


# -- is_open and next_open_instant ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (hel(2027, 1, 11, 7, 59), False),
        (hel(2027, 1, 11, 8, 0), True),  # the opening instant
        (hel(2027, 1, 11, 11, 59), True),
        (hel(2027, 1, 11, 12, 0), False),  # the closing instant before lunch
        (hel(2027, 1, 11, 12, 29), False),
        (hel(2027, 1, 11, 12, 30), True),
        (hel(2027, 1, 11, 16, 29), True),
        (hel(2027, 1, 11, 16, 30), False),  # the closing instant
        (hel(2027, 1, 16, 10, 0), False),  # Saturday
        (hel(2027, 1, 6, 10, 0), False),  # Epiphany
    ],
)
def test_is_open(at, expected):
    assert is_open(at, FINNISH) is expected
    # The same instant given in UTC answers the same.
    assert is_open(at.astimezone(UTC), FINNISH) is expected


def test_is_open_just_before_a_closing_instant():
    assert is_open(hel(2027, 1, 11, 16, 29, 59, 999999), FINNISH)


def test_next_open_instant_when_open_is_the_instant_itself():
    at = hel(2027, 1, 11, 9, 15, 42, 17)
    result = next_open_instant(at, FINNISH)
    assert result == at
    assert result.utcoffset() == timedelta(0)
    assert next_open_instant(hel(2027, 1, 11, 8, 0), FINNISH) == hel(2027, 1, 11, 8, 0)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (hel(2027, 1, 11, 7, 0), hel(2027, 1, 11, 8, 0)),  # before opening
        (hel(2027, 1, 11, 12, 10), hel(2027, 1, 11, 12, 30)),  # lunch
        (hel(2027, 1, 11, 16, 30), hel(2027, 1, 12, 8, 0)),  # at closing
        (hel(2027, 1, 15, 17, 0), hel(2027, 1, 18, 8, 0)),  # Friday evening -> Monday
        (hel(2027, 1, 5, 17, 0), hel(2027, 1, 7, 8, 0)),  # over Epiphany (Wed)
        (hel(2027, 3, 25, 17, 0), hel(2027, 3, 30, 8, 0)),  # over Easter and a clock change
        (hel(2027, 12, 23, 17, 0), hel(2027, 12, 27, 8, 0)),  # over Christmas
        (hel(2027, 12, 31, 17, 0), hel(2028, 1, 3, 8, 0)),  # over the year end
        (utc(2028, 1, 1, 0, 0), hel(2028, 1, 3, 8, 0)),  # from the UTC year boundary itself
    ],
)
def test_next_open_instant_when_closed(at, expected):
    assert next_open_instant(at, FINNISH) == expected
    assert next_open_instant(at, FINNISH).utcoffset() == timedelta(0)


# -- Custom closed and open days -----------------------------------------------------------------


def test_custom_closed_day():
    # Tue 2027-01-12 is closed. Mon 16:00 + 60: 30 on Monday, 30 on Wed 2027-01-13 -> 08:30.
    closed = Calendar(
        timezone="Europe/Helsinki",
        week=FINNISH.week,
        holiday_country="FI",
        closed_days=frozenset({date(2027, 1, 12)}),
    )
    assert closed.intervals_on(date(2027, 1, 12)) == ()
    assert add(hel(2027, 1, 11, 16), 60, closed) == hel(2027, 1, 13, 8, 30)
    # Mon 08:00 to Thu 08:00: Monday and Wednesday = 960.
    assert between(hel(2027, 1, 11, 8), hel(2027, 1, 14, 8), closed) == 960
    assert not is_open(hel(2027, 1, 12, 10), closed)
    assert next_open_instant(hel(2027, 1, 11, 17), closed) == hel(2027, 1, 13, 8)


def test_custom_open_saturday_with_its_own_intervals():
    # Sat 2027-01-16 is open 09:00-11:00 and 11:30-13:00 (120 + 90 = 210 minutes).
    saturday = Calendar(
        timezone="Europe/Helsinki",
        week=FINNISH.week,
        holiday_country="FI",
        open_days={date(2027, 1, 16): ((540, 660), (690, 780))},
    )
    # Fri 16:00 + 60: 30 on Friday, 30 on Saturday from 09:00 -> 09:30.
    assert add(hel(2027, 1, 15, 16), 60, saturday) == hel(2027, 1, 16, 9, 30)
    # Fri 16:00 + 270: 30 Friday, 210 Saturday (ending 13:00), 30 Monday -> Mon 08:30.
    assert add(hel(2027, 1, 15, 16), 240, saturday) == hel(2027, 1, 16, 13, 0)
    assert add(hel(2027, 1, 15, 16), 270, saturday) == hel(2027, 1, 18, 8, 30)
    # Fri 08:00 to Mon 08:00: 480 + 210 = 690.
    assert between(hel(2027, 1, 15, 8), hel(2027, 1, 18, 8), saturday) == 690
    assert is_open(hel(2027, 1, 16, 12, 59), saturday)
    assert not is_open(hel(2027, 1, 16, 13, 0), saturday)
    assert not is_open(hel(2027, 1, 16, 11, 15), saturday)  # its own break
    # The following Saturday is closed as usual.
    assert not is_open(hel(2027, 1, 23, 10), saturday)


def test_custom_open_day_replaces_a_weekday_and_opens_a_holiday():
    custom = Calendar(
        timezone="Europe/Helsinki",
        week=FINNISH.week,
        holiday_country="FI",
        open_days={
            date(2027, 1, 6): ((480, 720),),  # Epiphany (a holiday): 08:00-12:00 only
            date(2027, 1, 11): ((600, 660),),  # an ordinary Monday: only 10:00-11:00
        },
    )
    # Tue 2027-01-05 16:00 + 60: 30 on Tuesday, 30 on the opened holiday -> Wed 08:30.
    assert add(hel(2027, 1, 5, 16), 60, custom) == hel(2027, 1, 6, 8, 30)
    assert between(hel(2027, 1, 6), hel(2027, 1, 7), custom) == 240
    assert is_open(hel(2027, 1, 6, 11), custom)
    assert not is_open(hel(2027, 1, 6, 13), custom)
    # The Monday has only its own hour.
    assert between(hel(2027, 1, 11), hel(2027, 1, 12), custom) == 60
    assert next_open_instant(hel(2027, 1, 11, 8), custom) == hel(2027, 1, 11, 10)


# -- Overnight shifts ----------------------------------------------------------------------------


def test_friday_night_shift_is_worked_in_full_before_a_holiday_saturday():
    # Sat 2027-05-01 is May Day, a Finnish holiday; Fri 2027-04-30 is not. The Friday shift
    # 22:00 EEST (19:00 UTC) to Sat 06:00 EEST (03:00 UTC) belongs to Friday: 480 minutes.
    fridays = Calendar(
        timezone="Europe/Helsinki",
        week={4: ((1320, 1800),), 5: ((1320, 1800),)},
        holiday_country="FI",
    )
    assert fridays.is_holiday(date(2027, 5, 1))
    assert between(hel(2027, 4, 30, 12), hel(2027, 5, 1, 12), fridays) == 480
    assert is_open(hel(2027, 5, 1, 5, 59), fridays)
    assert not is_open(hel(2027, 5, 1, 6, 0), fridays)
    assert add(hel(2027, 4, 30, 22), 480, fridays) == utc(2027, 5, 1, 3, 0)
    # The holiday Saturday's own shift is not worked: the next opening after Sat 06:00 is the
    # Friday after, 2027-05-07 22:00.
    assert between(hel(2027, 5, 1, 12), hel(2027, 5, 2, 12), fridays) == 0
    assert next_open_instant(hel(2027, 5, 1, 6), fridays) == hel(2027, 5, 7, 22)
    # A custom closed Saturday does not cut Friday's shift either.
    closed_saturday = Calendar(
        timezone="Europe/Helsinki",
        week={4: ((1320, 1800),)},
        closed_days=frozenset({date(2027, 1, 16)}),
    )
    assert between(hel(2027, 1, 15, 12), hel(2027, 1, 16, 12), closed_saturday) == 480
    # But a Friday that is a holiday (Midsummer Eve 2027-06-25) has no shift.
    assert between(hel(2027, 6, 25, 12), hel(2027, 6, 26, 12), fridays) == 0


def test_sunday_night_shift_runs_into_monday():
    sundays = Calendar(timezone="Europe/Helsinki", week={6: ((1320, 1800),)}, holiday_country="FI")
    # Sun 2027-01-10 22:00 to Mon 2027-01-11 06:00: 480.
    assert between(hel(2027, 1, 10, 12), hel(2027, 1, 11, 12), sundays) == 480
    assert is_open(hel(2027, 1, 11, 5, 59), sundays)
    assert not is_open(hel(2027, 1, 11, 6, 0), sundays)
    assert add(hel(2027, 1, 10, 23), 420, sundays) == hel(2027, 1, 11, 6)
    assert next_open_instant(hel(2027, 1, 11, 6), sundays) == hel(2027, 1, 17, 22)
    # Across the UTC year end, into a holiday Monday: Sun 2023-12-31 22:00 EET (20:00 UTC) to Mon
    # 2024-01-01 (New Year's Day) 06:00 EET (04:00 UTC) is worked in full.
    assert between(hel(2023, 12, 31, 12), hel(2024, 1, 1, 12), sundays) == 480
    assert is_open(utc(2024, 1, 1, 0, 0), sundays)
    # 240 minutes from 20:00 UTC end exactly on the UTC year boundary ...
    assert add(hel(2023, 12, 31, 22), 240, sundays) == utc(2024, 1, 1, 0, 0)
    # ... and the other 240 of the shift continue from there to 04:00 UTC (06:00 EET).
    assert add(utc(2024, 1, 1, 0, 0), 240, sundays) == hel(2024, 1, 1, 6) == utc(2024, 1, 1, 4)
    assert add(hel(2023, 12, 31, 22), 480, sundays) == hel(2024, 1, 1, 6)
    # The Sunday that is a holiday (Second Day of Christmas, 2027-12-26) has no shift.
    assert between(hel(2027, 12, 26, 12), hel(2027, 12, 27, 12), sundays) == 0


# -- Validation ----------------------------------------------------------------------------------


def test_overlapping_intervals_in_a_day_are_refused():
    with pytest.raises(CalendarError):
        Calendar(timezone="Europe/Helsinki", week={0: ((480, 720), (700, 990))})


def test_night_shift_overlapping_the_next_morning_is_refused():
    # Mon 22:00-Tue 06:00 and Tue 05:00-10:00 overlap on Tuesday 05:00-06:00.
    with pytest.raises(CalendarError):
        Calendar(timezone="Europe/Helsinki", week={0: ((1320, 1800),), 1: ((300, 600),)})
    # Across the week's end: Sun 22:00-Mon 06:00 and Mon 05:00-10:00.
    with pytest.raises(CalendarError):
        Calendar(timezone="Europe/Helsinki", week={6: ((1320, 1800),), 0: ((300, 600),)})


def test_touching_intervals_are_allowed():
    # Mon 22:00-Tue 06:00 then Tue 06:00-10:00; 08:00-12:00 then 12:00-16:00.
    Calendar(timezone="Europe/Helsinki", week={0: ((1320, 1800),), 1: ((360, 600),)})
    Calendar(timezone="Europe/Helsinki", week={6: ((1320, 1800),), 0: ((360, 600),)})
    calendar = Calendar(timezone="UTC", week={0: ((480, 720), (720, 960))})
    # Touching intervals merge: the Monday is open 08:00-16:00 straight through.
    assert is_open(utc(2027, 1, 11, 12, 0), calendar)
    assert add(utc(2027, 1, 11, 8), 480, calendar) == utc(2027, 1, 11, 16)


@pytest.mark.parametrize("interval", [(1440, 1500), (600, 500), (600, 600), (-10, 60), (0, 1441)])
def test_invalid_interval_values_are_refused(interval):
    with pytest.raises(CalendarError):
        Calendar(timezone="UTC", week={2: (interval,)})


def test_overlapping_intervals_on_an_open_day_are_refused():
    with pytest.raises(CalendarError):
        Calendar(timezone="UTC", week={}, open_days={date(2027, 1, 16): ((540, 700), (600, 780))})


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "Europe/Helsinkii"])
def test_unknown_time_zone_is_refused(name):
    with pytest.raises(CalendarError):
        Calendar(timezone=name, week={})


def test_holiday_country_and_subdivision_are_checked():
    with pytest.raises(CalendarError):
        Calendar(timezone="UTC", week={}, holiday_country="XX")
    with pytest.raises(CalendarError):
        Calendar(timezone="UTC", week={}, holiday_subdivision="NSW")
    with pytest.raises(CalendarError):
        Calendar(timezone="UTC", week={}, holiday_country="AU", holiday_subdivision="XX")
    Calendar(timezone="Australia/Sydney", week={}, holiday_country="AU", holiday_subdivision="NSW")
    assert "NSW" in arithmetic.supported_countries()["AU"]


def test_make_interval():
    assert make_interval("08:00", "12:00") == (480, 720)
    assert make_interval("22:00", "06:00") == (1320, 1800)
    assert make_interval("00:00", "24:00") == (0, 1440)
    assert make_interval("12:00", "00:00") == (720, 1440)
    with pytest.raises(CalendarError):
        make_interval("08:00", "08:00")
    with pytest.raises(CalendarError):
        make_interval("24:00", "08:00")


@pytest.mark.parametrize(
    ("text", "minutes"), [("00:00", 0), ("08:30", 510), ("23:59", 1439), ("24:00", 1440)]
)
def test_parse_clock(text, minutes):
    assert parse_clock(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "8:00",
        "24:01",
        "12:60",
        "25:00",
        "08-00",
        "08:0a",
        " 8:00",
        "+8:00",
        "08:000",
        "",
        800,
        None,
    ],
)
def test_parse_clock_refuses(text):
    with pytest.raises(CalendarError):
        parse_clock(text)


def test_parse_clock_refuses_unicode_digits_with_calendar_error():
    # "²".isdigit() is True but int("²3") raises a plain ValueError, which escapes callers that
    # catch CalendarError (calendars.services turns CalendarError into a field error).
    with pytest.raises(CalendarError):
        parse_clock("²3:00")


def test_format_clock_and_interval_strings():
    assert format_clock(0) == "00:00"
    assert format_clock(480) == "08:00"
    assert format_clock(1440) == "24:00"
    assert format_clock(1800) == "06:00"
    assert interval_strings((1320, 1800)) == ["22:00", "06:00"]
    assert interval_strings((0, 1440)) == ["00:00", "24:00"]
    assert interval_strings((480, 720)) == ["08:00", "12:00"]
    # Round trip.
    for pair in (("08:00", "12:00"), ("22:00", "06:00"), ("00:00", "24:00"), ("12:30", "16:30")):
        assert interval_strings(make_interval(*pair)) == list(pair)


# -- Between ------------------------------------------------------------------------------------


def test_between_is_antisymmetric():
    start, end = hel(2027, 1, 11, 11, 30), hel(2027, 1, 12, 9, 0)
    # Mon 11:30-12:00 (30) + 12:30-16:30 (240) + Tue 08:00-09:00 (60) = 330.
    assert between(start, end) == 330
    assert between(end, start) == -330
    assert between(start, start) == 0


def test_between_counts_whole_minutes():
    t = hel(2027, 1, 11, 9, 0)
    assert between(t, t + timedelta(seconds=59)) == 0
    assert between(t + timedelta(seconds=59), t) == 0
    assert between(t + timedelta(seconds=30), t + timedelta(minutes=2)) == 1  # 90 s
    assert between(t + timedelta(minutes=2), t + timedelta(seconds=30)) == -1
    # 11:59:30 to 12:30:30: 30 s before lunch and 30 s after: one whole minute.
    assert between(hel(2027, 1, 11, 11, 59, 30), hel(2027, 1, 11, 12, 30, 30)) == 1


def test_between_of_closed_spans_is_zero():
    assert between(hel(2027, 1, 16, 0), hel(2027, 1, 18, 8, 0)) == 0  # the weekend
    assert between(hel(2027, 1, 11, 12), hel(2027, 1, 11, 12, 30)) == 0  # lunch


# -- Holidays -----------------------------------------------------------------------------------


def test_holidays_in_year():
    finnish = holidays_in_year("FI", None, 2027)
    assert (date(2027, 12, 6), "Independence Day") in finnish
    days = [day for day, _ in finnish]
    assert days == sorted(days)
    assert all(day.year == 2027 for day in days)
    for day in (date(2027, 1, 6), date(2027, 3, 26), date(2027, 3, 29), date(2027, 6, 25)):
        assert day in days
    assert date(2027, 12, 24) in days and date(2027, 12, 25) in days
    assert holidays_in_year(None, None, 2027) == ()


# -- Large spans and calendars with no open time -------------------------------------------------


def test_ten_thousand_business_hours():
    start = hel(2027, 1, 4, 8, 0)
    result = add(start, 600_000)
    assert between(start, result) == 600_000
    # About 120,000 business minutes a year (250 days of 480): five years or so.
    assert hel(2031, 6, 1) < result < hel(2033, 1, 1)
    # The result is a working instant (or a closing time) of a working day.
    assert is_open(result, FINNISH) or is_open(result - timedelta(minutes=1), FINNISH)
    # Adding in six chunks of 100,000 lands on the same instant.
    chunked = start
    for _ in range(6):
        chunked = add(chunked, 100_000)
    assert chunked == result


def test_calendar_with_no_open_time_raises_instead_of_looping():
    never = Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(7), ()))
    start = hel(2027, 1, 11, 9)
    with pytest.raises(CalendarError):
        add(start, 1, never)
    with pytest.raises(CalendarError):
        next_open_instant(start, never)
    assert not is_open(start, never)
    assert between(start, hel(2030, 1, 1), never) == 0
    assert add(start, 0, never) == start


def test_calendar_whose_open_time_is_all_in_the_past_raises():
    past = Calendar(timezone="UTC", week={}, open_days={date(2020, 1, 6): ((480, 960),)})
    assert add(utc(2020, 1, 6, 8), 480, past) == utc(2020, 1, 6, 16)
    with pytest.raises(CalendarError):
        add(utc(2020, 1, 6, 8), 481, past)
    with pytest.raises(CalendarError):
        next_open_instant(utc(2020, 1, 7), past)


# -- Naive datetimes -----------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    naive = datetime(2027, 1, 11, 9, 0)
    aware = hel(2027, 1, 11, 9, 0)
    with pytest.raises(CalendarError):
        add_business_minutes(naive, 10, FINNISH)
    with pytest.raises(CalendarError):
        add_business_minutes(naive, 0, FINNISH)
    with pytest.raises(CalendarError):
        business_minutes_between(naive, aware, FINNISH)
    with pytest.raises(CalendarError):
        business_minutes_between(aware, naive, FINNISH)
    with pytest.raises(CalendarError):
        next_open_instant(naive, FINNISH)
    with pytest.raises(CalendarError):
        is_open(naive, FINNISH)


def test_any_time_zone_of_the_instant_gives_the_same_answers():
    start_hel = hel(2027, 1, 15, 15, 0)
    start_nyc = start_hel.astimezone(NYC)
    assert add(start_hel, 180) == add(start_nyc, 180)
    assert between(start_nyc, hel(2027, 1, 18, 9, 30)) == 180


def test_spans_of_more_than_a_hundred_years_and_years_outside_1900_9000_are_refused():
    # Bounded work per query: a request cannot make a calendar build thousands of yearly tables.
    with pytest.raises(CalendarError, match="100 years"):
        business_minutes_between(hel(1950, 1, 2), hel(2060, 1, 2), FINNISH)
    sparse = Calendar(timezone="Europe/Helsinki", week={0: (make_interval("08:00", "09:00"),)})
    with pytest.raises(CalendarError, match="100 years"):
        add_business_minutes(hel(2027, 1, 4, 8), 60 * 52 * 150, sparse)  # 150 years of Mondays
    with pytest.raises(CalendarError, match="1900 to 9000"):
        business_minutes_between(datetime(1899, 6, 1, tzinfo=UTC), hel(1900, 6, 1), FINNISH)
    assert business_minutes_between(hel(1960, 1, 4), hel(2059, 1, 5), FINNISH) > 0
