import re

import pytest
from django.db import connection
from django.urls import reverse

from openservice.core.roles import Role
from openservice.core.services import audit
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.workforce.tests.factories import (
    DispatchTeamFactory,
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert match, f"no {name} figure"
    return match.group(1)


def _nav(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z]+)"', html))


def _technician(name, team, skills, **fields):
    technician = TechnicianFactory(name=name, team=team, **fields)
    for code, level in skills.items():
        TechnicianSkillFactory(technician=technician, skill=SkillFactory(code=code), level=level)
    return technician


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_page_renders_the_form(client, db):
    response = client.get("/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "data-nav" not in html


def test_logging_in_with_the_form_opens_home(client, manager):
    response = client.post("/login/", {"username": "manager", "password": "pw"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == manager.pk
    assert "Service manager" in client.get("/").content.decode()


def test_logging_in_returns_to_the_requested_page(client, manager):
    response = client.post(
        "/login/?next=/technicians/", {"username": "manager", "password": "pw", "next": "/x/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/x/"


def test_login_does_not_redirect_to_another_site(client, manager):
    response = client.post(
        "/login/", {"username": "manager", "password": "pw", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_shows_the_form_again(client, manager):
    response = client.post("/login/", {"username": "manager", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, manager):
    client.force_login(manager)

    assert client.get("/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_manager_home_shows_customer_figures_and_latest_customers(client, manager):
    gold = AgreementGroupFactory(code="GOLD")
    CustomerFactory(name="Lopettanut Oy", is_active=False)
    for n in range(1, 7):
        CustomerFactory(name=f"Asiakas {n} Oy", agreement_group=gold)
    SiteFactory(customer=CustomerFactory(name="Työmaa Oy"))
    TechnicianFactory()

    html = _home(client, manager)

    assert _stat(html, "customers") == "7"  # active ones only
    assert _stat(html, "sites") == "1"
    assert _stat(html, "technicians") == "1"
    # The five newest customers, newest first.
    latest = re.findall(r'href="/customers/\d+/">([^<]+)</a>', html)
    assert latest == ["Työmaa Oy", "Asiakas 6 Oy", "Asiakas 5 Oy", "Asiakas 4 Oy", "Asiakas 3 Oy"]
    assert "Asiakas 2 Oy" not in html
    assert "GOLD" in html
    assert "New customer" in html


def test_manager_home_lists_recent_activity(client, manager):
    customer = CustomerFactory(name="Kone Oy")
    audit(manager, "customer.created", customer)

    html = _home(client, manager)

    assert "customer.created" in html
    assert f"customers.customer #{customer.pk}" in html


def test_manager_home_without_customers_invites_to_create_one(client, manager):
    html = _home(client, manager)

    assert _stat(html, "customers") == "0"
    assert "Create the first customer" in html


def test_dispatcher_home_shows_technicians_with_skill_chips(client, dispatcher):
    lifts = DispatchTeamFactory(code="LIFTS", name="Lifts team")
    _technician("Mikko Virtanen", lifts, {"LIFT": 5, "ELEC": 3}, phone="+358 40 1")
    _technician("Jussi Korhonen", lifts, {"LIFT": 4})
    _technician("Poissa Oleva", lifts, {"LIFT": 1}, is_active=False)
    SiteFactory()

    html = _home(client, dispatcher)

    assert "Mikko Virtanen" in html
    assert "Jussi Korhonen" in html
    assert "Poissa Oleva" not in html
    assert "ELEC&nbsp;3" in html
    assert "LIFT&nbsp;5" in html
    assert "LIFT&nbsp;4" in html
    assert 'href="tel:+358 40 1"' in html
    assert re.search(r'<span class="stat-value">2</span><span class="stat-label">Lifts team<', html)
    assert _stat(html, "sites") == "1"
    assert "New customer" not in html


def test_technician_home_shows_own_skills_and_team(client, technician_user):
    lifts = DispatchTeamFactory(code="LIFTS", name="Lifts team")
    hvac = DispatchTeamFactory(code="HVAC", name="HVAC team")
    _technician("Minä Itse", lifts, {"LIFT": 4, "ESC": 2}, user=technician_user)
    _technician("Tiimi Kaveri", lifts, {"ELEC": 3})
    _technician("Muu Tiimi", hvac, {"HVAC": 5})

    html = _home(client, technician_user)

    assert "<h2>Minä Itse</h2>" in html
    assert "Lifts team" in html
    assert "LIFT&nbsp;4" in html
    assert "ESC&nbsp;2" in html
    assert "Tiimi Kaveri" in html
    assert "ELEC&nbsp;3" in html
    assert "Muu Tiimi" not in html
    assert "HVAC&nbsp;5" not in html
    assert "New customer" not in html


def test_technician_without_record_is_told_so(client, technician_user):
    html = _home(client, technician_user)

    assert "not linked to a technician record" in html


def test_customer_home_shows_own_sites_and_not_others(client, customer_user):
    own = customer_user.customer_contact.customer
    own.name = "Oma Yhtiö Oy"
    own.save()
    SiteFactory(customer=own, name="Pääkonttori", city="Espoo")
    SiteFactory(customer=own, name="Varasto", is_active=False)
    other = CustomerFactory(name="Kilpailija Oy")
    SiteFactory(customer=other, name="Vieras Kohde")
    ContactFactory(customer=other, name="Vieras Henkilö")

    html = _home(client, customer_user)

    assert "Oma Yhtiö Oy" in html
    assert "Pääkonttori" in html
    assert "Espoo" in html
    assert customer_user.customer_contact.name in html
    assert "Varasto" not in html
    assert "Kilpailija Oy" not in html
    assert "Vieras Kohde" not in html
    assert "Vieras Henkilö" not in html


def test_customer_home_lists_own_returns_under_way_and_offers_a_request(
    client, customer_user, manager
):
    from openservice.catalog.tests.factories import ItemFactory
    from openservice.returns import services as returns
    from openservice.returns.tests.factories import line_input, return_codes

    codes = return_codes()
    own = customer_user.customer_contact.customer

    def new_return(customer):
        return returns.return_create(
            by=manager,
            customer=customer,
            reason=codes["DEFECT"],
            lines=[line_input(item=ItemFactory())],
        )

    mine, cancelled, other = new_return(own), new_return(own), new_return(CustomerFactory())
    returns.return_cancel(ret=cancelled, by=manager)

    html = _home(client, customer_user)

    assert f'data-return="{mine.pk}"' in html
    assert f'data-return="{cancelled.pk}"' not in html
    assert other.number not in html
    assert "/returns/request/" in html


def test_customer_without_contact_is_told_so(client, make_user):
    user = make_user(Role.CUSTOMER)

    html = _home(client, user)

    assert "not linked to a customer yet" in html


def test_administrator_home_shows_users_per_role_and_settings(client, administrator, make_user):
    make_user(Role.TECHNICIAN, username="t1")
    make_user(Role.TECHNICIAN, username="t2")
    make_user(Role.MANAGER, Role.DISPATCHER, username="both")

    html = _home(client, administrator)

    assert _stat(html, "users") == "4"
    role_counts = {
        label: int(count)
        for count, label in re.findall(
            r'<span class="stat-value">(\d+)</span><span class="stat-label">([^<]+)</span>', html
        )
    }
    assert role_counts == {
        "Service manager": 1,
        "Dispatcher": 1,
        "Technician": 2,
        "Administrator": 1,
        "Customer": 0,
    }
    assert "<dd>EUR</dd>" in html
    assert "<dd>Europe/Helsinki</dd>" in html
    assert f"<dd>{connection.vendor}</dd>" in html
    for username in ("t1", "t2", "both", "administrator"):
        assert f">{username}</a>" in html


def test_user_without_role_gets_a_welcome_page(client, make_user):
    html = _home(client, make_user())

    assert "no role yet" in html
    assert _nav(html) == {"home"}


@pytest.mark.parametrize(
    "fixture, expected",
    [
        (
            "manager",
            {"home", "orders", "monitor", "agreements", "customers", "objects", "technicians"}
            | {"calendars", "sla", "reports", "subscriptions", "invoices", "returns", "dispatch"},
        ),
        (
            "dispatcher",
            {"home", "orders", "monitor", "agreements", "customers", "objects", "technicians"}
            | {"reports", "returns", "dispatch"},  # the repair reports; the dispatch board
        ),
        ("technician_user", {"home", "orders", "repairs", "customers", "objects", "technicians"}),
        (
            "administrator",
            {"home", "orders", "monitor", "agreements", "customers", "objects", "technicians"}
            | {"admin", "calendars", "sla", "subscriptions", "invoices", "returns"},
        ),
        ("customer_user", {"home", "orders", "customers", "objects", "invoices", "returns"}),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(client, db, request, fixture, expected):
    user = request.getfixturevalue(fixture)

    html = _home(client, user)

    assert _nav(html) == expected


def test_customer_navigation_names_their_company(client, customer_user):
    html = _home(client, customer_user)

    assert ">My company</a>" in html
    assert ">Technicians</a>" not in html
    assert ">Customers</a>" not in html


def test_admin_link_is_shown_to_staff_accounts_only(client, make_user):
    staff_manager = make_user(Role.MANAGER, is_staff=True)
    dispatcher = make_user(Role.DISPATCHER)

    assert "admin" in _nav(_home(client, staff_manager))
    assert "admin" not in _nav(_home(client, dispatcher))


def test_role_chip_shows_the_primary_role(client, make_user):
    user = make_user(Role.CUSTOMER, Role.DISPATCHER)

    html = _home(client, user)

    assert '<span class="chip role" data-role>Dispatcher</span>' in html
