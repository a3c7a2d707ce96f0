"""The /api/v1 customers, sites, contacts and agreement-groups resources."""

import pytest

from openservice.core.models import AuditEvent, IdempotencyRecord
from openservice.customers.models import AgreementGroup, Contact, Customer, Site
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "no_role",
    "customer_user",
    "technician_user",
    "dispatcher",
    "manager",
    "administrator",
]
MODELS = {
    "customers": Customer,
    "sites": Site,
    "contacts": Contact,
    "agreement-groups": AgreementGroup,
}


@pytest.fixture
def user_in(request, make_user):
    """user_in("manager") -> that conftest user; "anonymous" -> None; "no_role" -> a bare user."""

    def get(role):
        if role == "anonymous":
            return None
        if role == "no_role":
            return make_user(username="norole")
        return request.getfixturevalue(role)

    return get


def row_for(resource, customer):
    """An existing row of the resource belonging to `customer` (where rows belong to one)."""
    return {
        "customers": lambda: customer,
        "sites": lambda: SiteFactory(customer=customer),
        "contacts": lambda: ContactFactory(customer=customer),
        "agreement-groups": lambda: AgreementGroupFactory(code="GOLD"),
    }[resource]()


def create_body(resource, customer):
    return {
        "customers": {"name": "Kone Oy"},
        "sites": {"customer_id": customer.pk, "name": "Head office"},
        "contacts": {"customer_id": customer.pk, "name": "Aino Virtanen"},
        "agreement-groups": {"code": "PLATINUM", "name": "Platinum"},
    }[resource]


def error_fields(response):
    body = response.json()
    assert (response.status_code, body["code"]) == (422, "core.invalid_input"), body
    return body["details"]["fields"]


# Role matrix


READ_STATUS = {
    "anonymous": 401,
    "no_role": 403,
    "customer_user": 200,
    "technician_user": 200,
    "dispatcher": 200,
    "manager": 200,
    "administrator": 200,
}
WRITE_STATUS = {
    "anonymous": 401,
    "no_role": 403,
    "customer_user": 403,
    "technician_user": 403,
    "dispatcher": 403,
    "manager": 201,
    "administrator": 201,
}


@pytest.mark.parametrize("resource", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_read_by_role(api_as, user_in, customer_user, role, resource):
    user = user_in(role)
    row = row_for(resource, customer_user.customer_contact.customer)
    expected = READ_STATUS[role]
    if role == "customer_user" and resource == "agreement-groups":
        expected = 403

    listed = api_as(user).get(resource)
    fetched = api_as(user).get(f"{resource}/{row.pk}")

    assert (listed.status_code, fetched.status_code) == (expected, expected)
    if expected == 200:
        assert fetched.json()["id"] == row.pk
        assert row.pk in [item["id"] for item in listed.json()["items"]]
    else:
        code = "core.not_authenticated" if expected == 401 else "core.permission_denied"
        assert listed.json()["code"] == fetched.json()["code"] == code


@pytest.mark.parametrize("resource", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_create_by_role(api_as, user_in, customer_user, role, resource):
    user = user_in(role)
    model = MODELS[resource]
    before = model.objects.count()

    response = api_as(user).post(
        resource, create_body(resource, customer_user.customer_contact.customer)
    )

    assert response.status_code == WRITE_STATUS[role], response.content
    assert model.objects.count() == before + (1 if response.status_code == 201 else 0)
    if response.status_code == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif response.status_code == 403:
        assert response.json()["code"] == "core.permission_denied"


@pytest.mark.parametrize("resource", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_update_and_deactivate_by_role(api_as, user_in, customer_user, role, resource):
    user = user_in(role)
    row = row_for(resource, customer_user.customer_contact.customer)
    original_name = row.name
    expected = 200 if WRITE_STATUS[role] == 201 else WRITE_STATUS[role]
    api = api_as(user)

    patched = api.patch(f"{resource}/{row.pk}", {"name": "Renamed"})
    deactivated = api.post(f"{resource}/{row.pk}/deactivate")
    activated = api.post(f"{resource}/{row.pk}/activate")

    assert [patched.status_code, deactivated.status_code, activated.status_code] == [expected] * 3
    row.refresh_from_db()
    if expected == 200:
        assert (row.name, row.is_active) == ("Renamed", True)
        assert deactivated.json()["is_active"] is False
    else:
        assert (row.name, row.is_active) == (original_name, True)
        assert AuditEvent.objects.exclude(verb="api_token.created").count() == 0


# Customers


def test_list_customers_paginates_with_limit_and_offset(api_as, manager):
    for n in range(7):
        CustomerFactory(name=f"Customer {n}")

    response = api_as(manager).get("customers", {"limit": 3, "offset": 3})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert [item["name"] for item in body["items"]] == ["Customer 3", "Customer 4", "Customer 5"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 501}, "limit"), ({"offset": -1}, "offset")],
)
def test_list_customers_refuses_out_of_range_pages(api_as, manager, params, field):
    response = api_as(manager).get("customers", params)

    assert list(error_fields(response)) == [field]


def test_list_customers_filters(api_as, manager):
    gold = AgreementGroupFactory(code="GOLD")
    kone = CustomerFactory(name="Kone Oy", agreement_group=gold, currency="EUR")
    SiteFactory(customer=kone, city="Espoo")
    CustomerFactory(name="Kone AB", currency="SEK")
    CustomerFactory(name="Closed Oy", is_active=False)
    api = api_as(manager)

    def names(**params):
        response = api.get("customers", params)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names(q="kone") == ["Kone AB", "Kone Oy"]
    assert names(agreement_group="gold") == ["Kone Oy"]
    assert names(currency="SEK") == ["Kone AB"]
    assert names(city="Espoo") == ["Kone Oy"]
    assert names(is_active="false") == ["Closed Oy"]
    assert names(is_active="true", currency="EUR") == ["Kone Oy"]
    assert names(order_by="-name") == ["Kone Oy", "Kone AB", "Closed Oy"]
    assert names() == ["Closed Oy", "Kone AB", "Kone Oy"]


def test_list_customers_refuses_an_unknown_order_by(api_as, manager):
    response = api_as(manager).get("customers", {"order_by": "vat_id"})

    assert list(error_fields(response)) == ["order_by"]


def test_get_customer_returns_exact_values(api_as, manager):
    customer = CustomerFactory(
        number="C00042",
        name="Kone Oy",
        vat_id="FI01120389",
        currency="EUR",
        agreement_group=AgreementGroupFactory(code="GOLD"),
        email="info@kone.example",
        phone="+358 204 75 1",
        billing_address="Kartanontie 1\n00330 Helsinki",
    )

    response = api_as(manager).get(f"customers/{customer.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": customer.pk,
        "number": "C00042",
        "name": "Kone Oy",
        "vat_id": "FI01120389",
        "currency": "EUR",
        "agreement_group": "GOLD",
        "email": "info@kone.example",
        "phone": "+358 204 75 1",
        "billing_address": "Kartanontie 1\n00330 Helsinki",
        "note": "",
        "is_active": True,
    }


def test_create_customer_returns_201_with_number_currency_and_group(api_as, manager):
    AgreementGroupFactory(code="GOLD")

    response = api_as(manager).post(
        "customers", {"name": "  Kone Oy  ", "agreement_group": "gold", "vat_id": "FI01120389"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["name"], body["currency"], body["agreement_group"]) == (
        "C00001",
        "Kone Oy",
        "EUR",
        "GOLD",
    )
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.number, customer.agreement_group.code, customer.vat_id) == (
        "C00001",
        "GOLD",
        "FI01120389",
    )
    event = AuditEvent.objects.get(object_type="customers.customer", object_id=str(customer.pk))
    assert (event.verb, event.actor) == ("customer.created", manager)


def test_create_customer_with_a_given_number_and_currency(api_as, manager):
    response = api_as(manager).post(
        "customers", {"name": "Kone AB", "number": "SE-1", "currency": "SEK"}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["number"], response.json()["currency"]) == ("SE-1", "SEK")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Kone\x00 Oy"}, "name"),
        ({"name": "Kone Oy", "currency": "eur"}, "currency"),
        ({"name": "Kone Oy", "agreement_group": "NOPE"}, "agreement_group"),
        ({"name": "Kone Oy", "email": "not-an-email"}, "email"),
        ({"name": "Kone Oy", "number": "x" * 21}, "number"),
    ],
    ids=[
        "missing-name",
        "blank-name",
        "name-too-long",
        "nul-in-name",
        "lowercase-currency",
        "unknown-group",
        "bad-email",
        "number-too-long",
    ],
)
def test_create_customer_with_bad_input_is_422_and_writes_nothing(api_as, manager, body, field):
    response = api_as(manager).post("customers", body)

    assert list(error_fields(response)) == [field]
    assert Customer.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="customers.customer").exists()


def test_create_customer_with_a_taken_number_is_422(api_as, manager):
    CustomerFactory(number="C00001")

    response = api_as(manager).post("customers", {"name": "Kone Oy", "number": "C00001"})

    assert list(error_fields(response)) == ["number"]
    assert Customer.objects.count() == 1


def test_unknown_agreement_group_message_names_the_code(api_as, manager):
    response = api_as(manager).post("customers", {"name": "Kone Oy", "agreement_group": "NOPE"})

    assert error_fields(response) == {"agreement_group": ["No agreement group has the code NOPE."]}


def test_update_customer_changes_only_the_given_fields(api_as, manager):
    AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory(name="Kone Oy", vat_id="FI1", phone="+358 1")

    response = api_as(manager).patch(
        f"customers/{customer.pk}", {"name": "Kone Oyj", "agreement_group": "GOLD"}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["agreement_group"], body["vat_id"], body["phone"]) == (
        "Kone Oyj",
        "GOLD",
        "FI1",
        "+358 1",
    )
    event = AuditEvent.objects.get(verb="customer.updated")
    assert sorted(event.data["changes"]) == ["agreement_group", "name"]


def test_update_customer_can_clear_the_agreement_group(api_as, manager):
    customer = CustomerFactory(agreement_group=AgreementGroupFactory(code="GOLD"))

    response = api_as(manager).patch(f"customers/{customer.pk}", {"agreement_group": None})

    assert response.status_code == 200
    assert response.json()["agreement_group"] is None
    customer.refresh_from_db()
    assert customer.agreement_group is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"currency": "euro"}, "currency"),
        ({"agreement_group": "NOPE"}, "agreement_group"),
        ({"note": "a\x00b"}, "note"),
    ],
)
def test_update_customer_with_bad_input_is_422_and_changes_nothing(api_as, manager, body, field):
    customer = CustomerFactory(name="Kone Oy", currency="EUR", note="")

    response = api_as(manager).patch(f"customers/{customer.pk}", {**body})

    assert list(error_fields(response)) == [field]
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.currency, stored.note, stored.agreement_group) == (
        "Kone Oy",
        "EUR",
        "",
        None,
    )


def test_deactivate_and_activate_customer(api_as, manager):
    customer = CustomerFactory()
    api = api_as(manager)

    deactivated = api.post(f"customers/{customer.pk}/deactivate")
    assert (deactivated.status_code, deactivated.json()["is_active"]) == (200, False)
    assert Customer.objects.get(pk=customer.pk).is_active is False

    activated = api.post(f"customers/{customer.pk}/activate")
    assert (activated.status_code, activated.json()["is_active"]) == (200, True)
    assert Customer.objects.get(pk=customer.pk).is_active is True
    assert list(
        AuditEvent.objects.filter(object_type="customers.customer")
        .order_by("id")
        .values_list("verb", flat=True)
    ) == ["customer.deactivated", "customer.activated"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "customers/999999"),
        ("patch", "customers/999999"),
        ("post", "customers/999999/deactivate"),
        ("get", "sites/999999"),
        ("get", "contacts/999999"),
        ("get", "agreement-groups/999999"),
    ],
)
def test_unknown_id_is_404(api_as, manager, method, path):
    api = api_as(manager)
    response = api.patch(path, {"name": "x"}) if method == "patch" else getattr(api, method)(path)

    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


def test_id_out_of_range_is_422(api_as, manager):
    response = api_as(manager).get(f"customers/{2**63}")

    assert list(error_fields(response)) == ["id"]


def test_customer_user_gets_404_for_another_customers_rows(api_as, customer_user):
    other = CustomerFactory()
    site, contact = SiteFactory(customer=other), ContactFactory(customer=other)
    api = api_as(customer_user)

    statuses = [
        api.get(f"customers/{other.pk}").status_code,
        api.get(f"sites/{site.pk}").status_code,
        api.get(f"contacts/{contact.pk}").status_code,
    ]

    assert statuses == [404, 404, 404]


def test_customer_user_lists_only_their_own_rows(api_as, customer_user):
    own = customer_user.customer_contact.customer
    own_site = SiteFactory(customer=own)
    other = CustomerFactory()
    SiteFactory(customer=other)
    ContactFactory(customer=other)
    api = api_as(customer_user)

    customers = api.get("customers").json()
    sites = api.get("sites").json()
    contacts = api.get("contacts").json()

    assert (customers["count"], [c["id"] for c in customers["items"]]) == (1, [own.pk])
    assert (sites["count"], [s["id"] for s in sites["items"]]) == (1, [own_site.pk])
    assert [c["id"] for c in contacts["items"]] == [customer_user.customer_contact.pk]
    assert contacts["items"][0]["user_id"] == customer_user.pk


def test_deactivated_contacts_user_loses_access_through_the_api(api_as, customer_user, manager):
    own = customer_user.customer_contact.customer
    contact_id = customer_user.customer_contact.pk
    portal = api_as(customer_user)
    assert portal.get(f"customers/{own.pk}").status_code == 200

    deactivated = api_as(manager).post(f"contacts/{contact_id}/deactivate")

    assert deactivated.status_code == 200
    assert portal.get(f"customers/{own.pk}").status_code == 404
    assert portal.get("customers").json() == {"items": [], "count": 0}


def test_list_page_of_50_costs_the_same_queries_as_a_page_of_5(api_as, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    groups = [AgreementGroupFactory(code=code) for code in ("GOLD", "SILVER")]
    for n in range(55):
        SiteFactory(customer=CustomerFactory(agreement_group=groups[n % 2]))
    api = api_as(manager)
    api.get("customers", {"limit": 1})  # the token's first use is recorded once

    counts = {}
    for resource in ("customers", "sites"):
        for limit in (5, 50):
            with CaptureQueriesContext(connection) as queries:
                assert len(api.get(resource, {"limit": limit}).json()["items"]) == limit
            counts[resource, limit] = len(queries)

    assert counts["customers", 5] == counts["customers", 50]
    assert counts["sites", 5] == counts["sites", 50]


# Sites


def test_create_site_returns_201_with_exact_values(api_as, manager):
    customer = CustomerFactory()

    response = api_as(manager).post(
        "sites",
        {
            "customer_id": customer.pk,
            "name": "Head office",
            "address": "Kartanontie 1",
            "postcode": "00330",
            "city": "Helsinki",
            "latitude": 60.1699,
            "longitude": "24.9384",
            "timezone": "Europe/Helsinki",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "customer_id": customer.pk,
        "name": "Head office",
        "address": "Kartanontie 1",
        "postcode": "00330",
        "city": "Helsinki",
        "country": "FI",
        "latitude": 60.1699,
        "longitude": 24.9384,
        "timezone": "Europe/Helsinki",
        "access_notes": "",
        "is_active": True,
    }
    assert Site.objects.get(pk=body["id"]).customer == customer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": -180.5}, "longitude"),
        ({"country": "fi"}, "country"),
        ({"customer_id": 999999}, "customer_id"),
        ({"customer_id": 0}, "customer_id"),
        ({"access_notes": "a\x00"}, "access_notes"),
    ],
    ids=[
        "missing-name",
        "name-too-long",
        "unknown-timezone",
        "latitude-91",
        "longitude-out-of-range",
        "lowercase-country",
        "unknown-customer",
        "customer-id-zero",
        "nul-in-notes",
    ],
)
def test_create_site_with_bad_input_is_422_and_writes_nothing(api_as, manager, change, field):
    customer = CustomerFactory()
    body = {"customer_id": customer.pk, "name": "Head office", **change}
    body = {key: value for key, value in body.items() if value is not None}

    response = api_as(manager).post("sites", body)

    assert list(error_fields(response)) == [field]
    assert Site.objects.count() == 0


def test_create_site_with_one_coordinate_is_422(api_as, manager):
    customer = CustomerFactory()

    response = api_as(manager).post(
        "sites", {"customer_id": customer.pk, "name": "Base", "latitude": 60.1}
    )

    assert error_fields(response) == {"__all__": ["Give both latitude and longitude, or neither."]}
    assert Site.objects.count() == 0


def test_create_site_for_an_inactive_customer_is_409(api_as, manager):
    customer = CustomerFactory(is_active=False)

    response = api_as(manager).post("sites", {"customer_id": customer.pk, "name": "Head office"})

    assert response.status_code == 409
    assert response.json() == {
        "code": "customers.customer_inactive",
        "message": "The customer is inactive: reactivate it first.",
        "details": {"customer_id": customer.pk},
    }
    assert Site.objects.count() == 0


def test_create_site_after_deactivating_the_customer_through_the_api_is_409(api_as, manager):
    customer = CustomerFactory()
    api = api_as(manager)
    assert api.post(f"customers/{customer.pk}/deactivate").status_code == 200

    response = api.post("sites", {"customer_id": customer.pk, "name": "Head office"})

    assert (response.status_code, response.json()["code"]) == (
        409,
        "customers.customer_inactive",
    )


def test_list_sites_filters_and_paginates(api_as, manager):
    kone = CustomerFactory(name="Kone")
    for n in range(4):
        SiteFactory(customer=kone, name=f"Kone {n}", city="Espoo")
    SiteFactory(customer=kone, name="Kone SE", city="Stockholm", country="SE")
    SiteFactory(name="Elsewhere", city="Espoo")
    api = api_as(manager)

    page = api.get("sites", {"customer_id": kone.pk, "city": "espoo", "limit": 2, "offset": 2})
    sweden = api.get("sites", {"country": "SE"})

    assert page.json()["count"] == 4
    assert [item["name"] for item in page.json()["items"]] == ["Kone 2", "Kone 3"]
    assert [item["name"] for item in sweden.json()["items"]] == ["Kone SE"]


def test_update_site_changes_timezone_and_clears_coordinates(api_as, manager):
    site = SiteFactory()

    response = api_as(manager).patch(
        f"sites/{site.pk}", {"timezone": "Europe/Stockholm", "latitude": None, "longitude": None}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["timezone"], body["latitude"], body["longitude"]) == (
        "Europe/Stockholm",
        None,
        None,
    )
    site.refresh_from_db()
    assert (site.timezone, site.latitude, site.longitude) == ("Europe/Stockholm", None, None)


def test_update_site_with_invalid_timezone_is_422_and_changes_nothing(api_as, manager):
    site = SiteFactory(timezone="Europe/Helsinki")

    response = api_as(manager).patch(f"sites/{site.pk}", {"timezone": "Mars/Olympus"})

    assert list(error_fields(response)) == ["timezone"]
    assert Site.objects.get(pk=site.pk).timezone == "Europe/Helsinki"


def test_deactivate_and_activate_site(api_as, manager):
    site = SiteFactory()
    api = api_as(manager)

    assert api.post(f"sites/{site.pk}/deactivate").json()["is_active"] is False
    assert Site.objects.get(pk=site.pk).is_active is False
    assert api.post(f"sites/{site.pk}/activate").json()["is_active"] is True
    assert Site.objects.get(pk=site.pk).is_active is True


def test_activate_site_of_an_inactive_customer_is_409(api_as, manager):
    site = SiteFactory(is_active=False, customer=CustomerFactory(is_active=False))

    response = api_as(manager).post(f"sites/{site.pk}/activate")

    assert (response.status_code, response.json()["code"]) == (
        409,
        "customers.customer_inactive",
    )
    assert Site.objects.get(pk=site.pk).is_active is False


# Contacts


def test_create_contact_returns_201_with_exact_values(api_as, manager):
    customer = CustomerFactory()

    response = api_as(manager).post(
        "contacts",
        {
            "customer_id": customer.pk,
            "name": "Aino Virtanen",
            "email": "aino@kone.example",
            "phone": "+358 40 123",
            "role": "Facility manager",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "customer_id": customer.pk,
        "name": "Aino Virtanen",
        "email": "aino@kone.example",
        "phone": "+358 40 123",
        "role": "Facility manager",
        "user_id": None,
        "is_active": True,
    }
    assert Contact.objects.get(pk=body["id"]).customer == customer


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "aino@"}, "email"),
        ({"customer_id": 999999}, "customer_id"),
    ],
)
def test_create_contact_with_bad_input_is_422_and_writes_nothing(api_as, manager, change, field):
    customer = CustomerFactory()

    response = api_as(manager).post(
        "contacts", {"customer_id": customer.pk, "name": "Aino", **change}
    )

    assert list(error_fields(response)) == [field]
    assert Contact.objects.count() == 0


def test_create_contact_for_an_inactive_customer_is_409(api_as, manager):
    customer = CustomerFactory(is_active=False)

    response = api_as(manager).post("contacts", {"customer_id": customer.pk, "name": "Aino"})

    assert (response.status_code, response.json()["code"]) == (
        409,
        "customers.customer_inactive",
    )
    assert Contact.objects.count() == 0


def test_update_contact_and_filter_contacts(api_as, manager):
    kone = CustomerFactory()
    aino = ContactFactory(customer=kone, name="Aino", role="")
    ContactFactory(name="Eero")
    api = api_as(manager)

    response = api.patch(f"contacts/{aino.pk}", {"role": "CFO", "phone": "+358 1"})
    listed = api.get("contacts", {"customer_id": kone.pk, "q": "cfo"})

    assert response.status_code == 200
    assert (response.json()["role"], response.json()["phone"]) == ("CFO", "+358 1")
    assert [item["id"] for item in listed.json()["items"]] == [aino.pk]


def test_deactivate_and_activate_contact(api_as, manager):
    contact = ContactFactory()
    api = api_as(manager)

    assert api.post(f"contacts/{contact.pk}/deactivate").json()["is_active"] is False
    assert api.get("contacts", {"is_active": "false"}).json()["count"] == 1
    assert api.post(f"contacts/{contact.pk}/activate").json()["is_active"] is True


# Agreement groups


def test_create_agreement_group_uppercases_the_code(api_as, manager):
    response = api_as(manager).post(
        "agreement-groups", {"code": "gold", "name": "Gold", "description": "Top tier"}
    )

    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "code": "GOLD",
        "name": "Gold",
        "description": "Top tier",
        "is_active": True,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Gold"}, "code"),
        ({"code": "X" * 21, "name": "Gold"}, "code"),
        ({"code": "GOLD"}, "name"),
        ({"code": "gold", "name": "Gold again"}, "code"),
    ],
    ids=["missing-code", "code-too-long", "missing-name", "duplicate-code"],
)
def test_create_agreement_group_with_bad_input_is_422_and_writes_nothing(
    api_as, manager, body, field
):
    AgreementGroupFactory(code="GOLD", name="Gold")

    response = api_as(manager).post("agreement-groups", body)

    assert list(error_fields(response)) == [field]
    assert list(AgreementGroup.objects.values_list("name", flat=True)) == ["Gold"]


def test_update_deactivate_and_filter_agreement_groups(api_as, manager):
    gold = AgreementGroupFactory(code="GOLD", name="Gold")
    AgreementGroupFactory(code="SILVER", name="Silver")
    api = api_as(manager)

    assert api.patch(f"agreement-groups/{gold.pk}", {"code": "platinum"}).json()["code"] == (
        "PLATINUM"
    )
    assert api.post(f"agreement-groups/{gold.pk}/deactivate").json()["is_active"] is False
    inactive = api.get("agreement-groups", {"is_active": "false"}).json()
    assert [item["code"] for item in inactive["items"]] == ["PLATINUM"]
    assert [
        item["code"] for item in api.get("agreement-groups", {"q": "silv"}).json()["items"]
    ] == ["SILVER"]
    assert api.post(f"agreement-groups/{gold.pk}/activate").json()["is_active"] is True


# Idempotency-Key


def test_same_idempotency_key_creates_one_customer_and_replays_the_body(api_as, manager):
    api = api_as(manager)

    first = api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "abc-123"})
    second = api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "abc-123"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert first.json()["number"] == "C00001"
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Customer.objects.count() == 1


def test_same_idempotency_key_with_a_different_body_is_422(api_as, manager):
    api = api_as(manager)
    api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "abc-123"})

    response = api.post("customers", {"name": "Wärtsilä"}, **{"Idempotency-Key": "abc-123"})

    assert response.status_code == 422
    assert response.json()["code"] == "core.idempotency_key_reused"
    assert list(Customer.objects.values_list("name", flat=True)) == ["Kone Oy"]


def test_refused_request_frees_its_idempotency_key(api_as, manager):
    api = api_as(manager)

    refused = api.post("customers", {"name": ""}, **{"Idempotency-Key": "k1"})
    retried = api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "k1"})

    assert (refused.status_code, retried.status_code) == (422, 201)
    assert "Idempotent-Replayed" not in retried.headers
    assert Customer.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="k1").status_code == 201


def test_different_idempotency_keys_create_two_customers(api_as, manager):
    api = api_as(manager)

    first = api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "k1"})
    second = api.post("customers", {"name": "Kone Oy"}, **{"Idempotency-Key": "k2"})

    assert (first.json()["number"], second.json()["number"]) == ("C00001", "C00002")
    assert Customer.objects.count() == 2
