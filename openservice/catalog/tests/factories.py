from decimal import Decimal

import factory

from openservice.catalog.models import Item, ServiceTask, TaskSkill
from openservice.workforce.tests.factories import SkillFactory


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Item {n}")
    kind = Item.Kind.PART
    unit = "pcs"
    sales_price = Decimal("100.00")
    cost_price = Decimal("60.00")


class ServiceTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTask

    code = factory.Sequence(lambda n: f"TASK{n}")
    name = factory.Sequence(lambda n: f"Task {n}")
    default_duration_minutes = 60


class TaskSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskSkill

    task = factory.SubFactory(ServiceTaskFactory)
    skill = factory.SubFactory(SkillFactory)
    min_level = 2
