import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.core.roles import Role
from openservice.workforce.tests.factories import (
    DispatchTeamFactory,
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)

LIST_URL = "/technicians/"


def listed_names(response) -> list[str]:
    """The technicians' names in the rows of a list page or partial, in order."""
    return re.findall(r'<a href="/technicians/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def crew(db, make_user):
    north = DispatchTeamFactory(code="NORTH", name="North team")
    south = DispatchTeamFactory(code="SOUTH", name="South team")
    elec = SkillFactory(code="ELEC", name="Electrical")
    gas = SkillFactory(code="GAS", name="Gas fitting")
    anna = TechnicianFactory(
        name="Anna Virtanen",
        team=north,
        phone="+358401234567",
        email="anna@example.com",
        user=make_user(Role.TECHNICIAN, username="anna"),
        home_latitude=Decimal("60.169900"),
        home_longitude=Decimal("24.938400"),
        hourly_cost=Decimal("47.25"),
    )
    bert = TechnicianFactory(name="Bert Berg", team=south)
    cara = TechnicianFactory(name="Cara Cole", team=north)
    dave = TechnicianFactory(name="Dave Dahl", team=south, is_active=False)
    TechnicianSkillFactory(technician=anna, skill=elec, level=5)
    TechnicianSkillFactory(technician=anna, skill=gas, level=2)
    TechnicianSkillFactory(technician=bert, skill=elec, level=3)
    TechnicianSkillFactory(technician=cara, skill=gas, level=4)
    return {"north": north, "south": south, "anna": anna, "bert": bert, "dave": dave}


@pytest.mark.parametrize("role", ["manager", "dispatcher", "technician_user", "administrator"])
def test_technician_list_page_shows_active_technicians_with_skill_chips(
    client, request, crew, role
):
    client.force_login(request.getfixturevalue(role))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert listed_names(response) == ["Anna Virtanen", "Bert Berg", "Cara Cole"]
    assert '<span class="chip" title="Electrical">ELEC&nbsp;5</span>' in response.content.decode()
    assert '<span class="chip" title="Gas fitting">GAS&nbsp;2</span>' in response.content.decode()
    assert '<span class="chip" title="Electrical">ELEC&nbsp;3</span>' in response.content.decode()
    assert '<span class="chip" title="Gas fitting">GAS&nbsp;4</span>' in response.content.decode()
    assert "North team" in response.content.decode()
    assert '<a href="tel:+358401234567">+358401234567</a>' in response.content.decode()
    assert '<form method="get" class="filters"' in response.content.decode()


def test_technician_list_page_filters_by_team(client, manager, crew):
    client.force_login(manager)

    response = client.get(LIST_URL, {"team_id": crew["north"].pk})

    assert listed_names(response) == ["Anna Virtanen", "Cara Cole"]


def test_technician_list_page_filters_by_skill(client, manager, crew):
    client.force_login(manager)

    elec = client.get(LIST_URL, {"skill": "ELEC"})
    gas_in_south = client.get(LIST_URL, {"skill": "GAS", "team_id": crew["south"].pk})

    assert listed_names(elec) == ["Anna Virtanen", "Bert Berg"]
    assert listed_names(gas_in_south) == []
    assert "No technicians match. Clear the filters." in gas_in_south.content.decode()


def test_technician_list_page_searches_and_shows_inactive_on_request(client, manager, crew):
    client.force_login(manager)

    found = client.get(LIST_URL, {"q": "berg"})
    inactive = client.get(LIST_URL, {"is_active": "false"})
    everyone = client.get(LIST_URL, {"is_active": "all"})

    assert listed_names(found) == ["Bert Berg"]
    assert listed_names(inactive) == ["Dave Dahl"]
    assert '<span class="chip inactive">Inactive</span>' in inactive.content.decode()
    assert listed_names(everyone) == ["Anna Virtanen", "Bert Berg", "Cara Cole", "Dave Dahl"]


def test_technician_list_page_ignores_an_unknown_team_filter(client, manager, crew):
    client.force_login(manager)

    response = client.get(LIST_URL, {"team_id": "999999"})

    assert response.status_code == 200
    assert listed_names(response) == ["Anna Virtanen", "Bert Berg", "Cara Cole"]


def test_technician_list_htmx_request_returns_only_the_rows(client, manager, crew):
    client.force_login(manager)

    response = client.get(LIST_URL, {"team_id": crew["south"].pk}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert listed_names(response) == ["Bert Berg"]
    assert body.lstrip().startswith("<table")
    assert "<html" not in body
    assert '<form method="get" class="filters"' not in body
    assert 'id="technician-rows"' not in body


def test_technician_list_page_paginates_by_25(client, manager):
    team = DispatchTeamFactory()
    for n in range(30):
        TechnicianFactory(name=f"Tech {n:02d}", team=team)
    client.force_login(manager)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2, "team_id": team.pk})

    assert listed_names(first) == [f"Tech {n:02d}" for n in range(25)]
    assert "Page 1 of 2" in first.content.decode()
    assert listed_names(second) == [f"Tech {n:02d}" for n in range(25, 30)]
    assert f'href="?team_id={team.pk}&amp;page=1"' in second.content.decode()


def test_technician_list_page_costs_the_same_queries_for_5_or_25_rows(client, manager):
    skills = [SkillFactory(code=f"S{n}") for n in range(3)]

    def add_technicians(count):
        for _ in range(count):
            technician = TechnicianFactory()
            for skill in skills:
                TechnicianSkillFactory(technician=technician, skill=skill)

    client.force_login(manager)
    add_technicians(5)
    with CaptureQueriesContext(connection) as five:
        assert len(listed_names(client.get(LIST_URL))) == 5
    add_technicians(20)
    with CaptureQueriesContext(connection) as twenty_five:
        assert len(listed_names(client.get(LIST_URL))) == 25

    assert len(five) == len(twenty_five)


def test_technician_list_page_is_forbidden_to_customers(client, customer_user, crew):
    client.force_login(customer_user)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/technicians/{crew['anna'].pk}/").status_code == 403


def test_technician_pages_redirect_anonymous_users_to_login(client, crew):
    listing = client.get(LIST_URL)
    detail = client.get(f"/technicians/{crew['anna'].pk}/")

    assert listing.status_code == 302
    assert listing["Location"] == "/login/?next=/technicians/"
    assert detail.status_code == 302
    assert detail["Location"] == f"/login/?next=/technicians/{crew['anna'].pk}/"


@pytest.mark.parametrize("role", ["manager", "dispatcher", "administrator"])
def test_technician_detail_shows_hourly_cost_to_cost_viewers(client, request, crew, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/technicians/{crew['anna'].pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Hourly cost</dt><dd>47.25</dd>" in body
    assert "<dt>Team</dt><dd>North team</dd>" in body
    assert "<dt>Login</dt><dd>anna</dd>" in body
    assert "<dt>Home base</dt><dd>60.169900, 24.938400</dd>" in body
    assert (
        '<td data-label="Skill">Electrical <span class="muted">ELEC</span></td>'
        '<td data-label="Level (1–5)">5</td>'
    ) in body
    assert (
        '<td data-label="Skill">Gas fitting <span class="muted">GAS</span></td>'
        '<td data-label="Level (1–5)">2</td>'
    ) in body


def test_technician_detail_hides_hourly_cost_from_technicians(client, technician_user, crew):
    client.force_login(technician_user)

    response = client.get(f"/technicians/{crew['anna'].pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Anna Virtanen" in body
    assert "Hourly cost" not in body
    assert "47.25" not in body


def test_technician_detail_without_skills_or_home_says_so(client, manager):
    technician = TechnicianFactory(name="Eve", team=None)
    client.force_login(manager)

    body = client.get(f"/technicians/{technician.pk}/").content.decode()

    assert "No skills recorded." in body
    assert "<dt>Home base</dt><dd>—</dd>" in body
    assert "<dt>Team</dt><dd>—</dd>" in body


def test_technician_detail_of_unknown_id_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/technicians/999999/").status_code == 404
