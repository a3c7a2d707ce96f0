"""Customer, site, contact and agreement-group services: numbers, defaults, audit, refusals."""

from decimal import Decimal

import pytest

from openservice.core.errors import InvalidInput
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent
from openservice.customers import services
from openservice.customers.errors import CustomerInactive
from openservice.customers.events import CustomerDeactivated, SiteDeactivated
from openservice.customers.models import AgreementGroup, Contact, Customer, Site
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def audit_events(obj, verb=None):
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if verb is not None:
        events = events.filter(verb=verb)
    return list(events.order_by("id"))


@pytest.fixture
def events_of():
    """events_of(EventType) -> the list the test's handler appends published events to."""
    handlers = []

    def collect(event_type):
        received = []
        handlers.append((event_type, received.append))
        subscribe(event_type, received.append)
        return received

    yield collect
    for event_type, handler in handlers:
        unsubscribe(event_type, handler)


# Customers


def test_customer_create_takes_numbers_from_the_customer_sequence(manager):
    first = services.customer_create(by=manager, name="Kone Oy")
    second = services.customer_create(by=manager, name="Wärtsilä Oyj")

    assert (first.number, second.number) == ("C00001", "C00002")
    assert Customer.objects.get(pk=second.pk).number == "C00002"


def test_customer_create_uses_a_given_number(manager):
    customer = services.customer_create(by=manager, name="Kone Oy", number="K-1")

    assert Customer.objects.get(pk=customer.pk).number == "K-1"
    assert services.customer_create(by=manager, name="Next Oy").number == "C00001"


def test_customer_create_skips_a_sequence_number_already_given_by_hand(manager):
    services.customer_create(by=manager, name="First Oy")
    services.customer_create(by=manager, name="By hand Oy", number="C00002")

    third = services.customer_create(by=manager, name="Third Oy")

    assert third.number == "C00003"
    assert sorted(Customer.objects.values_list("number", flat=True)) == [
        "C00001",
        "C00002",
        "C00003",
    ]


def test_customer_create_refuses_a_number_already_taken(manager):
    CustomerFactory(number="C00001", name="Existing Oy")

    with pytest.raises(InvalidInput) as refused:
        services.customer_create(by=manager, name="Kone Oy", number="C00001")

    assert list(refused.value.field_errors) == ["number"]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Existing Oy"]


def test_customer_create_defaults_currency_to_the_setting(manager, settings):
    settings.DEFAULT_CURRENCY = "SEK"

    customer = services.customer_create(by=manager, name="Kone AB")

    assert Customer.objects.get(pk=customer.pk).currency == "SEK"


def test_customer_create_keeps_a_given_currency_and_agreement_group(manager):
    gold = AgreementGroupFactory(code="GOLD")

    customer = services.customer_create(
        by=manager, name="Kone Oy", currency="USD", agreement_group=gold, vat_id="FI1234567"
    )

    customer.refresh_from_db()
    assert (customer.currency, customer.agreement_group, customer.vat_id) == (
        "USD",
        gold,
        "FI1234567",
    )


def test_customer_create_writes_an_audit_event(manager):
    customer = services.customer_create(by=manager, name="Kone Oy")

    [event] = audit_events(customer)
    assert (event.verb, event.actor, event.data) == (
        "customer.created",
        manager,
        {"number": "C00001"},
    )


def test_customer_create_with_invalid_currency_raises_invalid_input_and_writes_nothing(manager):
    with pytest.raises(InvalidInput) as refused:
        services.customer_create(by=manager, name="Kone Oy", currency="eur")

    assert list(refused.value.field_errors) == ["currency"]
    assert Customer.objects.count() == 0
    assert AuditEvent.objects.filter(verb="customer.created").count() == 0


def test_customer_create_refuses_fields_it_does_not_set(manager):
    with pytest.raises(TypeError):
        services.customer_create(by=manager, name="Kone Oy", is_active=False)

    assert Customer.objects.count() == 0


def test_customer_update_audits_only_changed_fields(manager):
    customer = CustomerFactory(name="Kone Oy", currency="EUR", phone="")

    updated = services.customer_update(
        customer=customer, by=manager, name="Kone Oyj", currency="EUR", phone="+358 10 123"
    )

    assert (updated.name, updated.phone) == ("Kone Oyj", "+358 10 123")
    [event] = audit_events(customer, "customer.updated")
    assert event.actor == manager
    assert event.data == {
        "changes": {"name": ["Kone Oy", "Kone Oyj"], "phone": ["", "+358 10 123"]}
    }


def test_customer_update_audits_agreement_group_by_id(manager):
    silver, gold = AgreementGroupFactory(code="SILVER"), AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory(agreement_group=silver)

    services.customer_update(customer=customer, by=manager, agreement_group=gold)

    customer.refresh_from_db()
    assert customer.agreement_group == gold
    [event] = audit_events(customer, "customer.updated")
    assert event.data == {"changes": {"agreement_group": [silver.pk, gold.pk]}}


def test_customer_update_without_changes_writes_no_audit_event(manager):
    customer = CustomerFactory(name="Kone Oy")

    services.customer_update(customer=customer, by=manager, name="Kone Oy")

    assert audit_events(customer) == []


def test_customer_update_with_invalid_data_raises_and_leaves_the_row_unchanged(manager):
    customer = CustomerFactory(name="Kone Oy", currency="EUR", email="info@kone.example")

    with pytest.raises(InvalidInput) as refused:
        services.customer_update(
            customer=customer, by=manager, name="Kone Oyj", currency="euro", email="not-an-email"
        )

    assert sorted(refused.value.field_errors) == ["currency", "email"]
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.currency, stored.email) == ("Kone Oy", "EUR", "info@kone.example")
    assert audit_events(customer) == []


def test_customer_set_active_deactivates_and_publishes_customer_deactivated_once(
    manager, events_of
):
    received = events_of(CustomerDeactivated)
    customer = CustomerFactory()

    services.customer_set_active(customer=customer, by=manager, is_active=False)
    services.customer_set_active(customer=customer, by=manager, is_active=False)

    assert received == [CustomerDeactivated(customer_id=customer.pk)]
    assert Customer.objects.get(pk=customer.pk).is_active is False
    assert [event.verb for event in audit_events(customer)] == ["customer.deactivated"]


def test_customer_set_active_reactivates_without_publishing(manager, events_of):
    received = events_of(CustomerDeactivated)
    customer = CustomerFactory(is_active=False)

    services.customer_set_active(customer=customer, by=manager, is_active=True)

    assert received == []
    assert Customer.objects.get(pk=customer.pk).is_active is True
    [event] = audit_events(customer)
    assert (event.verb, event.data) == ("customer.activated", {"is_active": True})


# Sites


def test_site_create_saves_the_site_and_audits_it(manager):
    customer = CustomerFactory()

    site = services.site_create(
        by=manager,
        customer=customer,
        name="Head office",
        city="Espoo",
        latitude=Decimal("60.2055"),
        longitude=Decimal("24.6559"),
        timezone="Europe/Helsinki",
    )

    stored = Site.objects.get(pk=site.pk)
    assert (stored.customer, stored.name, stored.city, stored.country) == (
        customer,
        "Head office",
        "Espoo",
        "FI",
    )
    assert (stored.latitude, stored.longitude) == (Decimal("60.205500"), Decimal("24.655900"))
    [event] = audit_events(site)
    assert (event.verb, event.data) == ("site.created", {"customer": customer.pk})


def test_site_create_for_an_inactive_customer_is_refused_and_writes_nothing(manager):
    customer = CustomerFactory(is_active=False)

    with pytest.raises(CustomerInactive) as refused:
        services.site_create(by=manager, customer=customer, name="Head office")

    assert refused.value.code == "customers.customer_inactive"
    assert refused.value.details == {"customer_id": customer.pk}
    assert Site.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_site_create_with_an_unknown_timezone_raises_invalid_input(manager):
    customer = CustomerFactory()

    with pytest.raises(InvalidInput) as refused:
        services.site_create(by=manager, customer=customer, name="Base", timezone="Mars/Olympus")

    assert refused.value.field_errors == {
        "timezone": ["Mars/Olympus is not an IANA time zone (for example Europe/Helsinki)."]
    }
    assert Site.objects.count() == 0


@pytest.mark.parametrize(
    "coordinates",
    [{"latitude": Decimal("60.1")}, {"longitude": Decimal("24.9")}],
    ids=["latitude-only", "longitude-only"],
)
def test_site_create_with_only_one_coordinate_raises_invalid_input(manager, coordinates):
    customer = CustomerFactory()

    with pytest.raises(InvalidInput) as refused:
        services.site_create(by=manager, customer=customer, name="Base", **coordinates)

    assert refused.value.field_errors == {
        "__all__": ["Give both latitude and longitude, or neither."]
    }
    assert Site.objects.count() == 0


def test_site_update_clearing_one_coordinate_is_refused_and_the_row_unchanged(manager):
    site = SiteFactory(latitude=Decimal("60.1699"), longitude=Decimal("24.9384"))

    with pytest.raises(InvalidInput):
        services.site_update(site=site, by=manager, latitude=None, name="Renamed")

    stored = Site.objects.get(pk=site.pk)
    assert (stored.name, stored.latitude) == (site.name, Decimal("60.169900"))


def test_site_update_audits_changed_fields(manager):
    site = SiteFactory(city="Helsinki", timezone="Europe/Helsinki")

    services.site_update(site=site, by=manager, city="Stockholm", timezone="Europe/Stockholm")

    stored = Site.objects.get(pk=site.pk)
    assert (stored.city, stored.timezone) == ("Stockholm", "Europe/Stockholm")
    [event] = audit_events(site, "site.updated")
    assert event.data == {
        "changes": {
            "city": ["Helsinki", "Stockholm"],
            "timezone": ["Europe/Helsinki", "Europe/Stockholm"],
        }
    }


def test_site_set_active_publishes_site_deactivated_once(manager, events_of):
    received = events_of(SiteDeactivated)
    site = SiteFactory()

    services.site_set_active(site=site, by=manager, is_active=False)
    services.site_set_active(site=site, by=manager, is_active=False)

    assert received == [SiteDeactivated(site_id=site.pk, customer_id=site.customer_id)]
    assert Site.objects.get(pk=site.pk).is_active is False


def test_site_reactivation_under_an_inactive_customer_is_refused(manager):
    site = SiteFactory(is_active=False, customer=CustomerFactory(is_active=False))

    with pytest.raises(CustomerInactive):
        services.site_set_active(site=site, by=manager, is_active=True)

    assert Site.objects.get(pk=site.pk).is_active is False


# Contacts


def test_contact_create_saves_the_contact_and_audits_it(manager):
    customer = CustomerFactory()

    contact = services.contact_create(
        by=manager,
        customer=customer,
        name="Aino Virtanen",
        email="aino@kone.example",
        phone="+358 40 123 4567",
        role="Facility manager",
    )

    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.customer, stored.name, stored.email, stored.phone, stored.role) == (
        customer,
        "Aino Virtanen",
        "aino@kone.example",
        "+358 40 123 4567",
        "Facility manager",
    )
    [event] = audit_events(contact)
    assert (event.verb, event.actor, event.data) == (
        "contact.created",
        manager,
        {"customer": customer.pk},
    )


def test_contact_create_for_an_inactive_customer_is_refused(manager):
    customer = CustomerFactory(is_active=False)

    with pytest.raises(CustomerInactive):
        services.contact_create(by=manager, customer=customer, name="Aino Virtanen")

    assert Contact.objects.count() == 0


def test_contact_create_with_an_invalid_email_raises_invalid_input(manager):
    customer = CustomerFactory()

    with pytest.raises(InvalidInput) as refused:
        services.contact_create(by=manager, customer=customer, name="Aino", email="aino@")

    assert list(refused.value.field_errors) == ["email"]
    assert Contact.objects.count() == 0


def test_contact_update_changes_and_audits_only_changed_fields(manager):
    contact = ContactFactory(name="Aino Virtanen", role="", email="aino@kone.example")

    services.contact_update(
        contact=contact, by=manager, name="Aino Virtanen", role="CFO", email="aino@kone.example"
    )

    assert Contact.objects.get(pk=contact.pk).role == "CFO"
    [event] = audit_events(contact, "contact.updated")
    assert event.data == {"changes": {"role": ["", "CFO"]}}


def test_contact_update_with_invalid_email_leaves_the_row_unchanged(manager):
    contact = ContactFactory(name="Aino Virtanen", email="aino@kone.example")

    with pytest.raises(InvalidInput):
        services.contact_update(contact=contact, by=manager, name="Aino V", email="nope")

    stored = Contact.objects.get(pk=contact.pk)
    assert (stored.name, stored.email) == ("Aino Virtanen", "aino@kone.example")


def test_contact_set_active_deactivates_and_audits(manager):
    contact = ContactFactory()

    services.contact_set_active(contact=contact, by=manager, is_active=False)

    assert Contact.objects.get(pk=contact.pk).is_active is False
    assert [event.verb for event in audit_events(contact)] == ["contact.deactivated"]


# Agreement groups


def test_agreement_group_create_uppercases_the_code_and_audits(manager):
    group = services.agreement_group_create(by=manager, code="gold", name="Gold customers")

    stored = AgreementGroup.objects.get(pk=group.pk)
    assert (stored.code, stored.name, stored.description) == ("GOLD", "Gold customers", "")
    [event] = audit_events(group)
    assert (event.verb, event.data) == ("agreement_group.created", {"code": "GOLD"})


def test_agreement_group_create_refuses_a_duplicate_code_in_any_case(manager):
    services.agreement_group_create(by=manager, code="GOLD", name="Gold")

    with pytest.raises(InvalidInput) as refused:
        services.agreement_group_create(by=manager, code="Gold", name="Gold again")

    assert refused.value.field_errors == {
        "code": ["Agreement group with this Code already exists."]
    }
    assert list(AgreementGroup.objects.values_list("name", flat=True)) == ["Gold"]


def test_agreement_group_update_uppercases_the_code(manager):
    group = AgreementGroupFactory(code="SILVER", name="Silver")

    services.agreement_group_update(group=group, by=manager, code="platinum")

    assert AgreementGroup.objects.get(pk=group.pk).code == "PLATINUM"


def test_agreement_group_update_to_a_taken_code_is_refused(manager):
    AgreementGroupFactory(code="GOLD")
    silver = AgreementGroupFactory(code="SILVER")

    with pytest.raises(InvalidInput):
        services.agreement_group_update(group=silver, by=manager, code="gold")

    assert AgreementGroup.objects.get(pk=silver.pk).code == "SILVER"


def test_agreement_group_set_active_deactivates(manager):
    group = AgreementGroupFactory(code="BRONZE")

    services.agreement_group_set_active(group=group, by=manager, is_active=False)

    assert AgreementGroup.objects.get(pk=group.pk).is_active is False
    assert [event.verb for event in audit_events(group)] == ["agreement_group.deactivated"]
