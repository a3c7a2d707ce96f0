from decimal import Decimal

import pytest

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.core.errors import InvalidInput
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.workforce import services
from openservice.workforce.events import TechnicianDeactivated
from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill
from openservice.workforce.tests.factories import (
    DispatchTeamFactory,
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)


def events_of(obj) -> list[tuple[str, dict]]:
    rows = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return [(event.verb, event.data) for event in rows]


@pytest.fixture
def deactivations():
    """The TechnicianDeactivated events published while the test runs."""
    received: list[TechnicianDeactivated] = []
    subscribe(TechnicianDeactivated, received.append)
    yield received
    unsubscribe(TechnicianDeactivated, received.append)


# Skills


def test_skill_create_uppercases_code_and_audits(manager):
    skill = services.skill_create(by=manager, code="elec", name="Electrical", description="HV")

    skill.refresh_from_db()
    assert (skill.code, skill.name, skill.description, skill.is_active) == (
        "ELEC",
        "Electrical",
        "HV",
        True,
    )
    assert events_of(skill) == [("skill.created", {"code": "ELEC"})]


def test_skill_create_refuses_duplicate_code_in_other_case(manager):
    SkillFactory(code="ELEC")

    with pytest.raises(InvalidInput) as refused:
        services.skill_create(by=manager, code="Elec", name="Electrical")

    assert list(refused.value.field_errors) == ["code"]
    assert Skill.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_skill_create_refuses_empty_name(manager):
    with pytest.raises(InvalidInput) as refused:
        services.skill_create(by=manager, code="ELEC", name="")

    assert list(refused.value.field_errors) == ["name"]
    assert not Skill.objects.exists()


def test_skill_update_uppercases_code_and_audits_changes(manager):
    skill = SkillFactory(code="ELEC", name="Electrical")

    services.skill_update(skill=skill, by=manager, code="hvac", name="Heating")

    skill.refresh_from_db()
    assert (skill.code, skill.name) == ("HVAC", "Heating")
    assert events_of(skill) == [
        (
            "skill.updated",
            {"changes": {"code": ["ELEC", "HVAC"], "name": ["Electrical", "Heating"]}},
        )
    ]


def test_skill_update_refuses_duplicate_code_and_keeps_the_row(manager):
    SkillFactory(code="GAS")
    skill = SkillFactory(code="ELEC", name="Electrical")

    with pytest.raises(InvalidInput) as refused:
        services.skill_update(skill=skill, by=manager, code="gas", name="Renamed")

    assert list(refused.value.field_errors) == ["code"]
    skill.refresh_from_db()
    assert (skill.code, skill.name) == ("ELEC", "Electrical")
    assert events_of(skill) == []


def test_skill_set_active_audits_each_change_once(manager):
    skill = SkillFactory()

    services.skill_set_active(skill=skill, by=manager, is_active=False)
    services.skill_set_active(skill=skill, by=manager, is_active=False)
    services.skill_set_active(skill=skill, by=manager, is_active=True)

    skill.refresh_from_db()
    assert skill.is_active is True
    assert events_of(skill) == [
        ("skill.deactivated", {"is_active": False}),
        ("skill.activated", {"is_active": True}),
    ]


# Teams


def test_team_create_uppercases_code_with_owner(manager, dispatcher):
    team = services.team_create(by=manager, code="north", name="North", owner=dispatcher)

    team.refresh_from_db()
    assert (team.code, team.name, team.owner, team.is_active) == (
        "NORTH",
        "North",
        dispatcher,
        True,
    )
    assert events_of(team) == [("team.created", {"code": "NORTH"})]


def test_team_create_refuses_duplicate_code(manager):
    DispatchTeamFactory(code="NORTH")

    with pytest.raises(InvalidInput) as refused:
        services.team_create(by=manager, code="North", name="North again")

    assert list(refused.value.field_errors) == ["code"]
    assert DispatchTeam.objects.count() == 1


def test_team_update_changes_owner_and_code(manager, dispatcher):
    team = DispatchTeamFactory(code="NORTH", name="North")

    services.team_update(team=team, by=manager, code="south", owner=dispatcher)

    team.refresh_from_db()
    assert (team.code, team.owner) == ("SOUTH", dispatcher)
    assert events_of(team) == [
        ("team.updated", {"changes": {"code": ["NORTH", "SOUTH"], "owner": [None, dispatcher.pk]}})
    ]


def test_team_set_active_deactivates_with_audit(manager):
    team = DispatchTeamFactory()

    services.team_set_active(team=team, by=manager, is_active=False)

    team.refresh_from_db()
    assert team.is_active is False
    assert events_of(team) == [("team.deactivated", {"is_active": False})]


# Technicians


def test_technician_create_saves_fields_skills_and_audits(manager, make_user):
    user = make_user(Role.TECHNICIAN, username="anna")
    team = DispatchTeamFactory(code="NORTH")
    electric, gas = SkillFactory(code="ELEC"), SkillFactory(code="GAS")

    technician = services.technician_create(
        by=manager,
        name="Anna Virtanen",
        user=user,
        team=team,
        phone="+358401234567",
        email="anna@example.com",
        home_latitude=Decimal("60.169900"),
        home_longitude=Decimal("24.938400"),
        hourly_cost=Decimal("42.50"),
        skills=[(gas, 2), (electric, 5)],
    )

    technician.refresh_from_db()
    assert technician.name == "Anna Virtanen"
    assert (technician.user, technician.team) == (user, team)
    assert (technician.phone, technician.email) == ("+358401234567", "anna@example.com")
    assert (technician.home_latitude, technician.home_longitude) == (
        Decimal("60.169900"),
        Decimal("24.938400"),
    )
    assert technician.hourly_cost == Decimal("42.50")
    assert list(technician.skill_levels.values_list("skill__code", "level")) == [
        ("ELEC", 5),
        ("GAS", 2),
    ]
    assert events_of(technician) == [
        ("technician.created", {}),
        ("technician.skills_set", {"skills": {"GAS": 2, "ELEC": 5}}),
    ]


@pytest.mark.parametrize("level", [0, 6])
def test_technician_create_refuses_skill_level_outside_1_to_5(manager, level):
    skill = SkillFactory(code="ELEC")

    with pytest.raises(InvalidInput) as refused:
        services.technician_create(by=manager, name="Anna", skills=[(skill, level)])

    assert refused.value.field_errors == {"skills": ["Skill levels run from 1 to 5."]}
    assert not Technician.objects.exists()
    assert not TechnicianSkill.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"hourly_cost": Decimal("-1.00")}, "hourly_cost"),
        ({"email": "not-an-email"}, "email"),
        ({"home_latitude": Decimal("91"), "home_longitude": Decimal("0")}, "home_latitude"),
        ({"home_latitude": Decimal("0"), "home_longitude": Decimal("181")}, "home_longitude"),
        ({"home_latitude": Decimal("60.1")}, "__all__"),
        ({"name": ""}, "name"),
    ],
)
def test_technician_create_refuses_invalid_fields(manager, fields, field):
    fields = {"name": "Anna", **fields}

    with pytest.raises(InvalidInput) as refused:
        services.technician_create(by=manager, **fields)

    assert field in refused.value.field_errors
    assert not Technician.objects.exists()
    assert not AuditEvent.objects.exists()


def test_technician_create_refuses_a_user_already_linked(manager, technician_user):
    TechnicianFactory(user=technician_user)

    with pytest.raises(InvalidInput) as refused:
        services.technician_create(by=manager, name="Second", user=technician_user)

    assert list(refused.value.field_errors) == ["user"]
    assert Technician.objects.count() == 1


def test_technician_update_replaces_skills_and_deletes_removed_ones(manager):
    electric, gas, water = (
        SkillFactory(code="ELEC"),
        SkillFactory(code="GAS"),
        SkillFactory(code="WATER"),
    )
    technician = TechnicianFactory()
    TechnicianSkillFactory(technician=technician, skill=electric, level=3)
    kept = TechnicianSkillFactory(technician=technician, skill=gas, level=3)

    services.technician_update(technician=technician, by=manager, skills=[(gas, 5), (water, 1)])

    assert list(
        TechnicianSkill.objects.filter(technician=technician).values_list("skill__code", "level")
    ) == [("GAS", 5), ("WATER", 1)]
    assert TechnicianSkill.objects.get(skill=gas).pk == kept.pk
    assert not TechnicianSkill.objects.filter(skill=electric).exists()
    assert events_of(technician) == [("technician.skills_set", {"skills": {"GAS": 5, "WATER": 1}})]


def test_technician_update_skills_leave_other_technicians_alone(manager):
    skill = SkillFactory(code="ELEC")
    other = TechnicianSkillFactory(skill=skill, level=4)
    technician = TechnicianSkillFactory(skill=skill, level=2).technician

    services.technician_update(technician=technician, by=manager, skills=[])

    assert list(TechnicianSkill.objects.values_list("pk", "level")) == [(other.pk, 4)]


def test_technician_update_without_skills_keeps_them(manager):
    level = TechnicianSkillFactory(level=3)

    services.technician_update(technician=level.technician, by=manager, phone="+3585000")

    assert list(TechnicianSkill.objects.values_list("pk", "level")) == [(level.pk, 3)]
    level.technician.refresh_from_db()
    assert level.technician.phone == "+3585000"
    assert events_of(level.technician) == [
        ("technician.updated", {"changes": {"phone": ["", "+3585000"]}})
    ]


def test_technician_update_audits_team_and_cost_changes(manager):
    north, south = DispatchTeamFactory(code="NORTH"), DispatchTeamFactory(code="SOUTH")
    technician = TechnicianFactory(team=north, hourly_cost=Decimal("40.00"))

    services.technician_update(
        technician=technician, by=manager, team=south, hourly_cost=Decimal("45.00")
    )

    technician.refresh_from_db()
    assert (technician.team, technician.hourly_cost) == (south, Decimal("45.00"))
    assert events_of(technician) == [
        (
            "technician.updated",
            {"changes": {"team": [north.pk, south.pk], "hourly_cost": ["40.00", "45.00"]}},
        )
    ]


def test_technician_update_refuses_bad_level_and_changes_nothing(manager):
    skill = SkillFactory(code="ELEC")
    level = TechnicianSkillFactory(skill=skill, level=3, technician__name="Anna")
    technician = level.technician

    with pytest.raises(InvalidInput):
        services.technician_update(
            technician=technician, by=manager, name="Renamed", skills=[(skill, 6)]
        )

    technician.refresh_from_db()
    assert technician.name == "Anna"
    assert list(TechnicianSkill.objects.values_list("pk", "level")) == [(level.pk, 3)]
    assert events_of(technician) == []


def test_technician_update_refuses_only_one_home_coordinate(manager):
    technician = TechnicianFactory()

    with pytest.raises(InvalidInput) as refused:
        services.technician_update(technician=technician, by=manager, home_latitude=Decimal("60"))

    assert refused.value.field_errors == {
        "__all__": ["Give both home latitude and longitude, or neither."]
    }
    technician.refresh_from_db()
    assert technician.home_latitude is None


def test_technician_deactivation_publishes_event_once(manager, deactivations):
    technician = TechnicianFactory()

    technician = services.technician_set_active(technician=technician, by=manager, is_active=False)
    services.technician_set_active(technician=technician, by=manager, is_active=False)

    assert deactivations == [TechnicianDeactivated(technician_id=technician.pk)]
    assert Technician.objects.get(pk=technician.pk).is_active is False
    assert events_of(technician) == [("technician.deactivated", {"is_active": False})]


def test_technician_deactivation_with_a_stale_instance_publishes_event_once(manager, deactivations):
    technician = TechnicianFactory()

    services.technician_set_active(technician=technician, by=manager, is_active=False)
    services.technician_set_active(technician=technician, by=manager, is_active=False)

    assert deactivations == [TechnicianDeactivated(technician_id=technician.pk)]


def test_technician_activation_publishes_no_deactivation(manager, deactivations):
    technician = TechnicianFactory(is_active=False)

    services.technician_set_active(technician=technician, by=manager, is_active=True)

    assert deactivations == []
    assert Technician.objects.get(pk=technician.pk).is_active is True
    assert events_of(technician) == [("technician.activated", {"is_active": True})]


def test_technician_deactivation_rolls_back_when_a_handler_fails(manager):
    technician = TechnicianFactory()

    def refuse(event):
        raise InvalidInput({"technician": ["busy"]})

    subscribe(TechnicianDeactivated, refuse)
    try:
        with pytest.raises(InvalidInput):
            services.technician_set_active(technician=technician, by=manager, is_active=False)
    finally:
        unsubscribe(TechnicianDeactivated, refuse)

    assert Technician.objects.get(pk=technician.pk).is_active is True
    assert events_of(technician) == []


def test_technician_create_and_update_take_a_working_calendar(manager):
    day, night = WorkCalendarFactory(name="Day"), WorkCalendarFactory(name="Night")

    technician = services.technician_create(by=manager, name="Anna", calendar=day)
    services.technician_update(technician=technician, by=manager, calendar=night)

    technician.refresh_from_db()
    assert technician.calendar == night
    services.technician_update(technician=technician, by=manager, calendar=None)
    technician.refresh_from_db()
    assert technician.calendar is None


def test_technicians_lock_returns_the_rows_by_id(db):
    first, second = TechnicianFactory(), TechnicianFactory()

    locked = services.technicians_lock([second.pk, first.pk, second.pk, 999999])

    assert list(locked) == [first.pk, second.pk]
