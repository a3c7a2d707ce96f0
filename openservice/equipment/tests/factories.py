from datetime import date

import factory

from openservice.catalog.models import Item
from openservice.catalog.tests.factories import ItemFactory
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.models import Component, ObjectGroup, ServiceObject


class ObjectGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObjectGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"GRP{n}")
    name = factory.LazyAttribute(lambda g: f"Group {g.code}")


class ServiceObjectFactory(factory.django.DjangoModelFactory):
    """An object written directly: no number sequence, no component tree (use `object_create`
    for those)."""

    class Meta:
        model = ServiceObject

    number = factory.Sequence(lambda n: f"OBJ{n:05d}")
    customer = factory.SubFactory(CustomerFactory)
    site = factory.SubFactory(SiteFactory, customer=factory.SelfAttribute("..customer"))
    item = factory.SubFactory(ItemFactory, kind=Item.Kind.PRODUCT)
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    installed_on = date(2024, 1, 15)


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    object = factory.SubFactory(ServiceObjectFactory)
    item = factory.SubFactory(ItemFactory)
    position = factory.Sequence(lambda n: f"P{n}")
    slot = factory.LazyAttribute(lambda c: c.position)
    installed_on = factory.LazyAttribute(lambda c: c.object.installed_on)
