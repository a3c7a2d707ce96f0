import pytest

from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import Role
from openservice.workforce import selectors
from openservice.workforce.tests.factories import (
    DispatchTeamFactory,
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)


def names(rows) -> list[str]:
    return [row.name for row in rows]


def codes(rows) -> list[str]:
    return [row.code for row in rows]


# Skills


@pytest.fixture
def skills(db):
    return {
        "elec": SkillFactory(code="ELEC", name="Electrical"),
        "gas": SkillFactory(code="GAS", name="Gas fitting"),
        "hvac": SkillFactory(code="HVAC", name="Heating and cooling", is_active=False),
    }


def test_skill_list_is_ordered_by_code(manager, skills):
    assert codes(selectors.skill_list(user=manager)) == ["ELEC", "GAS", "HVAC"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "gas"}, ["GAS"]),
        ({"q": "ing"}, ["GAS", "HVAC"]),  # names contain "ing"
        ({"q": "elec"}, ["ELEC"]),
        ({"is_active": True}, ["ELEC", "GAS"]),
        ({"is_active": False}, ["HVAC"]),
        ({"q": "ing", "is_active": True}, ["GAS"]),
    ],
)
def test_skill_list_filters(manager, skills, filters, expected):
    assert codes(selectors.skill_list(user=manager, **filters)) == expected


def test_skill_list_shows_customers_nothing(customer_user, skills):
    assert list(selectors.skill_list(user=customer_user)) == []


def test_skill_get_unknown_or_hidden_is_not_found(manager, customer_user, skills):
    assert selectors.skill_get(user=manager, skill_id=skills["gas"].pk) == skills["gas"]
    with pytest.raises(NotFound):
        selectors.skill_get(user=manager, skill_id=999_999)
    with pytest.raises(NotFound):
        selectors.skill_get(user=customer_user, skill_id=skills["gas"].pk)


def test_skill_levels_from_ids_pairs_skills_with_levels(skills):
    pairs = selectors.skill_levels_from_ids(
        {skills["gas"].pk: 2, skills["elec"].pk: 5}, field="skills"
    )

    assert pairs == [(skills["gas"], 2), (skills["elec"], 5)]


def test_skill_levels_from_ids_refuses_unknown_id_as_field_error(skills):
    with pytest.raises(InvalidInput) as refused:
        selectors.skill_levels_from_ids({skills["gas"].pk: 2, 999_999: 1}, field="skills")

    assert refused.value.field_errors == {"skills": ["No skill has the id 999999."]}


@pytest.mark.parametrize("page_size", [5, 50])
def test_skill_list_page_costs_the_same_queries_at_any_size(
    manager, django_assert_num_queries, page_size
):
    SkillFactory.create_batch(55)

    with django_assert_num_queries(2):  # the user's roles, the page
        page = [
            (s.code, s.name, s.is_active) for s in selectors.skill_list(user=manager)[:page_size]
        ]

    assert len(page) == page_size


# Teams


@pytest.fixture
def teams(db, dispatcher):
    return {
        "north": DispatchTeamFactory(code="NORTH", name="North region", owner=dispatcher),
        "south": DispatchTeamFactory(code="SOUTH", name="South region"),
        "lifts": DispatchTeamFactory(code="LIFTS", name="Lift trade", is_active=False),
    }


def test_team_list_is_ordered_by_code(manager, teams):
    assert codes(selectors.team_list(user=manager)) == ["LIFTS", "NORTH", "SOUTH"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"q": "region"}, ["NORTH", "SOUTH"]),
        ({"q": "sou"}, ["SOUTH"]),
        ({"is_active": False}, ["LIFTS"]),
        ({"is_active": True}, ["NORTH", "SOUTH"]),
    ],
)
def test_team_list_filters(manager, teams, filters, expected):
    assert codes(selectors.team_list(user=manager, **filters)) == expected


def test_team_list_shows_customers_nothing(customer_user, teams):
    assert list(selectors.team_list(user=customer_user)) == []


def test_team_get_unknown_or_hidden_is_not_found(manager, customer_user, teams):
    assert selectors.team_get(user=manager, team_id=teams["north"].pk) == teams["north"]
    with pytest.raises(NotFound):
        selectors.team_get(user=manager, team_id=999_999)
    with pytest.raises(NotFound):
        selectors.team_get(user=customer_user, team_id=teams["north"].pk)


@pytest.mark.parametrize("page_size", [5, 50])
def test_team_list_page_costs_the_same_queries_at_any_size(
    manager, make_user, django_assert_num_queries, page_size
):
    for n in range(55):
        DispatchTeamFactory(owner=make_user(Role.DISPATCHER, username=f"owner{n}"))

    with django_assert_num_queries(2):  # the user's roles, the page with owners
        page = [
            (team.code, team.name, team.owner_id, team.owner.username)
            for team in selectors.team_list(user=manager)[:page_size]
        ]

    assert len(page) == page_size


# Technicians


@pytest.fixture
def crew(db, make_user):
    """Four technicians in two teams with skills at different levels."""
    north = DispatchTeamFactory(code="NORTH", name="North")
    south = DispatchTeamFactory(code="SOUTH", name="South")
    elec, gas = SkillFactory(code="ELEC"), SkillFactory(code="GAS")
    anna = TechnicianFactory(
        name="Anna",
        team=north,
        email="anna@example.com",
        user=make_user(Role.TECHNICIAN, username="avirtanen"),
    )
    bert = TechnicianFactory(name="Bert", team=south, phone="+358401111")
    cara = TechnicianFactory(name="Cara", team=north)
    dave = TechnicianFactory(name="Dave", team=None, is_active=False)
    TechnicianSkillFactory(technician=anna, skill=elec, level=5)
    TechnicianSkillFactory(technician=anna, skill=gas, level=2)
    TechnicianSkillFactory(technician=bert, skill=elec, level=2)
    TechnicianSkillFactory(technician=cara, skill=gas, level=4)
    TechnicianSkillFactory(technician=dave, skill=elec, level=4)
    return {"north": north, "south": south, "elec": elec, "gas": gas, "anna": anna}


def test_technician_list_defaults_to_name_order_with_inactive_included(manager, crew):
    assert names(selectors.technician_list(user=manager)) == ["Anna", "Bert", "Cara", "Dave"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ann", ["Anna"]),  # name
        ("@example.com", ["Anna"]),  # email
        ("40111", ["Bert"]),  # phone
        ("AVIRT", ["Anna"]),  # username, case-insensitively
        ("zz", []),
    ],
)
def test_technician_list_searches_name_email_phone_and_username(manager, crew, q, expected):
    assert names(selectors.technician_list(user=manager, q=q)) == expected


def test_technician_list_filters_by_team(manager, crew):
    assert names(selectors.technician_list(user=manager, team_id=crew["north"].pk)) == [
        "Anna",
        "Cara",
    ]
    assert names(selectors.technician_list(user=manager, team_id=crew["south"].pk)) == ["Bert"]


@pytest.mark.parametrize(
    ("skill", "min_level", "expected"),
    [
        ("elec", None, ["Anna", "Bert", "Dave"]),
        ("elec", 3, ["Anna", "Dave"]),
        ("elec", 5, ["Anna"]),
        ("gas", None, ["Anna", "Cara"]),
        ("gas", 3, ["Cara"]),
        ("gas", 5, []),
    ],
)
def test_technician_list_filters_by_skill_id_and_min_level(
    manager, crew, skill, min_level, expected
):
    found = selectors.technician_list(user=manager, skill_id=crew[skill].pk, min_level=min_level)

    assert names(found) == expected


@pytest.mark.parametrize(
    ("code", "min_level", "expected"),
    [
        ("ELEC", None, ["Anna", "Bert", "Dave"]),
        ("elec", 4, ["Anna", "Dave"]),
        ("Gas", 2, ["Anna", "Cara"]),
        ("PLUMB", None, []),
    ],
)
def test_technician_list_filters_by_skill_code_and_min_level(
    manager, crew, code, min_level, expected
):
    found = selectors.technician_list(user=manager, skill=code, min_level=min_level)

    assert names(found) == expected


def test_technician_list_skill_filter_keeps_all_skills_of_each_technician(manager, crew):
    anna = selectors.technician_list(
        user=manager, skill="GAS", min_level=2, team_id=crew["north"].pk
    )

    assert [(t.name, [(s.skill.code, s.level) for s in t.skill_levels.all()]) for t in anna] == [
        ("Anna", [("ELEC", 5), ("GAS", 2)]),
        ("Cara", [("GAS", 4)]),
    ]


def test_technician_list_combines_filters(manager, crew):
    found = selectors.technician_list(
        user=manager, skill="ELEC", min_level=4, is_active=True, team_id=crew["north"].pk
    )

    assert names(found) == ["Anna"]


def test_technician_list_filters_by_active(manager, crew):
    assert names(selectors.technician_list(user=manager, is_active=True)) == [
        "Anna",
        "Bert",
        "Cara",
    ]
    assert names(selectors.technician_list(user=manager, is_active=False)) == ["Dave"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("name", ["Anna", "Bert", "Cara"]),
        ("-name", ["Cara", "Bert", "Anna"]),
        ("team", ["Anna", "Cara", "Bert"]),  # North (ties by id), South
        ("-team", ["Bert", "Cara", "Anna"]),
    ],
)
def test_technician_list_orders_by_allowed_keys(manager, crew, order_by, expected):
    # Only technicians with a team: SQLite sorts a missing team first, PostgreSQL last.
    found = selectors.technician_list(user=manager, order_by=order_by, is_active=True)

    assert names(found) == expected


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "administrator"])
def test_technician_list_is_read_by_all_staff(request, crew, role):
    user = request.getfixturevalue(role)

    assert names(selectors.technician_list(user=user)) == ["Anna", "Bert", "Cara", "Dave"]


def test_technician_list_shows_customers_nothing(customer_user, crew):
    assert list(selectors.technician_list(user=customer_user)) == []


def test_technician_get_unknown_or_hidden_is_not_found(manager, customer_user, crew):
    assert selectors.technician_get(user=manager, technician_id=crew["anna"].pk) == crew["anna"]
    with pytest.raises(NotFound) as refused:
        selectors.technician_get(user=manager, technician_id=999_999)
    assert refused.value.details == {"technician_id": 999_999}
    with pytest.raises(NotFound):
        selectors.technician_get(user=customer_user, technician_id=crew["anna"].pk)


def test_technician_of_user_finds_the_linked_technician(crew, make_user):
    anna_user = crew["anna"].user

    assert selectors.technician_of_user(anna_user) == crew["anna"]
    assert selectors.technician_of_user(make_user(Role.TECHNICIAN)) is None


def test_technician_of_anonymous_user_is_none(db):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.technician_of_user(AnonymousUser()) is None


@pytest.mark.parametrize("page_size", [5, 50])
def test_technician_list_page_costs_the_same_queries_at_any_size(
    manager, make_user, django_assert_num_queries, page_size
):
    skills = [SkillFactory(code=f"S{n}") for n in range(3)]
    team = DispatchTeamFactory()
    for n in range(55):
        technician = TechnicianFactory(
            name=f"Tech {n:02d}", team=team, user=make_user(Role.TECHNICIAN, username=f"t{n}")
        )
        for level, skill in enumerate(skills, start=1):
            TechnicianSkillFactory(technician=technician, skill=skill, level=level)

    with django_assert_num_queries(3):  # the user's roles, the page with users and teams, skills
        page = [
            (
                technician.name,
                technician.user.get_username(),
                technician.team.name,
                [
                    (level.skill_id, level.skill.code, level.level)
                    for level in technician.skill_levels.all()
                ],
            )
            for technician in selectors.technician_list(user=manager)[:page_size]
        ]

    assert len(page) == page_size
    assert page[0] == (
        "Tech 00",
        "t0",
        team.name,
        [(skills[0].pk, "S0", 1), (skills[1].pk, "S1", 2), (skills[2].pk, "S2", 3)],
    )


@pytest.mark.parametrize("page_size", [5, 50])
def test_filtered_technician_list_page_costs_the_same_queries_at_any_size(
    manager, django_assert_num_queries, page_size
):
    skill = SkillFactory(code="ELEC")
    for n in range(55):
        TechnicianSkillFactory(technician__name=f"Tech {n:02d}", skill=skill, level=4)

    with django_assert_num_queries(3):
        page = [
            [level.skill.code for level in technician.skill_levels.all()]
            for technician in selectors.technician_list(
                user=manager, skill="elec", min_level=3, q="tech", is_active=True
            )[:page_size]
        ]

    assert page == [["ELEC"]] * page_size
