from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from openservice.catalog.models import Item, ServiceTask
from openservice.core.roles import Role, primary_role
from openservice.customers.models import AgreementGroup, Contact, Customer, Site
from openservice.customers.selectors import customer_of_user
from openservice.demo import data
from openservice.workforce.models import DispatchTeam, Skill, Technician

DEMO_USERS = {
    "manager": Role.MANAGER,
    "dispatcher": Role.DISPATCHER,
    **{f"tech{n}": Role.TECHNICIAN for n in range(1, 9)},
    "customer1": Role.CUSTOMER,
    "admin": Role.ADMINISTRATOR,
}
MODELS = [
    get_user_model(),
    AgreementGroup,
    Customer,
    Site,
    Contact,
    Skill,
    DispatchTeam,
    Technician,
    Item,
    ServiceTask,
]


def _load() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    return _load()


def test_demo_creates_the_company(demo):
    assert demo.startswith("Demo data loaded: ")
    _check_sla(demo)
    assert _counts() == {
        "User": 12,
        "AgreementGroup": 3,
        "Customer": 30,
        "Site": 40,
        "Contact": 60,
        "Skill": 6,
        "DispatchTeam": 2,
        "Technician": 8,
        "Item": 40,
        "ServiceTask": 10,
    }
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert numbers == [f"C{n:05d}" for n in range(1, 31)]
    assert set(AgreementGroup.objects.values_list("code", flat=True)) == {
        "GOLD",
        "SILVER",
        "BRONZE",
    }
    assert not Customer.objects.filter(agreement_group=None).exists()
    assert set(Item.objects.values_list("kind", flat=True)) == {"product", "part", "service", "fee"}
    customers = Customer.objects.prefetch_related("sites")
    assert all(customer.sites.count() >= 1 for customer in customers)
    for site in Site.objects.all():
        assert site.timezone == "Europe/Helsinki"
        assert site.latitude is not None and site.longitude is not None
        assert 59 < site.latitude < 61
        assert 24 < site.longitude < 26
        assert site.city in {"Helsinki", "Espoo", "Vantaa"}

    teams = {team.code: team for team in DispatchTeam.objects.all()}
    assert set(teams) == {"LIFTS", "HVAC"}
    assert Technician.objects.filter(team=teams["LIFTS"]).count() == 4
    assert Technician.objects.filter(team=teams["HVAC"]).count() == 4
    for technician in Technician.objects.prefetch_related("skill_levels"):
        assert technician.user is not None
        assert technician.skill_levels.count() >= 2
        assert all(1 <= level.level <= 5 for level in technician.skill_levels.all())
    tech1 = Technician.objects.get(user__username="tech1")
    assert tech1.name == "Mikko Virtanen"
    assert {(s.skill.code, s.level) for s in tech1.skill_levels.all()} == {
        ("LIFT", 5),
        ("ESC", 3),
        ("ELEC", 3),
    }
    for task in ServiceTask.objects.prefetch_related("skill_needs"):
        assert task.skill_needs.exists(), task.code
    fault = ServiceTask.objects.get(code="LIFT-FAULT")
    assert {(n.skill.code, n.min_level) for n in fault.skill_needs.all()} == {
        ("LIFT", 3),
        ("ELEC", 2),
    }


def test_demo_users_have_their_roles_and_the_demo_password(demo):
    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == set(DEMO_USERS)
    for username, role in DEMO_USERS.items():
        user = users[username]
        assert primary_role(user) == role, username
        assert user.is_active
        assert user.check_password(data.PASSWORD), username
    assert data.PASSWORD == "demo"
    assert users["admin"].is_staff

    customer = customer_of_user(users["customer1"])

    assert customer is not None
    assert customer.name == data.PORTAL_CUSTOMER
    assert customer.is_active
    assert customer.sites.filter(is_active=True).count() >= 2
    assert Contact.objects.filter(user__isnull=False).count() == 1


def test_demo_rerun_adds_nothing(demo):
    before = _counts()

    output = _load()

    assert _counts() == before
    assert "already loaded" in output
    assert output.startswith("Demo data already loaded: nothing to add.")
    assert "customer1" in output


def _check_sla(demo) -> None:
    """Calendars, policies and orders in every SLA state (checked on the one demo load)."""
    from django.utils import timezone

    from openservice.calendars.models import WorkCalendar
    from openservice.orders.models import ServiceOrder, SlaEvent
    from openservice.orders.selectors import sla_state_now
    from openservice.sla.models import SlaAssignment, SlaPolicy

    default = WorkCalendar.objects.get(is_default=True)
    assert (default.name, default.timezone, default.holiday_country) == (
        "Finland office hours",
        "Europe/Helsinki",
        "FI",
    )
    assert default.hours["mon"] == [["08:00", "11:30"], ["12:00", "16:00"]]
    assert default.hours["sat"] == default.hours["sun"] == []
    assert set(SlaPolicy.objects.values_list("name", flat=True)) == {"Gold", "Silver", "Bronze"}
    assert SlaPolicy.objects.get(is_default=True).name == "Bronze"
    assert {(a.policy.name, a.agreement_group.code) for a in SlaAssignment.objects.all()} == {
        ("Gold", "GOLD"),
        ("Silver", "SILVER"),
        ("Bronze", "BRONZE"),
    }
    now = timezone.now()
    orders = ServiceOrder.objects.all()
    assert not orders.filter(sla_policy=None).exists()
    states = {sla_state_now(order, now) for order in orders}
    assert states == {"on_track", "at_risk", "breached", "met", "paused", "cancelled"}
    assert SlaEvent.objects.filter(recorded_at__isnull=False).exists()  # the demo ran a scan
