"""Reads for skills, teams and technicians. Staff read them; customers do not."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import is_staff_member
from openservice.core.selectors import ordered, text_search
from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill

TECHNICIAN_ORDERING = {"name": "name", "team": "team__name"}


def _staff_only(user, queryset: QuerySet) -> QuerySet:
    return queryset if is_staff_member(user) else queryset.none()


def skill_list(*, user, q: str | None = None, is_active: bool | None = None) -> QuerySet[Skill]:
    skills = text_search(_staff_only(user, Skill.objects.all()), q, ["code", "name"])
    if is_active is not None:
        skills = skills.filter(is_active=is_active)
    return skills.order_by("code")


def skill_get(*, user, skill_id: int) -> Skill:
    skill = skill_list(user=user).filter(pk=skill_id).first()
    if skill is None:
        raise NotFound(skill_id=skill_id)
    return skill


def skill_levels_from_ids(levels: dict[int, int], *, field: str) -> list[tuple[Skill, int]]:
    """{skill id: level} from a request as (Skill, level) pairs; an unknown id is a field error."""
    skills = {skill.pk: skill for skill in Skill.objects.filter(pk__in=levels)}
    missing = sorted(set(levels) - set(skills))
    if missing:
        raise InvalidInput({field: [_("No skill has the id %s.") % missing[0]]})
    return [(skills[pk], level) for pk, level in levels.items()]


def team_list(
    *, user, q: str | None = None, is_active: bool | None = None
) -> QuerySet[DispatchTeam]:
    teams = _staff_only(user, DispatchTeam.objects.select_related("owner"))
    teams = text_search(teams, q, ["code", "name"])
    if is_active is not None:
        teams = teams.filter(is_active=is_active)
    return teams.order_by("code")


def team_get(*, user, team_id: int) -> DispatchTeam:
    team = team_list(user=user).filter(pk=team_id).first()
    if team is None:
        raise NotFound(team_id=team_id)
    return team


def technician_list(
    *,
    user,
    q: str | None = None,
    team_id: int | None = None,
    skill_id: int | None = None,
    skill: str | None = None,
    min_level: int | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[Technician]:
    technicians = _staff_only(
        user,
        Technician.objects.select_related("user", "team").prefetch_related(
            Prefetch(
                "skill_levels",
                queryset=TechnicianSkill.objects.select_related("skill").order_by("skill__code"),
            )
        ),
    )
    technicians = text_search(technicians, q, ["name", "email", "phone", "user__username"])
    if team_id is not None:
        technicians = technicians.filter(team_id=team_id)
    if skill_id is not None or skill:
        levels = TechnicianSkill.objects.filter(level__gte=min_level or 1)
        if skill_id is not None:
            levels = levels.filter(skill_id=skill_id)
        if skill:
            levels = levels.filter(skill__code__iexact=skill)
        technicians = technicians.filter(pk__in=levels.values("technician_id"))
    if is_active is not None:
        technicians = technicians.filter(is_active=is_active)
    return ordered(technicians, order_by, TECHNICIAN_ORDERING, default=("name", "pk"))


def technician_get(*, user, technician_id: int) -> Technician:
    technician = technician_list(user=user).filter(pk=technician_id).first()
    if technician is None:
        raise NotFound(technician_id=technician_id)
    return technician


def technician_of_user(user) -> Technician | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Technician.objects.select_related("team")
        .prefetch_related("skill_levels__skill")
        .filter(user=user)
        .first()
    )
