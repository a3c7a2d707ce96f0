from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.workforce.events import TechnicianDeactivated
from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill
from openservice.workforce.tests.factories import (
    DispatchTeamFactory,
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)

READERS = ["technician_user", "dispatcher", "manager", "administrator"]
WRITERS = ["manager", "administrator"]
REFUSED_WRITERS = [
    (None, 401),
    ("customer_user", 403),
    ("technician_user", 403),
    ("dispatcher", 403),
]
REFUSED_READERS = [(None, 401), ("customer_user", 403)]


@pytest.fixture
def api_for(request, api_as):
    """api_for("manager") -> ApiClient as that fixture's user; api_for(None) is anonymous."""

    def make(role):
        return api_as(None if role is None else request.getfixturevalue(role))

    return make


def business_events():
    """Audit events other than the API tokens the test clients create."""
    return AuditEvent.objects.exclude(verb__startswith="api_token.").order_by("id")


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("core.invalid_input", "Some fields are not valid.")
    return body["details"]["fields"]


def assert_refused(response, status: int, perm: str) -> None:
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    else:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm},
        }


# Skills


@pytest.mark.parametrize("role", READERS)
def test_skill_list_and_get_return_exact_fields(api_for, db, role):
    skill = SkillFactory(code="ELEC", name="Electrical", description="Low voltage")
    expected = {
        "id": skill.pk,
        "code": "ELEC",
        "name": "Electrical",
        "description": "Low voltage",
        "is_active": True,
    }
    api = api_for(role)

    assert api.get("skills").json() == {"items": [expected], "count": 1}
    assert api.get(f"skills/{skill.pk}").json() == expected


@pytest.mark.parametrize(("role", "status"), REFUSED_READERS)
def test_skills_are_not_readable_without_view_permission(api_for, db, role, status):
    skill = SkillFactory()
    api = api_for(role)

    assert_refused(api.get("skills"), status, "workforce.view_skill")
    assert_refused(api.get(f"skills/{skill.pk}"), status, "workforce.view_skill")


def test_skill_list_filters_and_paginates(api_as, manager):
    for code in ["A1", "A2", "B1", "B2"]:
        SkillFactory(code=code, name=f"Skill {code}")
    Skill.objects.filter(code="B2").update(is_active=False)
    api = api_as(manager)

    def codes(params):
        body = api.get("skills", params).json()
        return [row["code"] for row in body["items"]], body["count"]

    assert codes({"q": "a"}) == (["A1", "A2"], 2)
    assert codes({"is_active": "false"}) == (["B2"], 1)
    assert codes({"limit": 2, "offset": 1}) == (["A2", "B1"], 4)


@pytest.mark.parametrize("role", WRITERS)
def test_skill_create_uppercases_code(api_for, db, role):
    response = api_for(role).post("skills", {"code": "elec", "name": "Electrical"})

    assert response.status_code == 201, response.content
    skill = Skill.objects.get()
    assert response.json() == {
        "id": skill.pk,
        "code": "ELEC",
        "name": "Electrical",
        "description": "",
        "is_active": True,
    }
    assert business_events().get().verb == "skill.created"


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_skill_create_is_refused_without_add_permission(api_for, db, role, status):
    assert_refused(
        api_for(role).post("skills", {"code": "ELEC", "name": "Electrical"}),
        status,
        "workforce.add_skill",
    )
    assert not Skill.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "", "name": "Electrical"}, "code"),
        ({"code": "X" * 31, "name": "Electrical"}, "code"),
        ({"code": "ELEC", "name": "Elec\x00"}, "name"),
        ({"code": "ELEC"}, "name"),
    ],
)
def test_skill_create_refuses_invalid_input(api_as, manager, body, field):
    assert list(field_errors(api_as(manager).post("skills", body))) == [field]
    assert not Skill.objects.exists()


def test_skill_create_refuses_duplicate_code_in_other_case(api_as, manager):
    SkillFactory(code="ELEC")

    response = api_as(manager).post("skills", {"code": "Elec", "name": "Electrical"})

    assert field_errors(response) == {"code": ["Skill with this Code already exists."]}
    assert Skill.objects.count() == 1


@pytest.mark.parametrize("role", WRITERS)
def test_skill_patch_deactivate_and_activate(api_for, db, role):
    skill = SkillFactory(code="ELEC", name="Electrical")
    api = api_for(role)

    patched = api.patch(f"skills/{skill.pk}", {"code": "hvac"})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["code"], patched.json()["name"]) == ("HVAC", "Electrical")
    assert api.post(f"skills/{skill.pk}/deactivate").json()["is_active"] is False
    assert Skill.objects.get(pk=skill.pk).is_active is False
    assert api.post(f"skills/{skill.pk}/activate").json()["is_active"] is True
    assert list(business_events().values_list("verb", flat=True)) == [
        "skill.updated",
        "skill.deactivated",
        "skill.activated",
    ]


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_skill_patch_and_deactivate_are_refused_without_change_permission(
    api_for, db, role, status
):
    skill = SkillFactory(code="ELEC")
    api = api_for(role)

    assert_refused(api.patch(f"skills/{skill.pk}", {"code": "X"}), status, "workforce.change_skill")
    assert_refused(api.post(f"skills/{skill.pk}/deactivate"), status, "workforce.change_skill")
    skill.refresh_from_db()
    assert (skill.code, skill.is_active) == ("ELEC", True)


def test_skill_unknown_id_is_404(api_as, manager):
    api = api_as(manager)

    assert api.get("skills/999999").json()["details"] == {"skill_id": 999999}
    assert api.patch("skills/999999", {"name": "X"}).status_code == 404
    assert api.post("skills/999999/activate").status_code == 404


# Teams


@pytest.mark.parametrize("role", READERS)
def test_team_list_and_get_return_exact_fields(api_for, dispatcher, role):
    team = DispatchTeamFactory(code="NORTH", name="North", owner=dispatcher)
    expected = {
        "id": team.pk,
        "code": "NORTH",
        "name": "North",
        "owner_id": dispatcher.pk,
        "is_active": True,
    }
    api = api_for(role)

    assert api.get("teams").json() == {"items": [expected], "count": 1}
    assert api.get(f"teams/{team.pk}").json() == expected


@pytest.mark.parametrize(("role", "status"), REFUSED_READERS)
def test_teams_are_not_readable_without_view_permission(api_for, db, role, status):
    team = DispatchTeamFactory()
    api = api_for(role)

    assert_refused(api.get("teams"), status, "workforce.view_dispatchteam")
    assert_refused(api.get(f"teams/{team.pk}"), status, "workforce.view_dispatchteam")


def test_team_list_filters(api_as, manager):
    DispatchTeamFactory(code="NORTH", name="North region")
    DispatchTeamFactory(code="SOUTH", name="South region", is_active=False)
    DispatchTeamFactory(code="LIFTS", name="Lifts")
    api = api_as(manager)

    def codes(params):
        return [row["code"] for row in api.get("teams", params).json()["items"]]

    assert codes({}) == ["LIFTS", "NORTH", "SOUTH"]
    assert codes({"q": "region"}) == ["NORTH", "SOUTH"]
    assert codes({"q": "region", "is_active": "true"}) == ["NORTH"]


@pytest.mark.parametrize("role", WRITERS)
def test_team_create_with_owner(api_for, dispatcher, role):
    response = api_for(role).post(
        "teams", {"code": "north", "name": "North", "owner_id": dispatcher.pk}
    )

    assert response.status_code == 201, response.content
    team = DispatchTeam.objects.get()
    assert response.json() == {
        "id": team.pk,
        "code": "NORTH",
        "name": "North",
        "owner_id": dispatcher.pk,
        "is_active": True,
    }
    assert team.owner == dispatcher


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_team_create_is_refused_without_add_permission(api_for, db, role, status):
    response = api_for(role).post("teams", {"code": "NORTH", "name": "North"})

    assert_refused(response, status, "workforce.add_dispatchteam")
    assert not DispatchTeam.objects.exists()


def test_team_create_refuses_unknown_owner(api_as, manager):
    response = api_as(manager).post("teams", {"code": "N", "name": "N", "owner_id": 999999})

    assert field_errors(response) == {"owner_id": ["No such user."]}
    assert not DispatchTeam.objects.exists()


def test_team_create_refuses_duplicate_code(api_as, manager):
    DispatchTeamFactory(code="NORTH")

    response = api_as(manager).post("teams", {"code": "north", "name": "North"})

    assert field_errors(response) == {"code": ["Dispatch team with this Code already exists."]}
    assert DispatchTeam.objects.count() == 1


def test_team_patch_sets_and_clears_owner(api_as, manager, dispatcher):
    team = DispatchTeamFactory(code="NORTH", name="North")
    api = api_as(manager)

    assert api.patch(f"teams/{team.pk}", {"owner_id": dispatcher.pk}).json()["owner_id"] == (
        dispatcher.pk
    )
    assert DispatchTeam.objects.get(pk=team.pk).owner == dispatcher
    cleared = api.patch(f"teams/{team.pk}", {"owner_id": None})
    assert cleared.json()["owner_id"] is None
    team.refresh_from_db()
    assert (team.owner, team.name) == (None, "North")


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_team_patch_and_deactivate_are_refused_without_change_permission(api_for, db, role, status):
    team = DispatchTeamFactory(name="North")
    api = api_for(role)

    assert_refused(
        api.patch(f"teams/{team.pk}", {"name": "X"}), status, "workforce.change_dispatchteam"
    )
    assert_refused(api.post(f"teams/{team.pk}/deactivate"), status, "workforce.change_dispatchteam")
    team.refresh_from_db()
    assert (team.name, team.is_active) == ("North", True)


@pytest.mark.parametrize("role", WRITERS)
def test_team_deactivate_and_activate(api_for, db, role):
    team = DispatchTeamFactory()
    api = api_for(role)

    assert api.post(f"teams/{team.pk}/deactivate").json()["is_active"] is False
    assert DispatchTeam.objects.get(pk=team.pk).is_active is False
    assert api.post(f"teams/{team.pk}/activate").json()["is_active"] is True
    assert DispatchTeam.objects.get(pk=team.pk).is_active is True


def test_team_unknown_id_is_404(api_as, manager):
    response = api_as(manager).get("teams/999999")

    assert response.status_code == 404
    assert response.json()["details"] == {"team_id": 999999}


# Technicians


@pytest.fixture
def anna(db, make_user):
    """A technician with a login, a team, two skills, a home base and an hourly cost of 40."""
    technician = TechnicianFactory(
        name="Anna Virtanen",
        user=make_user(Role.TECHNICIAN, username="anna"),
        team=DispatchTeamFactory(code="NORTH"),
        phone="+358401234567",
        email="anna@example.com",
        home_latitude=Decimal("60.169900"),
        home_longitude=Decimal("24.938400"),
    )
    TechnicianSkillFactory(technician=technician, skill=SkillFactory(code="GAS"), level=2)
    TechnicianSkillFactory(technician=technician, skill=SkillFactory(code="ELEC"), level=5)
    return technician


def anna_body(anna, *, hourly_cost) -> dict:
    skill_ids = dict(Skill.objects.values_list("code", "pk"))
    return {
        "id": anna.pk,
        "user_id": anna.user_id,
        "username": "anna",
        "name": "Anna Virtanen",
        "team_id": anna.team_id,
        "calendar_id": None,
        "phone": "+358401234567",
        "email": "anna@example.com",
        "skills": [
            {"skill_id": skill_ids["ELEC"], "code": "ELEC", "level": 5},
            {"skill_id": skill_ids["GAS"], "code": "GAS", "level": 2},
        ],
        "home_latitude": 60.1699,
        "home_longitude": 24.9384,
        "hourly_cost": hourly_cost,
        "is_active": True,
    }


@pytest.mark.parametrize(
    ("role", "hourly_cost"),
    [
        ("manager", "40.00"),
        ("dispatcher", "40.00"),
        ("administrator", "40.00"),
        ("technician_user", None),
    ],
)
def test_technician_list_and_get_return_exact_fields_with_cost_only_for_cost_viewers(
    api_for, anna, role, hourly_cost
):
    api = api_for(role)

    listed = api.get("technicians")
    single = api.get(f"technicians/{anna.pk}")

    assert listed.status_code == 200, listed.content
    assert listed.json() == {"items": [anna_body(anna, hourly_cost=hourly_cost)], "count": 1}
    assert single.json() == anna_body(anna, hourly_cost=hourly_cost)


def test_technician_without_user_team_or_home_has_nulls(api_as, manager):
    technician = TechnicianFactory(name="Bert", team=None)

    body = api_as(manager).get(f"technicians/{technician.pk}").json()

    assert body == {
        "id": technician.pk,
        "user_id": None,
        "username": None,
        "name": "Bert",
        "team_id": None,
        "calendar_id": None,
        "phone": "",
        "email": "",
        "skills": [],
        "home_latitude": None,
        "home_longitude": None,
        "hourly_cost": "40.00",
        "is_active": True,
    }


@pytest.mark.parametrize(("role", "status"), REFUSED_READERS)
def test_technicians_are_not_readable_without_view_permission(api_for, anna, role, status):
    api = api_for(role)

    assert_refused(api.get("technicians"), status, "workforce.view_technician")
    assert_refused(api.get(f"technicians/{anna.pk}"), status, "workforce.view_technician")


@pytest.fixture
def crew(db):
    north, south = DispatchTeamFactory(code="NORTH"), DispatchTeamFactory(code="SOUTH")
    elec, gas = SkillFactory(code="ELEC"), SkillFactory(code="GAS")
    people = {
        name: TechnicianFactory(name=name, team=team)
        for name, team in [("Anna", north), ("Bert", south), ("Cara", north), ("Dave", south)]
    }
    TechnicianSkillFactory(technician=people["Anna"], skill=elec, level=5)
    TechnicianSkillFactory(technician=people["Bert"], skill=elec, level=2)
    TechnicianSkillFactory(technician=people["Cara"], skill=gas, level=4)
    Technician.objects.filter(name="Dave").update(is_active=False)
    return {"north": north, "south": south, "elec": elec, "gas": gas, **people}


def test_technician_list_filters_orders_and_paginates(api_as, manager, crew):
    api = api_as(manager)

    def names(params):
        response = api.get("technicians", params)
        assert response.status_code == 200, response.content
        body = response.json()
        return [row["name"] for row in body["items"]], body["count"]

    assert names({}) == (["Anna", "Bert", "Cara", "Dave"], 4)
    assert names({"team_id": crew["north"].pk}) == (["Anna", "Cara"], 2)
    assert names({"skill_id": crew["elec"].pk}) == (["Anna", "Bert"], 2)
    assert names({"skill": "elec", "min_level": 3}) == (["Anna"], 1)
    assert names({"skill": "GAS", "min_level": 5}) == ([], 0)
    assert names({"is_active": "false"}) == (["Dave"], 1)
    assert names({"q": "car"}) == (["Cara"], 1)
    assert names({"order_by": "-name", "limit": 2}) == (["Dave", "Cara"], 4)
    assert names({"order_by": "team", "is_active": "true"}) == (["Anna", "Cara", "Bert"], 3)
    assert names({"limit": 1, "offset": 3}) == (["Dave"], 4)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_level": 0}, "min_level"),
        ({"min_level": 6}, "min_level"),
        ({"order_by": "bogus"}, "order_by"),
        ({"order_by": "hourly_cost"}, "order_by"),
        ({"team_id": 0}, "team_id"),
        ({"skill_id": "x"}, "skill_id"),
        ({"limit": 501}, "limit"),
    ],
)
def test_technician_list_refuses_bad_filters(api_as, manager, params, field):
    assert list(field_errors(api_as(manager).get("technicians", params))) == [field]


def test_technician_list_page_of_50_costs_the_same_queries_as_a_page_of_5(api_as, manager):
    skills = [SkillFactory(code=f"S{n}") for n in range(3)]
    for n in range(55):
        technician = TechnicianFactory(name=f"Tech {n:02d}")
        for level, skill in enumerate(skills, start=1):
            TechnicianSkillFactory(technician=technician, skill=skill, level=level)
    api = api_as(manager)
    api.get("technicians", {"limit": 1})  # marks the token used, once a minute

    def queries_for(limit):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("technicians", {"limit": limit})
        assert len(response.json()["items"]) == limit
        return len(queries)

    assert queries_for(5) == queries_for(50)


@pytest.mark.parametrize("role", WRITERS)
def test_technician_create_returns_201_with_all_fields(api_for, make_user, role):
    user = make_user(Role.TECHNICIAN, username="anna")
    team = DispatchTeamFactory(code="NORTH")
    calendar = WorkCalendarFactory(name="Day shift")
    elec, gas = SkillFactory(code="ELEC"), SkillFactory(code="GAS")

    response = api_for(role).post(
        "technicians",
        {
            "name": "Anna Virtanen",
            "user_id": user.pk,
            "team_id": team.pk,
            "calendar_id": calendar.pk,
            "phone": "+358401234567",
            "email": "anna@example.com",
            "skills": [{"skill_id": gas.pk, "level": 2}, {"skill_id": elec.pk}],
            "home_latitude": 60.1699,
            "home_longitude": "24.938400",
            "hourly_cost": "42.50",
        },
    )

    assert response.status_code == 201, response.content
    technician = Technician.objects.get()
    assert response.json() == {
        "id": technician.pk,
        "user_id": user.pk,
        "username": "anna",
        "name": "Anna Virtanen",
        "team_id": team.pk,
        "calendar_id": calendar.pk,
        "phone": "+358401234567",
        "email": "anna@example.com",
        "skills": [
            {"skill_id": elec.pk, "code": "ELEC", "level": 1},
            {"skill_id": gas.pk, "code": "GAS", "level": 2},
        ],
        "home_latitude": 60.1699,
        "home_longitude": 24.9384,
        "hourly_cost": "42.50",
        "is_active": True,
    }
    assert (technician.home_latitude, technician.hourly_cost, technician.calendar) == (
        Decimal("60.169900"),
        Decimal("42.50"),
        calendar,
    )
    assert list(business_events().values_list("verb", flat=True)) == [
        "technician.created",
        "technician.skills_set",
    ]


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_technician_create_is_refused_without_add_permission(api_for, db, role, status):
    response = api_for(role).post("technicians", {"name": "Anna"})

    assert_refused(response, status, "workforce.add_technician")
    assert not Technician.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Anna\x00"}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"hourly_cost": "-1.00"}, "hourly_cost"),
        ({"hourly_cost": "1.234"}, "hourly_cost"),
        ({"home_latitude": 91, "home_longitude": 0}, "home_latitude"),
        ({"home_latitude": 0, "home_longitude": -181}, "home_longitude"),
        ({"home_latitude": 60}, "__all__"),
        ({"skills": [{"skill_id": "ELEC", "level": 6}]}, "skills.0.level"),
        ({"skills": [{"skill_id": "ELEC", "level": 0}]}, "skills.0.level"),
        ({"skills": [{"skill_id": 999999, "level": 2}]}, "skills"),
        ({"team_id": 999999}, "team_id"),
        ({"calendar_id": 999999}, "calendar_id"),
        ({"user_id": 999999}, "user_id"),
        ({"user_id": 0}, "user_id"),
    ],
)
def test_technician_create_refuses_invalid_input_and_writes_nothing(
    api_as, manager, changes, field
):
    elec = SkillFactory(code="ELEC")
    for row in changes.get("skills", []):
        if row["skill_id"] == "ELEC":
            row["skill_id"] = elec.pk

    response = api_as(manager).post("technicians", {"name": "Anna", **changes})

    assert list(field_errors(response)) == [field]
    assert not Technician.objects.exists()
    assert not TechnicianSkill.objects.exists()
    assert not business_events().exists()


def test_technician_create_refuses_a_user_already_linked_on_user_id(
    api_as, manager, technician_user
):
    TechnicianFactory(user=technician_user)

    response = api_as(manager).post(
        "technicians", {"name": "Second", "user_id": technician_user.pk}
    )

    assert field_errors(response) == {"user_id": ["Technician with this User already exists."]}
    assert Technician.objects.count() == 1


def test_technician_patch_refuses_a_user_already_linked_on_user_id(api_as, manager, anna):
    bert = TechnicianFactory(name="Bert")

    response = api_as(manager).patch(f"technicians/{bert.pk}", {"user_id": anna.user_id})

    assert field_errors(response) == {"user_id": ["Technician with this User already exists."]}
    bert.refresh_from_db()
    assert bert.user is None


@pytest.mark.parametrize("role", WRITERS)
def test_technician_patch_replaces_skills_and_changes_given_fields(api_for, anna, role):
    water = SkillFactory(code="WATER")
    gas = Skill.objects.get(code="GAS")

    response = api_for(role).patch(
        f"technicians/{anna.pk}",
        {"phone": "+3585000", "skills": [{"skill_id": gas.pk, "level": 4}, {"skill_id": water.pk}]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "+3585000"
    assert body["email"] == "anna@example.com"
    assert body["skills"] == [
        {"skill_id": gas.pk, "code": "GAS", "level": 4},
        {"skill_id": water.pk, "code": "WATER", "level": 1},
    ]
    assert sorted(TechnicianSkill.objects.values_list("skill__code", "level")) == [
        ("GAS", 4),
        ("WATER", 1),
    ]


def test_technician_patch_sets_and_clears_calendar(api_as, manager, anna):
    calendar = WorkCalendarFactory(name="Night shift")
    api = api_as(manager)

    assigned = api.patch(f"technicians/{anna.pk}", {"calendar_id": calendar.pk})
    anna.refresh_from_db()
    assert (assigned.json()["calendar_id"], anna.calendar) == (calendar.pk, calendar)
    cleared = api.patch(f"technicians/{anna.pk}", {"calendar_id": None})

    anna.refresh_from_db()
    assert (cleared.json()["calendar_id"], anna.calendar) == (None, None)


def test_technician_patch_moves_team_and_clears_links(api_as, manager, anna):
    south = DispatchTeamFactory(code="SOUTH")
    api = api_as(manager)

    moved = api.patch(f"technicians/{anna.pk}", {"team_id": south.pk})
    assert moved.json()["team_id"] == south.pk
    cleared = api.patch(
        f"technicians/{anna.pk}",
        {"team_id": None, "user_id": None, "home_latitude": None, "home_longitude": None},
    )

    assert cleared.status_code == 200, cleared.content
    body = cleared.json()
    assert (body["team_id"], body["user_id"], body["username"]) == (None, None, None)
    assert (body["home_latitude"], body["home_longitude"]) == (None, None)
    assert len(body["skills"]) == 2
    anna.refresh_from_db()
    assert (anna.team, anna.user, anna.home_latitude) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"skills": [{"skill_id": 999999, "level": 1}]}, "skills"),
        ({"skills": [{"skill_id": "GAS", "level": 6}]}, "skills.0.level"),
        ({"team_id": 999999}, "team_id"),
        ({"calendar_id": 999999}, "calendar_id"),
        ({"user_id": 999999}, "user_id"),
        ({"hourly_cost": "-5"}, "hourly_cost"),
        ({"home_latitude": None}, "__all__"),
        ({"name": None}, "name"),
    ],
)
def test_technician_patch_refuses_invalid_input_and_changes_nothing(
    api_as, manager, anna, changes, field
):
    for row in changes.get("skills", []):
        if row["skill_id"] == "GAS":
            row["skill_id"] = Skill.objects.get(code="GAS").pk
    before = anna_body(anna, hourly_cost="40.00")
    api = api_as(manager)

    response = api.patch(f"technicians/{anna.pk}", {"phone": "+3580000", **changes})

    assert list(field_errors(response)) == [field]
    assert api.get(f"technicians/{anna.pk}").json() == before
    assert not business_events().exists()


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_technician_patch_is_refused_without_change_permission(api_for, anna, role, status):
    response = api_for(role).patch(f"technicians/{anna.pk}", {"hourly_cost": "99.00", "skills": []})

    assert_refused(response, status, "workforce.change_technician")
    anna.refresh_from_db()
    assert anna.hourly_cost == Decimal("40.00")
    assert TechnicianSkill.objects.filter(technician=anna).count() == 2


@pytest.mark.parametrize("role", WRITERS)
def test_technician_deactivate_publishes_once_and_activate_restores(api_for, anna, role):
    received = []
    subscribe(TechnicianDeactivated, received.append)
    try:
        api = api_for(role)
        first = api.post(f"technicians/{anna.pk}/deactivate")
        again = api.post(f"technicians/{anna.pk}/deactivate")
        assert (first.status_code, again.status_code) == (200, 200)
        assert first.json()["is_active"] is False
        assert Technician.objects.get(pk=anna.pk).is_active is False

        activated = api.post(f"technicians/{anna.pk}/activate")
    finally:
        unsubscribe(TechnicianDeactivated, received.append)

    assert activated.json() == anna_body(anna, hourly_cost="40.00")
    assert received == [TechnicianDeactivated(technician_id=anna.pk)]
    assert list(business_events().values_list("verb", flat=True)) == [
        "technician.deactivated",
        "technician.activated",
    ]


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
@pytest.mark.parametrize("action", ["deactivate", "activate"])
def test_technician_activation_is_refused_without_change_permission(
    api_for, anna, role, status, action
):
    Technician.objects.filter(pk=anna.pk).update(is_active=action == "activate")

    response = api_for(role).post(f"technicians/{anna.pk}/{action}")

    assert_refused(response, status, "workforce.change_technician")
    assert Technician.objects.get(pk=anna.pk).is_active is (action == "activate")


def test_technician_unknown_id_is_404(api_as, manager):
    api = api_as(manager)

    response = api.get("technicians/999999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "core.not_found",
        "message": "Not found.",
        "details": {"technician_id": 999999},
    }
    assert api.patch("technicians/999999", {"name": "X"}).status_code == 404
    assert api.post("technicians/999999/deactivate").status_code == 404
