from decimal import Decimal

import factory

from openservice.catalog.models import Bom, BomLine, Item, ServiceTask, TaskSkill
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


def _next_bom_version(bom) -> int:
    from django.db.models import Max

    from openservice.catalog.models import Bom

    return (Bom.objects.filter(item=bom.item).aggregate(top=Max("version"))["top"] or 0) + 1


class BomFactory(factory.django.DjangoModelFactory):
    """A BOM version written directly (no lock, no audit); the version follows the item's last."""

    class Meta:
        model = Bom

    item = factory.SubFactory(ItemFactory, kind=Item.Kind.PRODUCT)
    version = factory.LazyAttribute(_next_bom_version)
    status = Bom.Status.DRAFT


class BomLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BomLine

    bom = factory.SubFactory(BomFactory)
    component_item = factory.SubFactory(ItemFactory)
    quantity = Decimal("1")
    position = ""
