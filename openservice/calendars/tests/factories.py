import factory

from openservice.calendars.models import WorkCalendar

WORKDAY = [["08:00", "16:00"]]


class WorkCalendarFactory(factory.django.DjangoModelFactory):
    """Monday to Friday 08:00-16:00 in Helsinki, no public holidays unless given."""

    class Meta:
        model = WorkCalendar

    name = factory.Sequence(lambda n: f"Calendar {n}")
    timezone = "Europe/Helsinki"
    hours = factory.LazyFunction(
        lambda: dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WORKDAY)
    )
