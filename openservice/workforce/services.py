"""Writes for skills, dispatch teams and technicians."""

from collections.abc import Iterable

from django.db import transaction

from openservice.core.events import publish
from openservice.core.services import (
    audit,
    only_fields,
    record_create,
    record_set_active,
    record_update,
    set_skill_levels,
)
from openservice.workforce.events import TechnicianDeactivated
from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill

SKILL_FIELDS = ("code", "name", "description")
TEAM_FIELDS = ("code", "name", "owner")
TECHNICIAN_FIELDS = (
    "user",
    "name",
    "team",
    "phone",
    "email",
    "calendar",
    "home_latitude",
    "home_longitude",
    "hourly_cost",
)

SkillLevels = Iterable[tuple[Skill, int]]


@transaction.atomic
def skill_create(*, by, code: str, name: str, description: str = "") -> Skill:
    skill = Skill(code=code.upper(), name=name, description=description)
    return record_create(skill, by=by, verb="skill.created", data={"code": skill.code})


@transaction.atomic
def skill_update(*, skill: Skill, by, **changes) -> Skill:
    if "code" in changes:
        changes["code"] = changes["code"].upper()
    return record_update(
        skill, by=by, verb="skill.updated", changes=only_fields(SKILL_FIELDS, changes)
    )


@transaction.atomic
def skill_set_active(*, skill: Skill, by, is_active: bool) -> Skill:
    verb = "skill.activated" if is_active else "skill.deactivated"
    return record_set_active(skill, by=by, verb=verb, is_active=is_active)


@transaction.atomic
def team_create(*, by, code: str, name: str, owner=None) -> DispatchTeam:
    team = DispatchTeam(code=code.upper(), name=name, owner=owner)
    return record_create(team, by=by, verb="team.created", data={"code": team.code})


@transaction.atomic
def team_update(*, team: DispatchTeam, by, **changes) -> DispatchTeam:
    if "code" in changes:
        changes["code"] = changes["code"].upper()
    return record_update(
        team, by=by, verb="team.updated", changes=only_fields(TEAM_FIELDS, changes)
    )


@transaction.atomic
def team_set_active(*, team: DispatchTeam, by, is_active: bool) -> DispatchTeam:
    verb = "team.activated" if is_active else "team.deactivated"
    return record_set_active(team, by=by, verb=verb, is_active=is_active)


def _set_skills(technician: Technician, pairs: SkillLevels) -> dict[str, int]:
    return set_skill_levels(
        through=TechnicianSkill,
        owner_field="technician",
        owner=technician,
        level_field="level",
        pairs=pairs,
        error_field="skills",
    )


@transaction.atomic
def technician_create(*, by, name: str, skills: SkillLevels = (), **fields) -> Technician:
    technician = Technician(name=name, **only_fields(TECHNICIAN_FIELDS, fields))
    record_create(technician, by=by, verb="technician.created")
    if skills:
        audit(by, "technician.skills_set", technician, {"skills": _set_skills(technician, skills)})
    return technician


@transaction.atomic
def technician_update(
    *, technician: Technician, by, skills: SkillLevels | None = None, **changes
) -> Technician:
    """Change fields; `skills`, when given, replaces the whole set of skills and levels."""
    technician = record_update(
        technician,
        by=by,
        verb="technician.updated",
        changes=only_fields(TECHNICIAN_FIELDS, changes),
    )
    if skills is not None:
        audit(by, "technician.skills_set", technician, {"skills": _set_skills(technician, skills)})
    return technician


def technicians_lock(ids: Iterable[int]) -> dict[int, Technician]:
    """The technicians' rows, locked for the rest of the caller's transaction, in id order (so
    two writers locking overlapping sets cannot deadlock). Dispatch locks a technician before
    checking their appointments for overlaps, so two dispatchers cannot double-book them."""
    wanted = sorted(set(ids))
    locked = Technician.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {technician.pk: technician for technician in locked}


@transaction.atomic
def technician_set_active(*, technician: Technician, by, is_active: bool) -> Technician:
    # Read the state under the row lock: the caller's instance may be stale, and the event
    # must be published once per actual deactivation.
    was_active = (
        Technician.objects.select_for_update()
        .values_list("is_active", flat=True)
        .get(pk=technician.pk)
    )
    verb = "technician.activated" if is_active else "technician.deactivated"
    technician = record_set_active(technician, by=by, verb=verb, is_active=is_active)
    if was_active and not is_active:
        publish(TechnicianDeactivated(technician_id=technician.pk))
    return technician
