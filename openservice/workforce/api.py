"""API for skills, dispatch teams and technicians."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from openservice.calendars.selectors import calendar_get
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.schemas import (
    CoordinateOut,
    Email,
    Id,
    Latitude,
    Longitude,
    MoneyIn,
    MoneyOut,
    Text,
    order_by_param,
)
from openservice.core.users import user_by_id
from openservice.workforce import selectors, services

router = Router(tags=["workforce"])

Code = Text(30, min_length=1)


class SkillOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class SkillCreateIn(Schema):
    code: Code
    name: Text(100, min_length=1)
    description: Text(2000) = ""


class SkillUpdateIn(Schema):
    code: Code = None
    name: Text(100, min_length=1) = None
    description: Text(2000) = None


class NameFilters(Schema):
    q: Text(100) | None = Field(None, description="Code or name contains")
    is_active: bool | None = None


add_master_data_routes(
    router,
    MasterDataResource(
        path="/skills",
        model_label="workforce.skill",
        verbose="skill",
        out=SkillOut,
        create_in=SkillCreateIn,
        update_in=SkillUpdateIn,
        filters=NameFilters,
        list=selectors.skill_list,
        get=lambda user, pk: selectors.skill_get(user=user, skill_id=pk),
        create=lambda user, data: services.skill_create(by=user, **data.dict()),
        update=lambda user, skill, changes: services.skill_update(skill=skill, by=user, **changes),
        set_active=lambda user, skill, active: services.skill_set_active(
            skill=skill, by=user, is_active=active
        ),
    ),
)


class TeamOut(Schema):
    id: int
    code: str
    name: str
    owner_id: int | None
    is_active: bool


class TeamCreateIn(Schema):
    code: Code
    name: Text(100, min_length=1)
    owner_id: Id | None = None


class TeamUpdateIn(Schema):
    code: Code = None
    name: Text(100, min_length=1) = None
    owner_id: Id | None = None


def _user_field(field: str, user_id: int | None):
    if user_id is None:
        return None
    user = user_by_id(user_id)
    if user is None:
        raise InvalidInput({field: [_("No such user.")]})
    return user


def _calendar_field(user, calendar_id: int | None):
    if calendar_id is None:
        return None
    try:
        return calendar_get(user=user, calendar_id=calendar_id)
    except NotFound as exc:
        raise InvalidInput({"calendar_id": [_("No such calendar.")]}) from exc


def _links(user, changes: dict) -> dict:
    """Turn the `*_id` fields of a payload into the records the services take."""
    if "owner_id" in changes:
        changes["owner"] = _user_field("owner_id", changes.pop("owner_id"))
    if "user_id" in changes:
        changes["user"] = _user_field("user_id", changes.pop("user_id"))
    if "team_id" in changes:
        team_id = changes.pop("team_id")
        try:
            changes["team"] = team_id and selectors.team_get(user=user, team_id=team_id)
        except NotFound as exc:
            raise InvalidInput({"team_id": [_("No such team.")]}) from exc
    if "calendar_id" in changes:
        changes["calendar"] = _calendar_field(user, changes.pop("calendar_id"))
    if changes.get("skills") is not None:
        changes["skills"] = selectors.skill_levels_from_ids(
            {row["skill_id"]: row["level"] for row in changes["skills"]}, field="skills"
        )
    return changes


add_master_data_routes(
    router,
    MasterDataResource(
        path="/teams",
        model_label="workforce.dispatchteam",
        verbose="team",
        out=TeamOut,
        create_in=TeamCreateIn,
        update_in=TeamUpdateIn,
        filters=NameFilters,
        list=selectors.team_list,
        get=lambda user, pk: selectors.team_get(user=user, team_id=pk),
        create=lambda user, data: services.team_create(by=user, **_links(user, data.dict())),
        update=lambda user, team, changes: services.team_update(
            team=team, by=user, **_links(user, changes)
        ),
        set_active=lambda user, team, active: services.team_set_active(
            team=team, by=user, is_active=active
        ),
    ),
)


class TechnicianSkillOut(Schema):
    skill_id: int
    code: str
    level: int

    @staticmethod
    def resolve_code(row) -> str:
        return row.skill.code


class TechnicianSkillIn(Schema):
    skill_id: Id
    level: int = Field(1, ge=1, le=5)


class TechnicianOut(Schema):
    id: int
    user_id: int | None
    username: str | None
    name: str
    team_id: int | None
    calendar_id: int | None
    phone: str
    email: str
    skills: list[TechnicianSkillOut]
    home_latitude: CoordinateOut
    home_longitude: CoordinateOut
    hourly_cost: MoneyOut | None = Field(
        None, description="Hidden (null) from users without the workforce.view_cost permission"
    )
    is_active: bool

    @staticmethod
    def resolve_username(technician) -> str | None:
        return technician.user.get_username() if technician.user_id else None

    @staticmethod
    def resolve_skills(technician) -> list:
        return list(technician.skill_levels.all())

    @staticmethod
    def resolve_hourly_cost(technician, context):
        user = context["request"].auth
        return technician.hourly_cost if user.has_perm("workforce.view_cost") else None


class TechnicianCreateIn(Schema):
    name: Text(200, min_length=1)
    user_id: Id | None = None
    team_id: Id | None = None
    calendar_id: Id | None = None
    phone: Text(40) = ""
    email: Email = ""
    skills: list[TechnicianSkillIn] = Field(default_factory=list, max_length=100)
    home_latitude: Latitude | None = None
    home_longitude: Longitude | None = None
    hourly_cost: MoneyIn = Decimal("0.00")


class TechnicianUpdateIn(Schema):
    name: Text(200, min_length=1) = None
    user_id: Id | None = None
    team_id: Id | None = None
    calendar_id: Id | None = None
    phone: Text(40) = None
    email: Email = None
    skills: list[TechnicianSkillIn] = Field(
        None, max_length=100, description="Replaces all skills when given"
    )
    home_latitude: Latitude | None = None
    home_longitude: Longitude | None = None
    hourly_cost: MoneyIn = None


class TechnicianFilters(Schema):
    q: Text(100) | None = Field(None, description="Name, email, phone or username contains")
    team_id: Id | None = None
    skill_id: Id | None = None
    skill: Text(30) | None = Field(None, description="Has the skill with this code")
    min_level: int | None = Field(None, ge=1, le=5, description="With skill/skill_id: at least")
    is_active: bool | None = None
    order_by: order_by_param(selectors.TECHNICIAN_ORDERING) = None


LINK_FIELDS = {
    "user": "user_id",
    "team": "team_id",
    "owner": "owner_id",
    "calendar": "calendar_id",
}


def _in_payload_terms(write: Callable[[], Any]) -> Any:
    """Run a write; field errors name the payload's fields (`user_id`, not the model's `user`)."""
    try:
        return write()
    except InvalidInput as exc:
        errors = {LINK_FIELDS.get(name, name): msgs for name, msgs in exc.field_errors.items()}
        raise InvalidInput(errors) from exc


def _technician_payload(user, data: dict) -> dict:
    if data.get("skills") is not None:
        data["skills"] = [dict(row) for row in data["skills"]]
    return _links(user, data)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/technicians",
        model_label="workforce.technician",
        verbose="technician",
        out=TechnicianOut,
        create_in=TechnicianCreateIn,
        update_in=TechnicianUpdateIn,
        filters=TechnicianFilters,
        list=selectors.technician_list,
        get=lambda user, pk: selectors.technician_get(user=user, technician_id=pk),
        create=lambda user, data: _in_payload_terms(
            lambda: services.technician_create(by=user, **_technician_payload(user, data.dict()))
        ),
        update=lambda user, technician, changes: _in_payload_terms(
            lambda: services.technician_update(
                technician=technician, by=user, **_technician_payload(user, changes)
            )
        ),
        set_active=lambda user, technician, active: services.technician_set_active(
            technician=technician, by=user, is_active=active
        ),
    ),
)
