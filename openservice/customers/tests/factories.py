from decimal import Decimal

import factory

from openservice.customers.models import AgreementGroup, Contact, Customer, Site


class AgreementGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"G{n}")
    name = factory.LazyAttribute(lambda g: f"Group {g.code}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    number = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n} Oy")
    currency = "EUR"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "Mannerheimintie 1"
    postcode = "00100"
    city = "Helsinki"
    country = "FI"
    latitude = Decimal("60.169900")
    longitude = Decimal("24.938400")
    timezone = "Europe/Helsinki"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
