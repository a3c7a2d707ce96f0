"""Writes for customers, sites, contacts and agreement groups. One transaction per use case."""

from django.conf import settings
from django.db import transaction

from openservice.core.events import publish
from openservice.core.services import (
    only_fields,
    record_create,
    record_set_active,
    record_update,
    sequence_next,
)
from openservice.customers.errors import CustomerInactive
from openservice.customers.events import CustomerDeactivated, SiteDeactivated
from openservice.customers.models import AgreementGroup, Contact, Customer, Site

CUSTOMER_FIELDS = (
    "name",
    "vat_id",
    "billing_address",
    "currency",
    "agreement_group",
    "email",
    "phone",
    "note",
)
SITE_FIELDS = (
    "name",
    "address",
    "postcode",
    "city",
    "country",
    "latitude",
    "longitude",
    "timezone",
    "access_notes",
)
CONTACT_FIELDS = ("name", "email", "phone", "role", "user")
AGREEMENT_GROUP_FIELDS = ("code", "name", "description")


def _next_customer_number() -> str:
    """The sequence's next number that no customer holds (numbers may also be given by hand)."""
    while True:
        number = sequence_next("customer", prefix="C", padding=5)
        if not Customer.objects.filter(number=number).exists():
            return number


# Agreement groups


@transaction.atomic
def agreement_group_create(*, by, code: str, name: str, description: str = "") -> AgreementGroup:
    group = AgreementGroup(code=code.upper(), name=name, description=description)
    return record_create(group, by=by, verb="agreement_group.created", data={"code": group.code})


@transaction.atomic
def agreement_group_update(*, group: AgreementGroup, by, **changes) -> AgreementGroup:
    if "code" in changes:
        changes["code"] = changes["code"].upper()
    return record_update(
        group,
        by=by,
        verb="agreement_group.updated",
        changes=only_fields(AGREEMENT_GROUP_FIELDS, changes),
    )


@transaction.atomic
def agreement_group_set_active(*, group: AgreementGroup, by, is_active: bool) -> AgreementGroup:
    verb = "agreement_group.activated" if is_active else "agreement_group.deactivated"
    return record_set_active(group, by=by, verb=verb, is_active=is_active)


# Customers


@transaction.atomic
def customer_create(*, by, name: str, number: str = "", currency: str = "", **fields) -> Customer:
    """A new customer; the number comes from the `customer` sequence unless given."""
    customer = Customer(
        name=name,
        number=number or _next_customer_number(),
        currency=currency or settings.DEFAULT_CURRENCY,
        **only_fields(CUSTOMER_FIELDS, fields),
    )
    return record_create(customer, by=by, verb="customer.created", data={"number": customer.number})


@transaction.atomic
def customer_update(*, customer: Customer, by, **changes) -> Customer:
    return record_update(
        customer, by=by, verb="customer.updated", changes=only_fields(CUSTOMER_FIELDS, changes)
    )


@transaction.atomic
def customer_set_active(*, customer: Customer, by, is_active: bool) -> Customer:
    """Deactivated customers stay on record (history, invoices) but get no new work."""
    # Read the locked row, not the caller's copy: a stale copy would publish the event twice.
    was_active = Customer.objects.select_for_update().get(pk=customer.pk).is_active
    verb = "customer.activated" if is_active else "customer.deactivated"
    customer = record_set_active(customer, by=by, verb=verb, is_active=is_active)
    if was_active and not is_active:
        publish(CustomerDeactivated(customer_id=customer.pk))
    return customer


# Sites


@transaction.atomic
def site_create(*, by, customer: Customer, name: str, **fields) -> Site:
    if not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    site = Site(customer=customer, name=name, **only_fields(SITE_FIELDS, fields))
    return record_create(site, by=by, verb="site.created", data={"customer": customer.pk})


@transaction.atomic
def site_update(*, site: Site, by, **changes) -> Site:
    return record_update(
        site, by=by, verb="site.updated", changes=only_fields(SITE_FIELDS, changes)
    )


@transaction.atomic
def site_set_active(*, site: Site, by, is_active: bool) -> Site:
    if is_active and not site.customer.is_active:
        raise CustomerInactive(customer_id=site.customer_id)
    was_active = Site.objects.select_for_update().get(pk=site.pk).is_active
    verb = "site.activated" if is_active else "site.deactivated"
    site = record_set_active(site, by=by, verb=verb, is_active=is_active)
    if was_active and not is_active:
        publish(SiteDeactivated(site_id=site.pk, customer_id=site.customer_id))
    return site


# Contacts


@transaction.atomic
def contact_create(*, by, customer: Customer, name: str, **fields) -> Contact:
    if not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    contact = Contact(customer=customer, name=name, **only_fields(CONTACT_FIELDS, fields))
    return record_create(contact, by=by, verb="contact.created", data={"customer": customer.pk})


@transaction.atomic
def contact_update(*, contact: Contact, by, **changes) -> Contact:
    return record_update(
        contact, by=by, verb="contact.updated", changes=only_fields(CONTACT_FIELDS, changes)
    )


@transaction.atomic
def contact_set_active(*, contact: Contact, by, is_active: bool) -> Contact:
    verb = "contact.activated" if is_active else "contact.deactivated"
    return record_set_active(contact, by=by, verb=verb, is_active=is_active)


def customers_lock(customer_ids) -> None:
    """Lock the customers' rows (FOR NO KEY UPDATE, in id order) for the caller's transaction:
    a bulk writer that must not run twice at once for one customer (invoice proposals) takes
    it. Orders and invoices referring to the customers are not blocked."""
    list(
        Customer.objects.select_for_update(no_key=True)
        .filter(pk__in=list(customer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
