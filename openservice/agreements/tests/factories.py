"""Agreements written directly (no number sequence, no audit), and `active_agreement` for one
made and activated through the services."""

from datetime import date
from decimal import Decimal

import factory

from openservice.agreements import services
from openservice.agreements.models import AgreementLine, ServiceAgreement, TemplateGroup
from openservice.customers.tests.factories import CustomerFactory, SiteFactory


class TemplateGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TG{n}")
    name = factory.LazyAttribute(lambda g: f"Templates {g.code}")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAgreement

    number = factory.Sequence(lambda n: f"TA{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    site = factory.SubFactory(SiteFactory, customer=factory.SelfAttribute("..customer"))
    description = factory.Sequence(lambda n: f"Maintenance agreement {n}")
    starts_on = date(2027, 1, 1)
    ends_on = date(2027, 12, 31)
    status = ServiceAgreement.Status.DRAFT
    currency = factory.LazyAttribute(lambda a: a.customer.currency)


class AgreementLineFactory(factory.django.DjangoModelFactory):
    """A weekly hour line on the exact day, from the agreement's start."""

    class Meta:
        model = AgreementLine

    agreement = factory.SubFactory(AgreementFactory)
    kind = AgreementLine.Kind.HOUR
    description = "Maintenance visit"
    quantity = Decimal("1")
    interval_unit = AgreementLine.IntervalUnit.WEEK
    window = AgreementLine.Window.EXACT
    starts_on = factory.LazyAttribute(lambda line: line.agreement.starts_on)


def active_agreement(*, by=None, customer=None, site=None, lines=({},), **fields):
    """An agreement made through `agreement_create` (a customer and site are made when not
    given; 2027 by default) with `lines` (`agreement_line_create` arguments over a weekly hour
    line on the exact day, described "Maintenance visit" unless it names an item or a task),
    then activated."""
    if customer is None:
        customer = site.customer if site is not None else CustomerFactory()
    if site is None:
        site = SiteFactory(customer=customer)
    fields.setdefault("description", "Maintenance agreement")
    fields.setdefault("starts_on", date(2027, 1, 1))
    fields.setdefault("ends_on", date(2027, 12, 31))
    agreement = services.agreement_create(by=by, customer=customer, site=site, **fields)
    for line in lines:
        defaults = {
            "kind": AgreementLine.Kind.HOUR,
            "interval_unit": AgreementLine.IntervalUnit.WEEK,
            "window": AgreementLine.Window.EXACT,
        }
        if line.get("item") is None and line.get("task") is None:
            defaults["description"] = "Maintenance visit"
        services.agreement_line_create(agreement=agreement, by=by, **{**defaults, **line})
    return services.agreement_change_status(agreement=agreement, by=by, action="activate")
