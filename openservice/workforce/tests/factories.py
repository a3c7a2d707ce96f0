from decimal import Decimal

import factory

from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SK{n}")
    name = factory.LazyAttribute(lambda s: f"Skill {s.code}")


class DispatchTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DispatchTeam
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TEAM{n}")
    name = factory.LazyAttribute(lambda t: f"Team {t.code}")


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician

    name = factory.Sequence(lambda n: f"Technician {n}")
    team = factory.SubFactory(DispatchTeamFactory)
    hourly_cost = Decimal("40.00")


class TechnicianSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnicianSkill

    technician = factory.SubFactory(TechnicianFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 3
