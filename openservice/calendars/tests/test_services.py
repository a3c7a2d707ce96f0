"""Calendar writes: CalendarChanged only when business time moves, the stored normal form of the
weekly hours, closed and open days replaced as lists, the audit trail, and the arithmetic cache
following every change at once."""

from datetime import UTC, date, datetime

import pytest

from openservice.calendars import selectors, services
from openservice.calendars.events import CalendarChanged
from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar
from openservice.core.errors import InvalidInput
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent

pytestmark = pytest.mark.django_db

WORKDAY = [["08:00", "12:00"], ["12:30", "16:30"]]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def make_calendar(**fields) -> WorkCalendar:
    values = {
        "name": "Helsinki office",
        "timezone": "Europe/Helsinki",
        "hours": dict.fromkeys(WEEKDAYS, WORKDAY),
        "holiday_country": "FI",
        "closed_days": [date(2027, 1, 7)],
        "open_days": [{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}],
        **fields,
    }
    return services.calendar_create(by=None, **values)


def fresh(calendar: WorkCalendar) -> WorkCalendar:
    return WorkCalendar.objects.get(pk=calendar.pk)


def audit_trail(calendar: WorkCalendar) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(object_type="calendars.workcalendar", object_id=str(calendar.pk))
        .order_by("pk")
        .values_list("verb", "data")
    )


@pytest.fixture
def published():
    """The CalendarChanged events published while the test runs, in order."""
    events: list[CalendarChanged] = []
    subscribe(CalendarChanged, events.append)
    yield events
    unsubscribe(CalendarChanged, events.append)


# CalendarChanged


def test_creating_a_calendar_publishes_nothing(published):
    make_calendar()

    assert published == []


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Helsinki HQ"},
        {"hours": {day: list(reversed(WORKDAY)) for day in WEEKDAYS}},  # the same hours
        {"hours": {**dict.fromkeys(WEEKDAYS, WORKDAY), "sat": [], "sun": []}},
        {"timezone": "Europe/Helsinki"},
        {"holiday_country": "FI", "holiday_subdivision": None},
        {"closed_days": [date(2027, 1, 7), date(2027, 1, 7)]},
        {"open_days": [{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}]},
        {"is_default": False},
    ],
)
def test_an_update_that_moves_no_business_time_publishes_nothing(changes, published):
    calendar = make_calendar()
    stamp = fresh(calendar).updated_at

    services.calendar_update(calendar=calendar, by=None, **changes)

    assert published == []
    if "name" not in changes:  # nothing changed at all: not even saved or audited
        assert fresh(calendar).updated_at == stamp
        assert [verb for verb, _data in audit_trail(calendar)] == ["calendar.created"]


@pytest.mark.parametrize(
    ("changes", "audited"),
    [
        ({"hours": {"mon": [["08:00", "16:00"]]}}, ["hours"]),
        ({"timezone": "Europe/Stockholm"}, ["timezone"]),
        ({"holiday_country": "SE"}, ["holiday_country"]),
        ({"holiday_country": None}, ["holiday_country"]),
        ({"holiday_subdivision": "01"}, ["holiday_subdivision"]),
        ({"closed_days": [date(2027, 1, 8)]}, ["closed_days"]),
        ({"closed_days": []}, ["closed_days"]),
        ({"open_days": [{"on": date(2027, 1, 9), "hours": [["10:00", "13:00"]]}]}, ["open_days"]),
        ({"open_days": []}, ["open_days"]),
        ({"name": "Helsinki HQ", "closed_days": []}, ["closed_days", "name"]),
    ],
)
def test_an_update_that_moves_business_time_publishes_calendar_changed_once(
    changes, audited, published
):
    calendar = make_calendar()

    services.calendar_update(calendar=calendar, by=None, **changes)

    assert published == [CalendarChanged(calendar_id=calendar.pk, default_changed=False)]
    assert audit_trail(calendar)[-1] == ("calendar.updated", {"changes": audited})


def test_taking_over_the_default_publishes_once_for_the_new_default(published):
    # One event: the policies without a calendar move from the old default to the new one.
    old = make_calendar(name="Old", is_default=True)
    new = make_calendar(name="New")
    published.clear()

    services.calendar_update(calendar=new, by=None, is_default=True)

    assert published == [CalendarChanged(calendar_id=new.pk, default_changed=True)]
    assert (fresh(old).is_default, fresh(new).is_default) == (False, True)


def test_creating_a_default_publishes_for_it_even_when_there_was_none(published):
    first = make_calendar(name="First", is_default=True)
    new = make_calendar(name="New", is_default=True)

    assert published == [
        CalendarChanged(calendar_id=first.pk, default_changed=True),
        CalendarChanged(calendar_id=new.pk, default_changed=True),
    ]
    assert list(WorkCalendar.objects.filter(is_default=True)) == [new]


def test_a_refused_update_publishes_nothing_and_changes_nothing(published):
    calendar = make_calendar()
    before = (fresh(calendar).hours, fresh(calendar).updated_at)

    with pytest.raises(InvalidInput) as refused:
        services.calendar_update(
            calendar=calendar,
            by=None,
            hours={"mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
        )

    assert refused.value.field_errors == {"hours": ["intervals overlap on mon"]}
    assert published == []
    assert (fresh(calendar).hours, fresh(calendar).updated_at) == before


# The stored normal form


def test_hours_are_stored_with_every_weekday_sorted():
    calendar = make_calendar(
        hours={
            "fri": [["12:30", "16:30"], ["08:00", "12:00"]],
            "mon": [["22:00", "00:00"]],
            "sun": [["20:00", "02:00"]],
        }
    )

    assert fresh(calendar).hours == {
        "mon": [["22:00", "24:00"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [["08:00", "12:00"], ["12:30", "16:30"]],
        "sat": [],
        "sun": [["20:00", "02:00"]],
    }
    # All seven keys (their order is not kept by PostgreSQL's jsonb).
    assert sorted(fresh(calendar).hours) == sorted(
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    )


def test_an_update_stores_the_normal_form_too():
    calendar = make_calendar()

    services.calendar_update(
        calendar=calendar, by=None, hours={"wed": [["13:00", "17:00"], ["07:00", "11:00"]]}
    )

    assert fresh(calendar).hours == {
        **{key: [] for key in ("mon", "tue", "thu", "fri", "sat", "sun")},
        "wed": [["07:00", "11:00"], ["13:00", "17:00"]],
    }


def test_holiday_codes_are_stored_in_capitals_and_empty_for_none():
    calendar = services.calendar_create(
        by=None,
        name="Bavaria",
        timezone="Europe/Berlin",
        holiday_country="de",
        holiday_subdivision="by",
    )

    assert (fresh(calendar).holiday_country, fresh(calendar).holiday_subdivision) == ("DE", "BY")
    services.calendar_update(
        calendar=calendar, by=None, holiday_country=None, holiday_subdivision=None
    )
    assert (fresh(calendar).holiday_country, fresh(calendar).holiday_subdivision) == ("", "")


# Closed and open days


def test_closed_and_open_days_are_replaced_as_whole_lists():
    calendar = make_calendar(
        closed_days=[date(2027, 1, 7), date(2027, 2, 1)],
        open_days=[
            {"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]},
            {"on": date(2027, 1, 16), "hours": [["10:00", "12:00"]]},
        ],
    )

    services.calendar_update(
        calendar=calendar,
        by=None,
        closed_days=[date(2027, 3, 1), date(2027, 2, 1)],
        open_days=[{"on": date(2027, 1, 23), "hours": [["14:00", "16:00"], ["08:00", "10:00"]]}],
    )

    assert list(
        ClosedDay.objects.filter(calendar=calendar).order_by("on").values_list("on", flat=True)
    ) == [date(2027, 2, 1), date(2027, 3, 1)]
    assert list(OpenDay.objects.filter(calendar=calendar).values_list("on", "hours")) == [
        (date(2027, 1, 23), [["08:00", "10:00"], ["14:00", "16:00"]])
    ]


def test_leaving_out_the_day_lists_keeps_them():
    calendar = make_calendar()

    services.calendar_update(calendar=calendar, by=None, hours={"mon": WORKDAY})

    assert list(ClosedDay.objects.values_list("on", flat=True)) == [date(2027, 1, 7)]
    assert list(OpenDay.objects.values_list("on", flat=True)) == [date(2027, 1, 9)]


def test_a_closed_day_may_replace_an_open_day_of_the_same_date_in_one_update():
    calendar = make_calendar()

    services.calendar_update(
        calendar=calendar, by=None, closed_days=[date(2027, 1, 9)], open_days=[]
    )

    assert list(ClosedDay.objects.values_list("on", flat=True)) == [date(2027, 1, 9)]
    assert not OpenDay.objects.exists()


def test_a_new_closed_day_on_an_existing_open_day_is_refused():
    calendar = make_calendar()

    with pytest.raises(InvalidInput) as refused:
        services.calendar_update(calendar=calendar, by=None, closed_days=[date(2027, 1, 9)])

    assert refused.value.field_errors == {
        "open_days": ["2027-01-09 is both a closed and an open day."]
    }
    assert list(ClosedDay.objects.values_list("on", flat=True)) == [date(2027, 1, 7)]


# Audit


def test_every_write_is_audited(administrator):
    calendar = services.calendar_create(
        by=administrator, name="Helsinki office", timezone="Europe/Helsinki", is_default=False
    )
    services.calendar_update(calendar=calendar, by=administrator, name="HQ", hours={"mon": WORKDAY})
    services.calendar_set_active(calendar=calendar, by=administrator, is_active=False)
    services.calendar_set_active(calendar=calendar, by=administrator, is_active=False)  # no-op
    services.calendar_set_active(calendar=calendar, by=administrator, is_active=True)
    pk = calendar.pk
    services.calendar_delete(calendar=fresh(calendar), by=administrator)

    events = AuditEvent.objects.filter(object_type="calendars.workcalendar", object_id=str(pk))
    assert list(events.order_by("pk").values_list("actor__username", "verb", "data")) == [
        ("administrator", "calendar.created", {"name": "Helsinki office", "is_default": False}),
        ("administrator", "calendar.updated", {"changes": ["hours", "name"]}),
        ("administrator", "calendar.deactivated", {"is_active": False}),
        ("administrator", "calendar.activated", {"is_active": True}),
        ("administrator", "calendar.deleted", {"name": "HQ"}),
    ]


# The arithmetic cache


def test_the_arithmetic_follows_an_update_of_the_hours_at_once():
    calendar = make_calendar()
    assert selectors.arithmetic_of(fresh(calendar)).weekly_minutes == 5 * 480

    services.calendar_update(calendar=calendar, by=None, hours={"mon": [["08:00", "16:00"]]})

    assert selectors.arithmetic_of(fresh(calendar)).weekly_minutes == 480


def test_the_arithmetic_follows_changed_closed_and_open_days_at_once():
    from openservice.calendars.arithmetic import business_minutes_between

    calendar = make_calendar()
    week = (datetime(2027, 1, 3, 22, tzinfo=UTC), datetime(2027, 1, 10, 22, tzinfo=UTC))
    # Mon 4 Jan - Sun 10 Jan (Helsinki): Mon, Tue, Fri open, Wed Epiphany, Thu closed, Sat open
    # 09:00-13:00.
    assert business_minutes_between(*week, selectors.arithmetic_of(fresh(calendar))) == 1680

    services.calendar_update(calendar=calendar, by=None, closed_days=[], open_days=[])

    assert business_minutes_between(*week, selectors.arithmetic_of(fresh(calendar))) == 4 * 480


def test_the_arithmetic_follows_a_change_of_time_zone_and_holidays_at_once():
    from openservice.calendars.arithmetic import add_business_minutes

    calendar = make_calendar(closed_days=[], open_days=[])
    friday = datetime(2027, 12, 3, 14, 0, tzinfo=UTC)  # 16:00 in Helsinki, 15:00 in Stockholm
    arithmetic = selectors.arithmetic_of(fresh(calendar))
    # 30 minutes on Friday; Monday 6 Dec is Independence Day; Tuesday 08:00 + 30 = 08:30+02:00.
    assert add_business_minutes(friday, 60, arithmetic) == datetime(2027, 12, 7, 6, 30, tzinfo=UTC)

    services.calendar_update(
        calendar=calendar, by=None, timezone="Europe/Stockholm", holiday_country="SE"
    )

    # 90 minutes on Friday in Stockholm (15:00-16:30) covers the hour.
    assert add_business_minutes(friday, 60, selectors.arithmetic_of(fresh(calendar))) == datetime(
        2027, 12, 3, 15, 0, tzinfo=UTC
    )


def test_no_calendar_means_the_default_and_no_default_means_round_the_clock():
    assert selectors.arithmetic_of(None).weekly_minutes == 7 * 1440

    make_calendar(is_default=True)

    assert selectors.arithmetic_of(None).weekly_minutes == 5 * 480
