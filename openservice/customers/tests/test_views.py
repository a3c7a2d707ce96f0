"""Customer pages: list, detail, forms and who may open them."""

import pytest
from django.urls import reverse

from openservice.core.models import AuditEvent
from openservice.customers.models import Contact, Customer, Site
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    ContactFactory,
    CustomerFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def customer_form(**fields):
    return {
        "name": "Kone Oy",
        "number": "",
        "vat_id": "",
        "agreement_group": "",
        "currency": "EUR",
        "email": "",
        "phone": "",
        "billing_address": "",
        "note": "",
        **fields,
    }


def site_form(**fields):
    return {
        "name": "Head office",
        "address": "Kartanontie 1",
        "postcode": "00330",
        "city": "Helsinki",
        "country": "FI",
        "latitude": "",
        "longitude": "",
        "timezone": "Europe/Helsinki",
        "access_notes": "",
        **fields,
    }


# List


def test_customer_list_shows_customers_with_group_and_status(as_manager):
    CustomerFactory(
        number="C00001", name="Kone Oy", agreement_group=AgreementGroupFactory(code="GOLD")
    )
    CustomerFactory(number="C00002", name="Closed Oy", is_active=False)

    response = as_manager.get(reverse("customers:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert [c.name for c in response.context["page_obj"]] == ["Closed Oy", "Kone Oy"]
    assert '<span class="chip">GOLD</span>' in html
    assert "2 customers" in html


def test_customer_list_search_and_filters(as_manager):
    gold = AgreementGroupFactory(code="GOLD")
    CustomerFactory(name="Kone Oy", agreement_group=gold)
    CustomerFactory(name="Kone AB")
    CustomerFactory(name="Kone Closed", agreement_group=gold, is_active=False)
    CustomerFactory(name="Wärtsilä")

    def names(**params):
        response = as_manager.get(reverse("customers:list"), params)
        return [customer.name for customer in response.context["page_obj"]]

    assert names(q="kone") == ["Kone AB", "Kone Closed", "Kone Oy"]
    assert names(q="kone", agreement_group="GOLD") == ["Kone Closed", "Kone Oy"]
    assert names(q="kone", agreement_group="GOLD", is_active="true") == ["Kone Oy"]
    assert names(is_active="false") == ["Kone Closed"]
    assert names(order_by="-name") == ["Wärtsilä", "Kone Oy", "Kone Closed", "Kone AB"]


def test_customer_list_shows_an_empty_state_when_nothing_matches(as_manager):
    CustomerFactory(name="Kone Oy")

    response = as_manager.get(reverse("customers:list"), {"q": "nothing like this"})

    assert "No customers match." in response.content.decode()


def test_customer_list_pagination_links_keep_the_filters(as_manager):
    for n in range(30):
        CustomerFactory(name=f"Kone {n:02d}")
    CustomerFactory(name="Wärtsilä")

    first = as_manager.get(reverse("customers:list"), {"q": "kone"})
    second = as_manager.get(reverse("customers:list"), {"q": "kone", "page": 2})

    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?q=kone&amp;page=2"' in first.content.decode()
    assert [c.name for c in second.context["page_obj"]] == [f"Kone {n}" for n in range(25, 30)]
    assert 'href="?q=kone&amp;page=1"' in second.content.decode()


def test_htmx_request_returns_only_the_rows_partial(as_manager):
    CustomerFactory(name="Kone Oy")
    CustomerFactory(name="Wärtsilä")

    response = as_manager.get(
        reverse("customers:list"), {"q": "kone"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "customers/_customer_rows.html"
    assert "<html" not in html
    assert 'role="search"' not in html
    assert "Kone Oy" in html and "Wärtsilä" not in html


def test_customer_user_visiting_the_list_is_redirected_to_their_customer(client, customer_user):
    CustomerFactory(name="Other Oy")
    client.force_login(customer_user)

    response = client.get(reverse("customers:list"))

    own = customer_user.customer_contact.customer
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[own.pk])


def test_customer_user_sees_their_customer_without_change_buttons(client, customer_user):
    own = customer_user.customer_contact.customer
    SiteFactory(customer=own, name="Own site")
    client.force_login(customer_user)

    response = client.get(reverse("customers:detail", args=[own.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Own site" in html
    assert reverse("customers:edit", args=[own.pk]) not in html
    assert reverse("customers:site_create", args=[own.pk]) not in html


def test_customer_user_gets_404_for_another_customer(client, customer_user):
    other = CustomerFactory()
    client.force_login(customer_user)

    assert client.get(reverse("customers:detail", args=[other.pk])).status_code == 404


def test_anonymous_is_redirected_to_login(client):
    customer = CustomerFactory()

    for url in (
        reverse("customers:list"),
        reverse("customers:detail", args=[customer.pk]),
        reverse("customers:create"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('web:login')}?next={url}"


def test_user_without_role_gets_403(client, make_user):
    client.force_login(make_user())

    assert client.get(reverse("customers:list")).status_code == 403


# Detail


def test_detail_shows_the_customer_with_sites_and_contacts(as_manager):
    customer = CustomerFactory(
        number="C00007", name="Kone Oy", agreement_group=AgreementGroupFactory(code="GOLD")
    )
    SiteFactory(customer=customer, name="Head office", city="Espoo", timezone="Europe/Helsinki")
    SiteFactory(name="Someone else's site")
    ContactFactory(customer=customer, name="Aino Virtanen", role="Facility manager")

    response = as_manager.get(reverse("customers:detail", args=[customer.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<dd data-field="number">C00007</dd>' in html
    assert [site.name for site in response.context["sites"]] == ["Head office"]
    assert [contact.name for contact in response.context["contacts"]] == ["Aino Virtanen"]
    assert "Head office" in html and "Europe/Helsinki" in html
    assert "Aino Virtanen" in html and "Facility manager" in html
    assert "Someone else" not in html
    assert reverse("customers:site_create", args=[customer.pk]) in html


def test_detail_of_an_inactive_customer_offers_reactivation_and_no_new_sites(as_manager):
    customer = CustomerFactory(is_active=False)

    html = as_manager.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    assert "Reactivate" in html
    assert reverse("customers:site_create", args=[customer.pk]) not in html
    assert reverse("customers:contact_create", args=[customer.pk]) not in html


def test_unknown_customer_is_404(as_manager):
    for url in (
        reverse("customers:detail", args=[999999]),
        reverse("customers:edit", args=[999999]),
        reverse("customers:site_create", args=[999999]),
        reverse("customers:site_edit", args=[999999]),
        reverse("customers:contact_edit", args=[999999]),
    ):
        assert as_manager.get(url).status_code == 404, url


# Customer forms


def test_manager_creates_a_customer_and_is_redirected_to_it(as_manager, manager):
    gold = AgreementGroupFactory(code="GOLD")

    response = as_manager.post(
        reverse("customers:create"), customer_form(agreement_group=gold.pk, vat_id="FI1")
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    assert (customer.number, customer.name, customer.agreement_group, customer.vat_id) == (
        "C00001",
        "Kone Oy",
        gold,
        "FI1",
    )
    event = AuditEvent.objects.get(verb="customer.created")
    assert event.actor == manager
    followed = as_manager.get(response.url)
    assert "Customer C00001 created." in followed.content.decode()


def test_create_form_uses_a_given_number(as_manager):
    as_manager.post(reverse("customers:create"), customer_form(number="K-1"))

    assert list(Customer.objects.values_list("number", flat=True)) == ["K-1"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"currency": "eur"}, "Use a three-letter ISO currency code."),
        ({"email": "nope"}, "Enter a valid email address."),
        ({"name": "x" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
    ],
    ids=["missing-name", "lowercase-currency", "bad-email", "name-too-long"],
)
def test_invalid_customer_form_is_rerendered_with_the_error_and_writes_nothing(
    as_manager, fields, message
):
    response = as_manager.post(reverse("customers:create"), customer_form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Customer.objects.count() == 0


def test_create_form_refuses_a_taken_number(as_manager):
    CustomerFactory(number="C00001", name="Existing Oy")

    response = as_manager.post(reverse("customers:create"), customer_form(number="C00001"))

    assert response.status_code == 200
    assert "Customer with this Number already exists." in response.content.decode()
    assert list(Customer.objects.values_list("name", flat=True)) == ["Existing Oy"]


def test_manager_edits_a_customer(as_manager):
    customer = CustomerFactory(number="C00009", name="Kone Oy", phone="")

    form = as_manager.get(reverse("customers:edit", args=[customer.pk]))
    response = as_manager.post(
        reverse("customers:edit", args=[customer.pk]),
        customer_form(name="Kone Oyj", phone="+358 1"),
    )

    assert "number" not in form.context["form"].fields
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    customer.refresh_from_db()
    assert (customer.number, customer.name, customer.phone) == ("C00009", "Kone Oyj", "+358 1")
    event = AuditEvent.objects.get(verb="customer.updated")
    assert event.data == {"changes": {"name": ["Kone Oy", "Kone Oyj"], "phone": ["", "+358 1"]}}


def test_invalid_edit_is_rerendered_and_changes_nothing(as_manager):
    customer = CustomerFactory(name="Kone Oy", currency="EUR")

    response = as_manager.post(
        reverse("customers:edit", args=[customer.pk]), customer_form(name="New", currency="xx")
    )

    assert response.status_code == 200
    assert "Use a three-letter ISO currency code." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.currency) == ("Kone Oy", "EUR")


def test_deactivate_and_reactivate_through_the_page(as_manager):
    customer = CustomerFactory()
    url = reverse("customers:set_active", args=[customer.pk])

    deactivated = as_manager.post(url, {"active": "false"}, follow=True)
    assert Customer.objects.get(pk=customer.pk).is_active is False
    assert "Customer deactivated." in deactivated.content.decode()

    reactivated = as_manager.post(url, {"active": "true"}, follow=True)
    assert Customer.objects.get(pk=customer.pk).is_active is True
    assert "Customer reactivated." in reactivated.content.decode()
    assert reactivated.redirect_chain == [(reverse("customers:detail", args=[customer.pk]), 302)]


def test_set_active_refuses_get(as_manager):
    customer = CustomerFactory()

    response = as_manager.get(reverse("customers:set_active", args=[customer.pk]))

    assert response.status_code == 405
    assert Customer.objects.get(pk=customer.pk).is_active is True


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "customer_user"])
def test_roles_that_only_read_get_403_on_change_pages(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    customer = user.customer_contact.customer if role == "customer_user" else CustomerFactory()
    site, contact = SiteFactory(customer=customer), ContactFactory(customer=customer)
    customers_before = Customer.objects.count()

    pages = [
        reverse("customers:create"),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:site_create", args=[customer.pk]),
        reverse("customers:site_edit", args=[site.pk]),
        reverse("customers:contact_create", args=[customer.pk]),
        reverse("customers:contact_edit", args=[contact.pk]),
    ]

    assert [client.get(url).status_code for url in pages] == [403] * len(pages)
    assert client.post(reverse("customers:create"), customer_form()).status_code == 403
    assert (
        client.post(
            reverse("customers:set_active", args=[customer.pk]), {"active": "false"}
        ).status_code
        == 403
    )
    assert Customer.objects.count() == customers_before
    assert Customer.objects.get(pk=customer.pk).is_active is True


@pytest.mark.parametrize("role", ["dispatcher", "technician_user"])
def test_staff_who_only_read_see_the_list_and_detail(client, request, role):
    client.force_login(request.getfixturevalue(role))
    customer = CustomerFactory(name="Kone Oy")

    listed = client.get(reverse("customers:list"))
    detail = client.get(reverse("customers:detail", args=[customer.pk]))

    assert (listed.status_code, detail.status_code) == (200, 200)
    assert reverse("customers:create") not in listed.content.decode()
    assert reverse("customers:edit", args=[customer.pk]) not in detail.content.decode()


# Sites and contacts


def test_manager_adds_a_site(as_manager):
    customer = CustomerFactory()

    response = as_manager.post(
        reverse("customers:site_create", args=[customer.pk]),
        site_form(latitude="60.2055", longitude="24.6559"),
    )

    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    site = Site.objects.get()
    assert (site.customer, site.name, site.city, str(site.latitude)) == (
        customer,
        "Head office",
        "Helsinki",
        "60.205500",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus is not an IANA time zone"),
        ({"latitude": "60.1"}, "Give both latitude and longitude, or neither."),
        ({"latitude": "91", "longitude": "0"}, "Ensure this value is less than or equal to 90."),
        ({"name": ""}, "This field is required."),
    ],
    ids=["unknown-timezone", "one-coordinate", "latitude-91", "missing-name"],
)
def test_invalid_site_form_is_rerendered_with_the_message(as_manager, fields, message):
    customer = CustomerFactory()

    response = as_manager.post(
        reverse("customers:site_create", args=[customer.pk]), site_form(**fields)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Site.objects.count() == 0


def test_site_for_an_inactive_customer_is_refused_on_the_form(as_manager):
    customer = CustomerFactory(is_active=False)

    response = as_manager.post(reverse("customers:site_create", args=[customer.pk]), site_form())

    assert response.status_code == 200
    assert "The customer is inactive: reactivate it first." in response.content.decode()
    assert Site.objects.count() == 0


def test_manager_edits_a_site(as_manager):
    site = SiteFactory(name="Old name", timezone="Europe/Helsinki")

    response = as_manager.post(
        reverse("customers:site_edit", args=[site.pk]),
        site_form(
            name="New name", timezone="Europe/Stockholm", latitude="59.33", longitude="18.06"
        ),
    )

    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[site.customer_id])
    site.refresh_from_db()
    assert (site.name, site.timezone, str(site.longitude)) == (
        "New name",
        "Europe/Stockholm",
        "18.060000",
    )


def test_site_edit_with_an_invalid_timezone_is_rerendered_and_changes_nothing(as_manager):
    site = SiteFactory(name="Old name", timezone="Europe/Helsinki")

    response = as_manager.post(
        reverse("customers:site_edit", args=[site.pk]),
        site_form(name="New name", timezone="Mars/Olympus"),
    )

    assert response.status_code == 200
    assert (
        "Mars/Olympus is not an IANA time zone (for example Europe/Helsinki)."
        in response.content.decode()
    )
    site.refresh_from_db()
    assert (site.name, site.timezone) == ("Old name", "Europe/Helsinki")


def test_manager_adds_and_edits_a_contact(as_manager):
    customer = CustomerFactory()

    created = as_manager.post(
        reverse("customers:contact_create", args=[customer.pk]),
        {"name": "Aino Virtanen", "role": "CFO", "email": "aino@kone.example", "phone": ""},
    )
    contact = Contact.objects.get()
    edited = as_manager.post(
        reverse("customers:contact_edit", args=[contact.pk]),
        {"name": "Aino Virtanen", "role": "CEO", "email": "aino@kone.example", "phone": "+358 1"},
    )

    assert (created.status_code, edited.status_code) == (302, 302)
    assert created.url == edited.url == reverse("customers:detail", args=[customer.pk])
    contact.refresh_from_db()
    assert (contact.customer, contact.role, contact.phone) == (customer, "CEO", "+358 1")


def test_invalid_contact_form_is_rerendered_and_writes_nothing(as_manager):
    customer = CustomerFactory()

    response = as_manager.post(
        reverse("customers:contact_create", args=[customer.pk]),
        {"name": "Aino", "role": "", "email": "aino@", "phone": ""},
    )

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert Contact.objects.count() == 0
